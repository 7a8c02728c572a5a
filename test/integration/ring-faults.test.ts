// Issue 20: interruptions in a ring recovery leave U (GS) writable, and --resume completes: Ctrl-C at each question,
// and the dump killed mid-copy.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import { runCli, startCli, startPty } from '../helpers/cli.js';
import { dropLab, newLab, useLab } from '../helpers/lab.js';
import { childPids, expectSafeAfterFailedCopy, PACE_COPY, readJournal, replicaSource, takesWrite, waitForText } from '../helpers/faults.js';
import { countNote, expectRingHealthy, ringArgs, ringCaughtUp, ringYesArgs, withRing, writeOrders } from '../helpers/ring.js';

const newState = () => ({ XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) });

describe('ring of four: Ctrl-C at each question', () => {
  // Four members: the stop also says what E, the member after D that no step changes, is left in.
  const shared = useLab({ masters: 4 });
  for (const [n, match] of [
    [0, 'Fence BS'],
    [1, 'Stop replication on BS, and stop D'],
    [2, 'Lock GS'],
    [3, 'CHANGE MASTER TO on BS'],
    [4, 'START REPLICA on BS'],
    [5, 'catch D up from GS, point it at BS'],
    [6, 'START REPLICA on D and GS'],
    [7, 'undo step 1 on BS'],
  ] as const) {
    it(`at question ${n + 1} (${match}): exit 130, GS writable, ${n > 0 ? '--resume' : 'a new run'} completes`, async () => {
      const lab = shared.get();
      const env = { ...lab.env(), ...newState() };
      await withRing(lab, (s) => ringCaughtUp(lab, s));
      await breakLab(lab, 'conflict');
      const pty = startPty(ringArgs(lab), env);
      await pty.waitFor(/\(y\/N\)/, 90_000, await pty.answerYes(n, 90_000));
      pty.type('\x03');
      expect(await pty.exit).toBe(130);
      expect(pty.screen()).toMatch(/Stopped at step \d+: interrupted/);
      // The stop says what D (c) and E (d) are left in, beside GS and BS.
      expect(pty.screen()).toMatch(/\n\s+D:\s+\S/);
      expect(pty.screen()).toMatch(/\n\s+E:\s+127\.0\.0\.1:\d+: not changed by the run.*; replicating from D as before/);
      // GS (U) replicates from its own upstream in a ring, never from BS: the stop says so at every step (issue 27).
      const gsLine = pty.screen().match(/\n\s+GS: ([^\n]*)/)?.[1] ?? '';
      expect(gsLine).not.toMatch(/from BS/);
      if (n >= 3) expect(gsLine).toMatch(/replication from its upstream stopped/);
      if (n === 6) expect(gsLine).toMatch(/its upstream again if step 10 started it/);
      if (n === 7) expect(gsLine).toMatch(/replicating from its upstream again/);
      expect(await takesWrite(lab, 'a')).toBe(true);
      const r = await runCli(ringYesArgs(lab, n > 0 ? ['--resume'] : []), env);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(r.stderr).toMatch(/VERIFIED/);
      await expectRingHealthy(lab);
    });
  }
});

describe('ring of four: Ctrl-C during the proof (step 10)', () => {
  it("each member's real state is said (E: only the proof's marker row), and --resume completes", async () => {
    const lab = await newLab({ masters: 4 });
    const env = { ...lab.env(), ...newState() };
    try {
      await breakLab(lab, 'conflict');
      const pty = startPty(ringArgs(lab), env);
      let at = await pty.answerYes(6, 90_000);
      // The seventh question is step 10's: start D and GS, and prove the ring.
      at = await pty.waitFor(/Start replication on D [^\n]*\(y\/N\)/, 90_000, at);
      // E (d) stops applying what D sends: the proof waits for GS's marker to reach E, and is interrupted there.
      await withRing(lab, (s) => s.d.query('STOP SLAVE SQL_THREAD'));
      pty.type('y\r');
      await pty.waitFor(/waiting until the marker row written on GS has arrived on E/, 60_000, at);
      await new Promise((r) => setTimeout(r, 500));
      pty.type('\x03');
      expect(await pty.exit).toBe(130);
      const screen = pty.screen();
      expect(screen).toMatch(/Stopped at step 10: interrupted/);
      expect(screen.match(/\n\s+GS: ([^\n]*)/)?.[1]).toMatch(/its upstream again if step 10 started it/);
      expect(screen).toMatch(/\n\s+D:\s+pointed at BS after the import; started only if step 10 got that far/);
      expect(screen).toMatch(/\n\s+E:\s+127\.0\.0\.1:\d+: not changed by the run \(apart from the proof’s marker row\)/);
      expect(await takesWrite(lab, 'a')).toBe(true);
      await withRing(lab, (s) => s.d.query('START SLAVE SQL_THREAD'));
      const r = await runCli(ringYesArgs(lab, ['--resume']), env);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(r.stderr).toMatch(/Resuming from step 10/);
      expect(r.stderr).toMatch(/VERIFIED/);
      await expectRingHealthy(lab);
    } finally {
      await dropLab(lab);
    }
  });
});

