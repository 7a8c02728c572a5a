// Issue 20: rings of three masters (a → b → c → a). One link broken (b stopped applying what a sends); b is rebuilt
// from its upstream a, and its downstream c, which received nothing while b was broken, is caught up from a directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { runCli } from '../helpers/cli.js';
import { privateState } from '../helpers/pair.js';
import { countNote, expectEveryRowOnce, expectRingHealthy, ringYesArgs, withRing, writeOrders } from '../helpers/ring.js';
import type { Lab } from '../../src/lab/lab.js';
import { recoverAndCompare } from '../helpers/plan-check.js';
import { ringArgs } from '../helpers/ring.js';

/** Break b (conflict), then write on a and on c meanwhile; returns the notes written and how many of each. */
async function breakWithWrites(lab: Lab): Promise<Record<string, number>> {
  await breakLab(lab, 'conflict');
  const written = { 'a during break': 7, 'c during break': 5 };
  await withRing(lab, async (s) => {
    await writeOrders(s.a, written['a during break'], 'a during break');
    await writeOrders(s.c, written['c during break'], 'c during break');
    // The break is what the test says: b stopped on a duplicate key, c has none of a's new rows.
    expect((await readReplicaStatus(s.b)).lastSqlErrno).toBe(1062);
    expect(await countNote(s.c, 'a during break')).toBe(0);
  });
  return written;
}

// Rings of four and five, every break mode and method: ring-n.test.ts. Here the ring of three, one lab per positioning.
for (const [gtid, method] of [
  [false, 'classic'],
  [true, 'online'],
] as const)
  describe(`ring of three, ${gtid ? 'MariaDB GTID' : 'file/position'}`, () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await newLab({ masters: 3, gtid });
    });
    afterAll(async () => {
      await dropLab(lab);
    });

    it(`${method}, one broken link: every acknowledged row on every member once, c gets what a wrote meanwhile, no event circles`, async () => {
      const written = await breakWithWrites(lab);
      const r = await runCli(ringYesArgs(lab, ['--method', method]), { ...lab.env(), ...privateState() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/VERIFIED/);
      // The ring's own actions ran: D (c) caught up from U (a) with b's events ignored, then pointed at b.
      expect(r.stderr).toMatch(/D> CHANGE MASTER TO MASTER_HOST='127\.0\.0\.1', MASTER_PORT=\d+.*IGNORE_SERVER_IDS=\(2\)/);
      expect(r.stderr).toMatch(/D> START (SLAVE|REPLICA) UNTIL MASTER_LOG_FILE=/);
      expect(r.stderr).toMatch(/D> CHANGE MASTER TO .*IGNORE_SERVER_IDS=\(\)/);
      await expectEveryRowOnce(lab, written);
      await expectRingHealthy(lab);
    });

    if (!gtid)
      it("the dry run shows every statement the live run executes, D's catch-up included (classic)", async () => {
        await recoverAndCompare(lab, 'conflict', [], {
          dryArgs: (l, extra) => ringArgs(l, extra),
          liveArgs: (l, extra) => ringYesArgs(l, extra),
          healthy: expectRingHealthy,
        });
      });
  });
