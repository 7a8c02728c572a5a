// Issue 20: a ring's settings (--ring in replication order, --bad a member, its upstream as GS), the statements only a
// ring needs (IGNORE_SERVER_IDS, START … UNTIL with both threads), the ring steps replacing only 2, 6, 9 and 10, and
// the Nagios line for a ring.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { ringOthers } from '../../src/config/settings.js';
import { UsageError } from '../../src/base/errors.js';
import { dialectFor } from '../../src/dialect/dialect.js';
import { parseVersion } from '../../src/dialect/version.js';
import { STEPS } from '../../src/recovery/procedure.js';
import { RING_STEPS, stepsFor } from '../../src/recovery/ring/procedure.js';
import { evaluateRing } from '../../src/inspect/nagios.js';
import type { RingStatus } from '../../src/inspect/ring-status.js';
import type { DirectionFacts } from '../../src/inspect/pair-status.js';
import { ringCatchUpD } from '../../src/recovery/ring/steps.js';
import { renderAction } from '../../src/recovery/actions.js';
import type { RecoveryContext } from '../../src/recovery/context.js';
import { offlineContext } from '../helpers/offline.js';

const cwd = mkdtempSync(join(tmpdir(), 'mmrecover-ring-'));
const load = (flags: Record<string, unknown>) => loadSettings({ flags, env: {}, cwd });
const usage = (flags: Record<string, unknown>): string => {
  try {
    load(flags);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('--ring settings', () => {
  it('the bad member’s upstream becomes GS, its downstream D', () => {
    const s = load({ ring: 'db1,db2:3307,db3', bad: 'db2:3307' });
    expect(s.good).toEqual({ host: 'db1', port: 3306 });
    expect(s.bad).toEqual({ host: 'db2', port: 3307 });
    expect(s.ring).toEqual({
      members: [
        { host: 'db1', port: 3306 },
        { host: 'db2', port: 3307 },
        { host: 'db3', port: 3306 },
      ],
      bad: 1,
      upstream: 0,
      downstream: 2,
    });
    // A ring of five: the members after D (db4, db5) are labelled E and F, up to GS (db1).
    const five = load({ ring: 'db1,db2,db3,db4,db5', bad: 'db2' });
    expect(five.ring).toMatchObject({ bad: 1, upstream: 0, downstream: 2 });
    expect(ringOthers(five.ring!)).toEqual([
      { label: 'E', index: 3 },
      { label: 'F', index: 4 },
    ]);
    expect(ringOthers(load({ ring: 'db1,db2,db3,db4', bad: 'db1' }).ring!)).toEqual([{ label: 'E', index: 2 }]);
    expect(ringOthers(s.ring!)).toEqual([]);
    // The first member's upstream is the last.
    expect(load({ ring: 'db1,db2,db3', bad: 'db1' })).toMatchObject({ good: { host: 'db3' }, ring: { upstream: 2, downstream: 1 } });
  });

  it('refuses what it cannot recover, in one line', () => {
    expect(usage({ ring: 'db1,db2', bad: 'db2' })).toMatch(/--ring needs at least 3 members .* for a pair use --good and --bad/);
    const many = Array.from({ length: 24 }, (_, i) => `db${i + 1}`).join(',');
    expect(usage({ ring: many, bad: 'db2' })).toMatch(/^--ring: at most 23 members \(got 24\)$/);
    expect(usage({ ring: 'db1,db2,db3', bad: 'db9' })).toMatch(/--bad db9:3306 is not a member of --ring db1,db2,db3/);
    expect(usage({ ring: 'db1,db2,db3' })).toMatch(/--bad is required with --ring/);
    expect(usage({ ring: 'db1,db2,db1', bad: 'db2' })).toMatch(/--ring names db1:3306 twice/);
    expect(usage({ ring: 'db1,,db3', bad: 'db3' })).toMatch(/--ring: member 2 is empty/);
    expect(usage({ ring: 'db1,db2,db3', bad: 'db2', method: 'clone' })).toMatch(/--ring works with --method classic, online or physical, not clone/);
    expect(load({ ring: 'db1,db2,db3', bad: 'db2', method: 'physical' }).method).toBe('physical');
    expect(usage({ ring: 'db1,db2,db3', bad: 'db2', good: 'db3' })).toMatch(/--good db3:3306 is not the upstream of --bad in --ring \(db1:3306 is\)/);
    // A ring copies with --parallel like a pair (its steps need only the copy's coordinates).
    expect(load({ ring: 'db1,db2,db3', bad: 'db2', parallel: 2 }).parallel).toBe(2);
    // --good equal to the upstream is accepted (a resume line repeats it).
    expect(load({ ring: 'db1,db2,db3', bad: 'db2', good: 'db1' }).good).toEqual({ host: 'db1', port: 3306 });
  });
});

describe('statements only a ring needs', () => {
  const d = dialectFor(parseVersion('10.11.6-MariaDB'));
  it('IGNORE_SERVER_IDS while D bypasses BS, and an empty list when D is pointed at BS', () => {
    const base = { host: 'db1', port: 3306, user: 'repl', password: 'pw', file: 'mysql-bin.000003', position: 4 };
    expect(d.changeSource({ ...base, ignoreServerIds: [2] }).shown).toMatch(/MASTER_USE_GTID=no, IGNORE_SERVER_IDS=\(2\)$/);
    expect(d.changeSource({ ...base, ignoreServerIds: [] }).shown).toMatch(/IGNORE_SERVER_IDS=\(\)$/);
    expect(d.changeSource(base).shown).not.toMatch(/IGNORE_SERVER_IDS/);
    expect(() => d.changeSource({ ...base, ignoreServerIds: [-1] })).toThrow(/bad server ids/);
  });
  it('START … UNTIL starts both threads (the SQL thread stops at the position)', () => {
    expect(d.startReplicaUntil('mysql-bin.000003', 1234).sql).toBe("START REPLICA UNTIL MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234");
    expect(dialectFor(parseVersion('10.4.30-MariaDB')).startReplicaUntil('b.000001', 4).sql).toBe(
      "START SLAVE UNTIL MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4",
    );
  });
});

describe('the ring’s procedure', () => {
  it('is the pair’s eleven steps with 2, 6, 9 and 10 in their ring form; a pair keeps its own', () => {
    expect(stepsFor(false)).toBe(STEPS);
    expect(RING_STEPS.map((s) => s.id)).toEqual(STEPS.map((s) => s.id));
    const differ = RING_STEPS.filter((s, i) => s !== STEPS[i]).map((s) => s.id);
    expect(differ).toEqual([2, 6, 9, 10]);
    // Questions that cover later steps and resume points are the pair's.
    for (const [i, s] of RING_STEPS.entries())
      expect({ covers: s.covers, restartAt: s.restartAt }).toEqual({ covers: STEPS[i].covers, restartAt: STEPS[i].restartAt });
  });
});

describe('check --ring', () => {
  const link = (source: string, replica: string, over: Partial<DirectionFacts<string>> = {}): DirectionFacts<string> => ({
    name: `${source}→${replica}`,
    source,
    replica,
    verdict: 'healthy',
    reason: `${replica} applies ${source}'s changes`,
    io: 'Yes',
    sql: 'Yes',
    lagSeconds: 0,
    lagFrom: 'seconds_behind',
    ...over,
  });
  const ring = (links: Array<DirectionFacts<string>>, broken: string[] = []): RingStatus => ({
    checkedAt: '2026-01-01T00:00:00Z',
    members: ['A', 'B', 'C'].map((side, i) => ({ side, address: `db${i + 1}:3306`, reachable: true, serverId: i + 1 })),
    links,
    brokenMembers: broken,
    orderProblems: [],
    notes: [],
  });
  const t = { warning: 60, critical: 300 };
  it('OK with perfdata for every link', () => {
    const r = evaluateRing(ring([link('C', 'A'), link('A', 'B'), link('B', 'C')]), t);
    expect(r.state).toBe('OK');
    expect(r.line).toBe(
      'MMRECOVER OK - every link of the ring replicating: C->A lag 0s, A->B lag 0s, B->C lag 0s | c_a_lag=0s;60;300;0; c_a_io_running=1;;;0;1 c_a_sql_running=1;;;0;1 a_b_lag=0s;60;300;0; a_b_io_running=1;;;0;1 a_b_sql_running=1;;;0;1 b_c_lag=0s;60;300;0; b_c_io_running=1;;;0;1 b_c_sql_running=1;;;0;1',
    );
  });
  it('CRITICAL naming the broken link and member first', () => {
    const r = evaluateRing(
      ring(
        [link('C', 'A'), link('A', 'B', { verdict: 'broken', reason: "B's SQL thread stopped on error 1062", sql: 'No', lagSeconds: null }), link('B', 'C')],
        ['B'],
      ),
      t,
    );
    expect(r).toMatchObject({ state: 'CRITICAL', exitCode: 2 });
    expect(r.line).toMatch(/^MMRECOVER CRITICAL - member B broke: A->B broken: B's SQL thread stopped on error 1062; C->A lag 0s/);
    expect(r.line).toContain('a_b_lag=U;60;300;0; a_b_io_running=1;;;0;1 a_b_sql_running=0;;;0;1');
  });
});

describe('step 9 of a ring, planned again on --resume', () => {
  const ringCtx = (state: Partial<RecoveryContext['state']>, version = '10.11.6-MariaDB') => {
    const ctx = offlineContext(version, { positioning: 'file', ...state }, { ring: 'db1,db2,db3', bad: 'db2' });
    const d = dialectFor(parseVersion(version));
    ctx.dialect.D = d;
    return ctx;
  };
  const lines = async (ctx: RecoveryContext) => (await ringCatchUpD.plan(ctx)).actions.flatMap((a) => renderAction(a)).map((l) => `${l.role}> ${l.text}`);
  const coords = {
    gsCoords: { file: 'mysql-bin.000002', position: 900 },
    ring: { bsFromU: { file: 'mysql-bin.000002', position: 400 }, bsAfterImport: { file: 'mysql-bin.000005', position: 77 } },
  };

  it('catches D up from where BS stopped, up to the copy’s coordinates, then points it at BS after the import', async () => {
    const l = await lines(ringCtx(coords));
    expect(l[0]).toBe('D> STOP REPLICA');
    expect(l[1]).toMatch(
      /^D> CHANGE MASTER TO MASTER_HOST='db1', .*MASTER_LOG_FILE='mysql-bin\.000002', MASTER_LOG_POS=400, .*IGNORE_SERVER_IDS=\(<BS server_id>\)$/,
    );
    expect(l[2]).toBe("D> START REPLICA UNTIL MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=900");
    expect(l.at(-1)).toMatch(/^D> CHANGE MASTER TO MASTER_HOST='db2', .*MASTER_LOG_FILE='mysql-bin\.000005', MASTER_LOG_POS=77, .*IGNORE_SERVER_IDS=\(\)$/);
  });

  it('a D that reached the copy’s coordinates in the stopped run is only pointed at BS (never caught up twice)', async () => {
    const l = await lines(ringCtx({ ...coords, ring: { ...coords.ring, dCaughtUp: true } }));
    expect(l).toEqual([
      'D> STOP REPLICA',
      expect.stringMatching(/^D> CHANGE MASTER TO MASTER_HOST='db2', .*MASTER_LOG_FILE='mysql-bin\.000005', MASTER_LOG_POS=77, .*IGNORE_SERVER_IDS=\(\)$/),
    ]);
  });

  it('MySQL GTID: no IGNORE_SERVER_IDS (GTID filters what D applied; deprecated there, WL#10963)', async () => {
    const l = await lines(ringCtx({ ...coords, positioning: 'gtid' }, '8.4.3'));
    expect(l.filter((x) => x.includes('CHANGE REPLICATION SOURCE TO'))).toHaveLength(2);
    for (const x of l) expect(x).not.toMatch(/IGNORE_SERVER_IDS/);
  });
});
