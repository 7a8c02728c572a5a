// Issue 4: the eleven steps, end to end, on the lab — every break mode, dry runs, and bad input.
import { describe, expect, it } from 'vitest';
import { breakLab, BREAK_MODES } from '../../src/lab/break.js';
import { expectPairHealthy, recoverArgs, snapshot, withSessions, yesArgs } from '../helpers/pair.js';
import { newLab, dropLab, useLab } from '../helpers/lab.js';
import { runCli } from '../helpers/cli.js';

describe('recovery of every lab break mode', () => {
  for (const mode of Object.keys(BREAK_MODES)) {
    it(`${mode}: --yes brings the pair back, verified`, async () => {
      const lab = await newLab();
      try {
        await breakLab(lab, mode);
        const r = await runCli(yesArgs(lab), lab.env());
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/VERIFIED/);
        for (let step = 1; step <= 11; step++) expect(r.stderr).toContain(`Step ${step}/11`);
        await expectPairHealthy(lab);
        // step 11 undid step 1: BS writable again
        await withSessions(lab, async (_a, b) => expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(0));
      } finally {
        await dropLab(lab);
      }
    });
  }
});

describe('dry run', () => {
  const lab = useLab();

  it('changes nothing and prints all eleven steps with the real statements', async () => {
    await breakLab(lab.get(), 'conflict');
    const before = await snapshot(lab.get());
    const r = await runCli(recoverArgs(lab.get(), ['--dry-run']), lab.get().env());
    expect(r.code, r.stderr).toBe(0);
    const after = await snapshot(lab.get());
    expect(after).toEqual(before);
    for (let step = 1; step <= 11; step++) expect(r.stderr).toContain(`Step ${step}/11`);
    expect(r.stderr).toMatch(/would run GS> FLUSH TABLES WITH READ LOCK/);
    expect(r.stderr).toMatch(/read GS> SHOW BINLOG STATUS/);
    // the CHANGE MASTER on BS carries GS's current real coordinates, the password masked

    expect(r.stderr).toContain(
      `would run BS> CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${lab.get().a.port}, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_LOG_FILE='${before.a.binlog!.file}', MASTER_LOG_POS=${before.a.binlog!.position}`,
    );
    expect(r.stderr).not.toContain(lab.get().state.replPassword);
    expect(r.stderr).toMatch(/Dry run complete: nothing was changed/);
  });

  it('with both servers down, still prints the plan with placeholders and exits 0', async () => {
    const r = await runCli(['recover', '--good', '127.0.0.1:1', '--bad', '127.0.0.1:2', '--dry-run', '--connect-timeout', '2'], {
      MMRECOVER_PASSWORD: 'x',
      MMRECOVER_REPL_PASSWORD: 'y',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/does not answer/);
    expect(r.stderr).toContain("MASTER_LOG_FILE='<GS File>', MASTER_LOG_POS=<GS Position>");
    expect(r.stderr).toContain("MASTER_LOG_FILE='<BS File>', MASTER_LOG_POS=<BS Position>");
    for (let step = 1; step <= 11; step++) expect(r.stderr).toContain(`Step ${step}/11`);
    // An honest rehearsal: nothing it could not check is marked as checked, and no statement holds a value it could not know.
    expect(r.stderr).not.toContain('✔');
    expect(r.stderr).not.toMatch(/unknown/i);
    expect(r.stderr).toMatch(/n\/a\s+privileges\s+not made: GS and BS did not answer/);
    expect(r.stderr).toMatch(/Not checked: BS did not answer/);
  });
});

describe('bad input stops before any change', () => {
  const lab = useLab();

  async function expectStopsUntouched(args: string[], env: Record<string, string>, message: RegExp, code = 1) {
    const before = await snapshot(lab.get());
    const r = await runCli(args, env);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot(lab.get())).toEqual(before);
    return r;
  }

  it('GS and BS are the same server', async () => {
    const a = lab.get().a;
    await expectStopsUntouched(
      ['recover', '--good', `127.0.0.1:${a.port}`, '--bad', `localhost:${a.port}`, '--yes', '--confirm-bad', `localhost:${a.port}`],
      lab.get().env(),
      /same server/,
    );
  });

  it('a server that does not answer', async () => {
    await expectStopsUntouched(
      ['recover', '--good', `127.0.0.1:${lab.get().a.port}`, '--bad', '127.0.0.1:1', '--yes', '--confirm-bad', '127.0.0.1:1'],
      lab.get().env(),
      /BS \(127\.0\.0\.1:1\) does not answer/,
    );
  });

  it('a wrong password', async () => {
    await expectStopsUntouched(yesArgs(lab.get()), { ...lab.get().env(), MMRECOVER_PASSWORD: 'wrong' }, /refused the login for user 'root'/);
  });

  it('--yes without --confirm-bad, or naming the wrong server', async () => {
    await expectStopsUntouched(recoverArgs(lab.get(), ['--yes']), lab.get().env(), /--yes needs --confirm-bad/, 2);
    await expectStopsUntouched(
      recoverArgs(lab.get(), ['--yes', '--confirm-bad', `127.0.0.1:${lab.get().a.port}`]),
      lab.get().env(),
      /is not the bad server/,
      2,
    );
  });

  it('a BS that is not configured as a master (no binary log)', async () => {
    await lab.get().restart('b', ['--skip-log-bin']);
    await expectStopsUntouched(yesArgs(lab.get()), lab.get().env(), /BS binary log: log_bin is OFF/);
  });
});
