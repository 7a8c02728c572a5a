// Issue 15: a server that freezes (SIGSTOP: a stalled disk, a host swapping to death, a path dropping packets) in
// the middle of a classic copy must not hold GS: the stall guard ends the copy, releases GS, names the server that
// stopped answering, and --resume recovers once it answers again.
import { describe, expect, it } from 'vitest';
import { expectResumeCompletes, faultDuringCopy, replicaSource, takesWrite } from '../helpers/faults.js';
import { eventually } from '../helpers/pair.js';

describe('a frozen server during the copy (--stall-timeout 5)', () => {
  it('BS frozen: GS takes a write within 8 s, the tool stops by itself naming BS, BS does not replicate; --resume recovers after SIGCONT', () =>
    faultDuringCopy(
      async ({ lab, env, run }) => {
        lab.freeze('b');
        const frozenAt = Date.now();
        try {
          // GS is locked until the guard fires: poll with short waits until a write goes through.
          let wrote = false;
          while (!wrote && Date.now() - frozenAt < 8000) wrote = await takesWrite(lab, 'a');
          expect(wrote, 'GS took no write within 8 s of the freeze').toBe(true);
          const r = await run.result;
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/Stopped at step 4: the copy did not complete: no data moved for 5 s: the import on BS 127\.0\.0\.1:\d+ consumed nothing/);
          expect(r.stderr).toMatch(/replication was NOT configured/);
        } finally {
          lab.thaw('b');
        }
        const b = await replicaSource(lab, 'b');
        expect(b.sql).toBe('No');
        await expectResumeCompletes(lab, env);
      },
      ['--stall-timeout', '5'],
    ));

  it('GS frozen: the tool gives up within the bound naming GS; after SIGCONT GS takes writes (no lock left) and --resume recovers', () =>
    faultDuringCopy(
      async ({ lab, env, run }) => {
        lab.freeze('a');
        const frozenAt = Date.now();
        let r;
        try {
          r = await run.result;
          expect(Date.now() - frozenAt, 'the tool gave up within the stall bound').toBeLessThan(5000 + 8000);
        } finally {
          lab.thaw('a');
        }
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/Stopped at step 4: .*GS 127\.0\.0\.1:\d+/);
        // The frozen GS sees the lock session closed as soon as it runs again: no lock is left behind.
        await eventually(() => takesWrite(lab, 'a'), 10_000, 'GS to take a write after SIGCONT');
        await expectResumeCompletes(lab, env);
      },
      ['--stall-timeout', '5'],
    ));
});
