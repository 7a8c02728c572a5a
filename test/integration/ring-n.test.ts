// Issue 27: rings of four and five masters. One lab per ring, broken and recovered round after round: every break mode
// on a different member (the first and the last member too, whose upstream or downstream wraps round), file/position
// and GTID, classic, online and physical, one and two copy streams, with writes on every other member during the break. After
// each recovery every member has every row once, each member's marker reached every other member, and every table
// matches on all members; the rehearsal's plan is the live run's, and a second broken link is refused before anything
// changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { breakLab, type BreakMode } from '../../src/lab/break.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { JournalData } from '../../src/engine/journal.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/pair.js';
import { recoverAndCompare } from '../helpers/plan-check.js';
import { physicalArgs } from '../helpers/physical.js';
import { expectEveryRowOnce, expectRingHealthy, ringArgs, ringCaughtUp, ringYesArgs, withRing, writeOrders } from '../helpers/ring.js';

interface Round {
  mode: BreakMode;
  method: 'classic' | 'online' | 'physical';
  bad: Which;
  parallel?: number;
  /** Rehearse first and compare the dry run's plan with the live one, step by step. */
  rehearse?: boolean;
}

const RINGS: Array<{ masters: number; gtid: boolean; rounds: Round[] }> = [
  {
    masters: 4,
    gtid: false,
    rounds: [
      { mode: 'conflict', method: 'classic', bad: 'b', rehearse: true },
      { mode: 'stopped', method: 'physical', bad: 'd' },
      { mode: 'wiped', method: 'online', bad: 'a', parallel: 2 },
      { mode: 'diverged', method: 'online', bad: 'c' },
    ],
  },
  {
    masters: 5,
    gtid: true,
    rounds: [
      { mode: 'wiped', method: 'online', bad: 'c', rehearse: true },
      { mode: 'conflict', method: 'classic', bad: 'e', parallel: 2 },
      { mode: 'diverged', method: 'classic', bad: 'a' },
      { mode: 'stopped', method: 'physical', bad: 'b' },
    ],
  },
];

/** Rows written on every member but the bad one while it is broken; each must end up on every member once. */
async function writeOnOthers(lab: Lab, bad: Which, tag: string): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  await withRing(lab, async (s) => {
    for (const w of lab.members.filter((m) => m !== bad)) {
      const note = `${tag} on ${w}`;
      written[note] = 3;
      await writeOrders(s[w], 3, note);
    }
  });
  return written;
}

/** Each member's marker arrived on every other member: n × (n − 1) journeys, all made. */
function expectMarkersRoundTheRing(j: JournalData, members: number): void {
  const markers = j.state.verification?.ringMarkers ?? {};
  expect(Object.keys(markers)).toHaveLength(members * (members - 1));
  expect(Object.entries(markers).filter(([, ok]) => !ok)).toEqual([]);
  expect(j.state.verification?.verified).toBe(true);
}

/**
 * diverged stops both GS's link (from its own upstream) and BS's: a second broken link, refused by the preflight with
 * nothing changed; repaired as the refusal says (GS's replication started), the ring settles and BS's writes reach GS.
 */
async function refusedThenRepaired(lab: Lab, round: Round, env: Record<string, string>): Promise<void> {
  const gs = lab.upstream(round.bad);
  const r = await runCli(ringYesArgs(lab, ['--method', round.method], round.bad), env);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(/ring link\s+GS 127\.0\.0\.1:\d+ does not apply what [A-Z] 127\.0\.0\.1:\d+ sends \(IO No, SQL No\): a second broken link/);
  await withRing(lab, async (s) => {
    expect(Number(await s[round.bad].value('SELECT @@GLOBAL.read_only'))).toBe(0);
    expect((await readReplicaStatus(s[gs])).sqlRunning).toBe('No');
    await s[gs].query(s[gs].dialect.startReplica());
    await eventually(async () => (await readReplicaStatus(s[gs])).sqlRunning === 'Yes', 10_000, `${gs} replicating again`);
    // Every link but the one into BS runs again: wait until BS's split-brain writes have reached GS.
    const fromBs = async () => Number(await s[gs].value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'BS during split brain %'"));
    await eventually(async () => (await fromBs()) === 7, 20_000, "BS's split-brain writes on GS");
  });
}

for (const ring of RINGS)
  describe(`a ring of ${ring.masters}, ${ring.gtid ? 'MariaDB GTID' : 'file/position'}`, () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await newLab({ masters: ring.masters, gtid: ring.gtid });
    });
    afterAll(async () => {
      await dropLab(lab);
    });

    ring.rounds.forEach((round, i) => {
      const what = `${round.mode} at ${round.bad}, ${round.method}${round.parallel ? `, --parallel ${round.parallel}` : ''}`;
      it(`${what}: every row on every member once, markers round the ring, tables equal${round.rehearse ? ', the rehearsal shows what runs' : ''}${round.mode === 'diverged' ? ', a second broken link refused first' : ''}`, async () => {
        const extra = [
          ...(round.method === 'physical' ? physicalArgs(lab, round.bad) : ['--method', round.method]),
          ...(round.parallel ? ['--parallel', String(round.parallel)] : []),
        ];
        const tag = `round ${i + 1} of ring ${ring.masters}`;
        let written: Record<string, number> = {};
        let journal: JournalData;
        if (round.rehearse) {
          ({ journal } = await recoverAndCompare(lab, round.mode, extra, {
            bad: round.bad,
            afterBreak: async () => void (written = await writeOnOthers(lab, round.bad, tag)),
            dryArgs: (l, x) => ringArgs(l, x, round.bad),
            liveArgs: (l, x) => ringYesArgs(l, x, round.bad),
            healthy: expectRingHealthy,
          }));
        } else {
          await breakLab(lab, round.mode, { bad: round.bad });
          written = await writeOnOthers(lab, round.bad, tag);
          const state = mkdtempSync(join(tmpdir(), 'mmrecover-ring-'));
          const env = { ...lab.env(), XDG_STATE_HOME: state };
          if (round.mode === 'diverged') await refusedThenRepaired(lab, round, env);
          const path = join(state, 'journal.json');
          const r = await runCli(ringYesArgs(lab, ['--journal', path, ...extra], round.bad), env);
          expect(r.code, r.stderr.slice(-3000)).toBe(0);
          expect(r.stderr).toMatch(/VERIFIED/);
          journal = JSON.parse(readFileSync(path, 'utf8')) as JournalData;
          await expectRingHealthy(lab);
        }
        expectMarkersRoundTheRing(journal, ring.masters);
        await expectEveryRowOnce(lab, written);
        await withRing(lab, (s) => ringCaughtUp(lab, s));
      });
    });
  });