describe('ring: the dump killed mid-copy', () => {
  for (const [gtid, method] of [
    [false, 'classic'],
    [true, 'online'],
  ] as const)
    it(`${gtid ? 'MariaDB GTID' : 'file/position'}, ${method}: GS unlocked, exit 1, no replication configured on BS; --resume completes`, async () => {
      const lab = await newLab({ masters: 3, gtid });
      const env = { ...lab.env(), ...newState() };
      const tmp = mkdtempSync(join(tmpdir(), 'mmrecover-tmp-'));
      try {
        await withRing(lab, async (s) => {
          await loadOrders(s.a, 40_000);
          await ringCaughtUp(lab, s);
        });
        await breakLab(lab, 'conflict');
        const before = await replicaSource(lab, 'b');
        const run = startCli(ringYesArgs(lab, ['--method', method, ...PACE_COPY]), { ...env, TMPDIR: tmp });
        await waitForText(run.output, /Copying GS → BS/);
        await new Promise((r) => setTimeout(r, 300));
        const dumps = childPids(run.child.pid!, 'mariadb-dump');
        expect(dumps.length).toBe(1);
        process.kill(dumps[0], 'SIGKILL');
        const r = await run.result;
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/Stopped at step 4: the copy did not complete/);
        expect(await takesWrite(lab, 'a')).toBe(true);
        await expectSafeAfterFailedCopy(lab, before);
        expect(readJournal(env.XDG_STATE_HOME).data.steps.find((s) => s.id === 4)?.status).toBe('failed');
        const resumed = await runCli(ringYesArgs(lab, ['--resume', '--method', method]), env);
        expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
        expect(resumed.stderr).toMatch(/Resuming from step 3/);
        expect(resumed.stderr).toMatch(/VERIFIED/);
        await expectRingHealthy(lab);
      } finally {
        await dropLab(lab);
      }
    });
});

describe("ring: interrupted during D's catch-up (step 9)", () => {
  for (const gtid of [false, true])
    it(`${gtid ? 'MariaDB GTID' : 'file/position'}: Ctrl-C while D waits for GS (frozen), GS writable once thawed, --resume catches D up once`, async () => {
      const lab = await newLab({ masters: 3, gtid });
      const env = { ...lab.env(), ...newState() };
      try {
        await breakLab(lab, 'conflict');
        await withRing(lab, (s) => writeOrders(s.a, 7, 'a during break'));
        const pty = startPty(ringArgs(lab), env);
        let at = await pty.answerYes(5, 90_000);
        at = await pty.waitFor(/Catch D [^\n]*\(y\/N\)/, 90_000, at);
        // GS stops answering: D's catch-up cannot reach the copy's coordinates, and the run waits on it.
        lab.freeze('a');
        pty.type('y\r');
        await pty.waitFor(/D: waiting until D has applied GS's binary log up to/, 60_000, at);
        await new Promise((r) => setTimeout(r, 1000));
        pty.type('\x03');
        expect(await pty.exit).toBe(130);
        expect(pty.screen()).toMatch(/Stopped at step 9: interrupted/);
        lab.thaw('a');
        expect(await takesWrite(lab, 'a')).toBe(true);
        const r = await runCli(ringYesArgs(lab, ['--resume']), env);
        expect(r.code, r.stderr.slice(-3000)).toBe(0);
        expect(r.stderr).toMatch(/Resuming from step 9/);
        expect(r.stderr).toMatch(/VERIFIED/);
        await withRing(lab, async (s) => {
          for (const w of lab.members) expect({ on: w, n: await countNote(s[w], 'a during break') }).toEqual({ on: w, n: 7 });
        });
        await expectRingHealthy(lab);
      } finally {
        lab.thaw('a');
        await dropLab(lab);
      }
    });
});
