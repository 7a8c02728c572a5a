// Issue 17: faults during --method physical, each injected for real: the stream killed, mariadb-backup failing on GS,
// BS's start command failing, Ctrl-C before BS is stopped and after. In each case GS takes writes, BS is left running
// on a complete datadir (its own or the copy, and the tool says which), no credentials file is left behind, and
// --resume completes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { childPids, PACE_COPY, readJournal, takesWrite } from '../helpers/faults.js';
import { expectPairHealthy, privateState, snapshot, withSessions, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';

let lab: Lab;
beforeAll(async () => {
  // The lab's own data: the stream (about 70 MB of InnoDB files) is paced by PACE_COPY in the runs a fault hits while
  // it flows, so it is still flowing then; no load of rows is needed for that.
  lab = await newLab();
});
afterAll(async () => {
  await dropLab(lab);
});

const keptDirs = () => readdirSync(dirname(lab.b.datadir)).filter((f) => f.startsWith(`${basename(lab.b.datadir)}.mmrecover-kept-`));

/** A child of `parent` whose command line matches `pattern` (pgrep -f). */
function childMatching(parent: number, pattern: string): number | undefined {
  try {
    return (
      Number(
        execFileSync('pgrep', ['-P', String(parent), '-f', pattern], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      ) || undefined
    );
  } catch {
    return undefined;
  }
}

/** Poll fast for a child of the tool; `act` it the moment it shows. */
async function whenChild(pid: number, name: string, act: (child: number) => void, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = name === 'mariadb-backup' ? childMatching(pid, '^mariadb-backup .*--backup') : childPids(pid, name)[0];
    if (c) return act(c);
    if (Date.now() > deadline) throw new Error(`${name} never started`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Case {
  args: string[];
  env: Record<string, string>;
  tmp: string;
}

async function setUp(): Promise<Case> {
  await breakLab(lab, 'stopped');
  const tmp = mkdtempSync(join(tmpdir(), 'mmrecover-tmp-'));
  return { args: physicalArgs(lab), env: { ...lab.env(), ...privateState(), TMPDIR: tmp }, tmp };
}

/** GS untouched (takes writes), BS up, no 0600 file left, then --resume (same flags) completes and the pair is healthy. */
async function expectSafeThenResume(c: Case, r: CliResult): Promise<void> {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(await takesWrite(lab, 'a'), 'GS takes writes').toBe(true);
  expect(lab.isUp('b'), 'BS is running').toBe(true);
  expect(readdirSync(c.tmp), 'option files left behind').toEqual([]);
  const resumed = await runCli(yesArgs(lab, [...c.args, '--resume']), c.env);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toMatch(/Resuming from step 3/);
  expect(resumed.stderr).toMatch(/VERIFIED/);
  expect(readJournal(c.env.XDG_STATE_HOME).data.outcome).toBe('completed');
  await expectPairHealthy(lab);
}

describe('--method physical under faults', () => {
  it('the preflight stops on a start command that does not exist on BS’s host, or none given; nothing changes', async () => {
    const c = await setUp();
    // TABLE_ROWS of a large InnoDB table is an estimate that moves by itself: what the tool could change is compared.
    const state = async () => {
      const x = await snapshot(lab);
      return { a: { ...x.a, tables: undefined }, b: { ...x.b, tables: undefined } };
    };
    const before = await state();
    const pid = lab.b.pid;
    const missing = await runCli(yesArgs(lab, [...physicalArgs(lab).slice(0, 4), '--bad-start-command', 'no-such-program start']), c.env);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/STOP\s+BS start command\s+no-such-program start: not found on local/);
    expect(missing.stderr).toMatch(/ok\s+GS mariadb-backup\s+mariadb-backup 10\.11\.\d+ matches MariaDB 10\.11/);
    expect(missing.stderr).toMatch(/ok\s+BS space for the copy/);
    const none = await runCli(yesArgs(lab, ['--method', 'physical']), c.env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/STOP\s+BS stop\/start\s+give --bad-service <unit>, or --bad-stop-command and --bad-start-command/);
    for (const r of [missing, none]) expect(r.stderr).toMatch(/Nothing was changed/);
    expect(await state()).toEqual(before);
    expect(lab.b.pid).toBe(pid);
  });

  it('the stream killed (mbstream SIGKILLed): BS never stopped, runs on its own datadir; --resume completes', async () => {
    const c = await setUp();
    const pid = lab.b.pid;
    const kept = keptDirs();
    const run = startCli(yesArgs(lab, [...c.args, ...PACE_COPY]), c.env);
    await whenChild(run.child.pid!, 'mbstream', (p) => process.kill(p, 'SIGKILL'));
    const r = await run.result;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the copy did not complete: .*mbstream/);
    expect(r.stderr).toMatch(/BS was not stopped: it runs on its own datadir as before/);
    expect(lab.b.pid, 'the same BS process').toBe(pid);
    expect(keptDirs()).toEqual(kept);
    expect(readJournal(c.env.XDG_STATE_HOME).data.state.physical?.running).toBeUndefined();
    await expectSafeThenResume(c, r);
  });

  it('mariadb-backup failing on GS (SIGKILLed mid-copy): BS never stopped; --resume completes', async () => {
    const c = await setUp();
    const pid = lab.b.pid;
    const run = startCli(yesArgs(lab, [...c.args, ...PACE_COPY]), c.env);
    await whenChild(run.child.pid!, 'mariadb-backup', (p) => process.kill(p, 'SIGKILL'));
    const r = await run.result;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the copy did not complete: mariadb-backup was killed \(SIGKILL\)/);
    expect(r.stderr).toMatch(/BS was not stopped/);
    expect(lab.b.pid).toBe(pid);
    await expectSafeThenResume(c, r);
  });

  it('BS’s start command failing: the previous datadir goes back, BS runs on it and the tool says so; --resume completes', async () => {
    const c = await setUp();
    const flag = join(c.tmp, '..', `fail-once-${process.pid}-${Date.now()}`);
    writeFileSync(flag, '');
    const start = lab.serviceCommands('b').start;
    const failingStart = `if [ -e ${flag} ]; then rm -f ${flag}; echo 'simulated: BS failed to start' >&2; exit 1; fi; ${start}`;
    c.args = [...physicalArgs(lab).slice(0, 4), '--bad-start-command', failingStart];
    const r = await runCli(yesArgs(lab, c.args), c.env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/simulated: BS failed to start/);
    expect(r.stderr).toMatch(/it runs again on its previous datadir /);
    expect(readJournal(c.env.XDG_STATE_HOME).data.state.physical?.running).toBe('previous');
    expect(existsSync(`${lab.b.datadir}.mmrecover-new.failed`), 'the copy that did not start is set aside').toBe(true);
    // BS runs on its own data: the stopped replica, not GS's copy (BS is behind GS in this break mode).
    await withSessions(lab, async (_a, b) => expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(1));
    await expectSafeThenResume(c, r);
  });

  it('Ctrl-C before BS is stopped (during the stream): exit 130, BS untouched; --resume completes', async () => {
    const c = await setUp();
    const pid = lab.b.pid;
    const kept = keptDirs();
    const run = startCli(yesArgs(lab, [...c.args, ...PACE_COPY]), c.env);
    await whenChild(run.child.pid!, 'mbstream', () => run.child.kill('SIGINT'));
    const r = await run.result;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/untouched: runs on its own datadir/);
    expect(lab.b.pid).toBe(pid);
    expect(keptDirs()).toEqual(kept);
    await expectSafeThenResume(c, r);
  });

  it('Ctrl-C after BS is stopped: the swap finishes, BS runs on the copy, fenced, and the tool says so; --resume completes', async () => {
    const c = await setUp();
    const flag = join(c.tmp, '..', `stopped-${process.pid}-${Date.now()}`);
    const svc = lab.serviceCommands('b');
    c.args = ['--method', 'physical', '--bad-stop-command', `${svc.stop} && touch ${flag} && sleep 1`, '--bad-start-command', svc.start];
    const kept = keptDirs();
    const run = startCli(yesArgs(lab, c.args), c.env);
    const deadline = Date.now() + 60_000;
    while (!existsSync(flag) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    expect(lab.isUp('b'), 'BS is down when Ctrl-C comes').toBe(false);
    run.child.kill('SIGINT');
    const r = await run.result;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/runs on a complete, prepared copy of GS/);
    expect(keptDirs().length).toBe(kept.length + 1);
    expect(readJournal(c.env.XDG_STATE_HOME).data.state.physical?.running).toBe('copy');
    await withSessions(lab, async (_a, b) => expect(Number(await b.value('SELECT @@GLOBAL.read_only')), 'BS fenced again').toBe(1));
    await expectSafeThenResume(c, r);
  });
});
