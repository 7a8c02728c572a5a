// Issue 27: one procedure for any topology. procedureFor(settings) answers what the runner used to ask itself: which
// steps, which servers are connected, named, locked and fingerprinted, which preflight checks, what a stop leaves.
import { describe, expect, it } from 'vitest';
import { procedureFor } from '../../src/recovery/procedure-for.js';
import { STEPS } from '../../src/recovery/procedure.js';
import { RING_STEPS } from '../../src/recovery/ring/procedure.js';
import { runPreflight } from '../../src/recovery/preflight.js';
import { ringChecks } from '../../src/recovery/ring/preflight.js';
import { donorChecks } from '../../src/recovery/donor.js';
import { copyData } from '../../src/recovery/steps/s04-copy.js';
import { offlineContext } from '../helpers/offline.js';

const labels = (ms: Array<{ label: string }>) => ms.map((m) => m.label);

describe('procedureFor', () => {
  it('a pair: the eleven steps, GS and BS, the pair’s preflight, BS’s coordinates in the summary', () => {
    const ctx = offlineContext('10.11.6-MariaDB', { bsCoords: { file: 'b.000001', position: 4 } });
    const p = procedureFor(ctx.settings);
    expect(p.steps).toBe(STEPS);
    expect([labels(p.topology), labels(p.shown), labels(p.locked), labels(p.journaled)]).toEqual([
      ['GS', 'BS'],
      ['GS', 'BS'],
      ['GS', 'BS'],
      ['GS', 'BS'],
    ]);
    expect(p.preflight).toEqual([runPreflight]);
    expect(Object.keys(p.states(ctx, 10))).toEqual(['GS', 'BS']);
    expect(p.replicationFromBs(ctx)).toEqual({ bsCoords: { file: 'b.000001', position: 4 } });
    expect(p.copyReadFrom(ctx)).toEqual({});
    expect(p.atStop(ctx, { stoppedIn: copyData, declined: false })).toBeUndefined();
  });

  it('a ring of four: the ring’s steps, every member connected, D locked too, each member’s state at a stop', () => {
    const ctx = offlineContext('10.11.6-MariaDB', {}, { ring: 'db1,db2,db3,db4', bad: 'db2' });
    const p = procedureFor(ctx.settings);
    expect(p.steps).toBe(RING_STEPS);
    expect(labels(p.topology)).toEqual(['GS', 'BS', 'D', 'E']);
    expect(labels(p.shown)).toEqual(['GS', 'BS', 'D', 'E']);
    expect(labels(p.locked)).toEqual(['GS', 'BS', 'D']);
    expect(p.preflight).toEqual([runPreflight, ringChecks]);
    const at10 = p.states(ctx, 10);
    expect(Object.keys(at10)).toEqual(['GS', 'BS', 'D', 'E']);
    // The ring's own step 9: GS is never said to replicate from BS.
    expect(at10.GS).not.toMatch(/from BS/);
    expect(at10.E).toBe('db4:3306: not changed by the run (apart from the proof’s marker row); replicating from D as before');
    expect(p.replicationFromBs(ctx)).toEqual({ bsCoords: undefined, ring: { downstream: 'db3:3306' } });
  });

  it('--donor: R named, fingerprinted and checked; a stop during the copy leaves a frozen donor for --resume', () => {
    const ctx = offlineContext('10.11.6-MariaDB', {}, { donor: 'db3:3306' });
    const p = procedureFor(ctx.settings);
    expect(labels(p.shown)).toEqual(['GS', 'BS', 'R']);
    expect(labels(p.journaled)).toEqual(['GS', 'BS', 'R']);
    expect(p.preflight).toEqual([runPreflight, donorChecks]);
    expect(p.copyReadFrom(ctx)).toEqual({ donor: { address: 'db3:3306', lockSpared: true } });
    ctx.donor = { dialect: ctx.dialect.GS, read: async () => [] };
    ctx.state.donor = { frozen: true, at: { file: 'g.000001', position: 4 }, copy: { parts: [], done: [] } };
    expect(p.atStop(ctx, { stoppedIn: copyData, declined: false })).toMatchObject({ keep: expect.stringContaining('--resume') });
    // A No starts it again.
    expect(p.atStop(ctx, { stoppedIn: copyData, declined: true })).toMatchObject({ release: { kind: 'sql', role: 'R' } });
  });
});

describe('--donor in a ring', () => {
  it('is refused by the preflight (one line, a flag lifts it), and R is not named among the ring’s members', async () => {
    const ctx = offlineContext('10.11.6-MariaDB', {}, { ring: 'db1,db2,db3', bad: 'db2', donor: 'db4:3306' });
    const p = procedureFor(ctx.settings);
    expect(labels(p.shown)).toEqual(['GS', 'BS', 'D']);
    expect(p.preflight).toEqual([runPreflight, ringChecks, donorChecks]);
    expect(await donorChecks(ctx)).toEqual([
      { verdict: 'stop', check: 'donor', detail: '--donor is not yet proven for a ring; leave it out with --ring', refusal: true },
    ]);
  });
});
