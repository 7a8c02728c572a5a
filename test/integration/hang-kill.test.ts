// Issue 15: faults that kill instead of freezing, and the tool's own death, during the copy; and no false alarm: a
// copy never trips the stall timeout while data moves (400k rows against a bound scaled down to 10 s).
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { childPids, eventuallyGone, expectResumeCompletes, faultDuringCopy, takesWrite } from '../helpers/faults.js';
import { runCli } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { withSessions, yesArgs } from '../helpers/pair.js';
import { loadOrders } from '../../src/lab/load.js';
import { breakLab } from '../../src/lab/break.js';

describe('the copy when a process dies', () => {
  it("GS's mariadbd killed and restarted mid-copy: the tool stops naming GS; --resume recovers", () =>
    faultDuringCopy(async ({ lab, env, run }) => {
      lab.kill('a');
      const r = await run.result;
      expect(r.code).toBe(1);
      // Whichever failure the tool saw first, the stop line names GS with its address: the dump's lost connection, or
      // the read lock's session.
      expect(r.stderr).toMatch(
        /Stopped at step 4: [^\n]*(the dump side, reading GS [\d.]+:\d+|the session holding GS's read lock \(GS [\d.]+:\d+\) lost its connection)/,
      );
      await lab.restart('a');
      expect(await takesWrite(lab, 'a')).toBe(true);
      await expectResumeCompletes(lab, env);
    }));

  it('mmrecover itself SIGKILLed mid-copy: GS takes a write within 1 s, no dump or import of it remains; --resume recovers', () =>
    faultDuringCopy(async ({ lab, env, run, tmp }) => {
      const kids = [...childPids(run.child.pid!, 'mariadb-dump'), ...childPids(run.child.pid!, 'mariadb')];
      expect(kids.length).toBe(2);
      run.child.kill('SIGKILL');
      await run.result;
      const killedAt = Date.now();
      expect(await takesWrite(lab, 'a')).toBe(true);
      expect(Date.now() - killedAt).toBeLessThan(1000 + 1000); // lock_wait_timeout 1 s in the probe: a held lock would fail it
      await eventuallyGone(kids, 10_000);
      // A killed process removes nothing: its 0600 option files stay until the next run sweeps the orphans.
      expect(readdirSync(tmp).filter((f) => /^mmrecover-\d+-/.test(f)).length).toBeGreaterThan(0);
      await expectResumeCompletes(lab, { ...env, TMPDIR: tmp });
    }));
});

describe('no false alarm', () => {
  it('a copy of 400k rows never trips a 10 s stall timeout (the 120 s default scaled down with the data)', async () => {
    const lab = await newLab();
    try {
      await withSessions(lab, (a) => loadOrders(a, 400_000));
      await breakLab(lab, 'stopped');
      const r = await runCli(yesArgs(lab, ['--no-verify', '--stall-timeout', '10']), lab.env());
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      // Neither the stop (pipe.ts: "no data moved for …") nor the live warning before it (executor: "no data for … s").
      expect(r.stderr).not.toMatch(/no data moved|no data for \d+ s/);
    } finally {
      await dropLab(lab);
    }
  });
});
