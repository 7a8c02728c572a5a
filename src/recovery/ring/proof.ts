// The ring's proof after step 10: a marker row written on every member arrives on every other member (so each link
// carries data and nothing is stuck), then every member has executed its upstream's binary log and a chunked checksum of
// every user table matches on all members. Every statement it sends is an action of step 10's plan; waits only read.
import { randomUUID } from 'node:crypto';
import { stmt } from '../../dialect/statement.js';
import type { Action, ProbeIo, SqlAction, WaitAction } from '../actions.js';
import type { RecoveryContext } from '../context.js';
import { compareTables, type Query } from '../compare.js';
import { aroundOwnWrites } from '../fence.js';
import { MARKER_SCHEMA, markerSetup, markerWrite, reached } from '../proof.js';
import { backoffTo, pollUntil } from '../../base/poll.js';
import { sleep } from '../replica-wait.js';
import type { RecoveryState, Verification } from '../state.js';
import { memberBinlogEnd, dialectOf, executedOf, identityOf, memberReplicaStatus } from './members.js';
import { isRing, ringOrder, sourceOf, type RingMember } from '../ring-topology.js';

const verification = (state: RecoveryState): Verification => (state.verification ??= { caughtUp: false, tablesCompared: 0, mismatched: [], verified: false });

function waitForMarker(ctx: RecoveryContext, from: RingMember, to: RingMember, serverId: number | string, token: string): WaitAction {
  const poll = stmt(`SELECT token FROM ${MARKER_SCHEMA}.proof WHERE server_id = ${serverId}`);
  const key = `${from}→${to}`;
  return {
    kind: 'wait',
    role: to,
    condition: `the marker row written on ${from} has arrived on ${to}`,
    polls: poll,
    async probe(io) {
      const v = verification(io.state);
      (v.ringMarkers ??= {})[key] = false;
      await pollUntil(
        async () => {
          const rows = await io.read(to, poll).catch(() => []);
          return rows[0]?.token === token ? (v.ringMarkers![key] = true) : undefined;
        },
        { ...backoffTo(100), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
      );
    },
  };
}

/** Every member has executed its source's binary log as it was when we looked. */
async function allCaughtUp(ctx: RecoveryContext, io: ProbeIo): Promise<boolean> {
  for (const m of ringOrder(ctx.members)) {
    const target = await memberBinlogEnd(ctx, io.read, sourceOf(ctx.members, m));
    const caught = await pollUntil(async () => (reached(executedOf(await memberReplicaStatus(ctx, io.read, m)), target) ? true : undefined), {
      ...backoffTo(200),
      timeoutMs: ctx.settings.replicaTimeout * 1000,
      signal: io.signal,
    });
    if (!caught) return false;
  }
  return true;
}

const q =
  (io: ProbeIo, m: RingMember): Query =>
  (s) =>
    io.read(m, s);

function compareRound(ctx: RecoveryContext): WaitAction {
  const others = ringOrder(ctx.members).filter((m) => m !== 'GS');
  return {
    kind: 'wait',
    role: 'GS',
    condition: `every member has executed its upstream’s binary log, then every user table on GS, ${others.slice(0, -1).join(', ')} and ${others.at(-1)} compared chunk by chunk by primary key; they must match (up to 3 tries)`,
    async probe(io) {
      const v = verification(io.state);
      for (let attempt = 1; attempt <= 3 && !io.signal.aborted; attempt++) {
        const caught = await allCaughtUp(ctx, io);
        if (!ctx.settings.marker) v.caughtUp = caught;
        let compared = 0;
        const mismatched: string[] = [];
        for (const m of others) {
          const r = await compareTables(q(io, 'GS'), q(io, m));
          compared = Math.max(compared, r.compared);
          mismatched.push(...r.mismatched.map((t) => `${t} (GS≠${m})`));
        }
        v.tablesCompared = compared;
        v.mismatched = mismatched;
        if (v.mismatched.length === 0) return;
        await sleep(1000, io.signal);
      }
    },
  };
}

/** Step 10's proof in a ring, as actions; the verdict is in state.verification once they ran. */
export async function ringProofActions(ctx: RecoveryContext): Promise<Action[]> {
  if (!ctx.settings.verify || !isRing(ctx.members)) return [];
  const actions: Action[] = [];
  if (ctx.settings.marker) {
    const order = ringOrder(ctx.members);
    const idOf = (m: RingMember) => identityOf(ctx, m)?.serverId ?? '@@server_id';
    actions.push(...markerSetup().map((statement): SqlAction => ({ kind: 'sql', role: 'GS', statement, note: 'proof: marker rows (round the ring)' })));
    for (const from of order) {
      const token = randomUUID();
      const write: SqlAction = {
        kind: 'sql',
        role: from,
        statement: markerWrite(idOf(from), token, dialectOf(ctx, from).literal),
        note: 'must arrive on every other member',
      };
      if (from === 'BS') {
        // BS is still fenced; MySQL's super_read_only stops even our account, so it is lifted around the write.
        const { lift, restore } = await aroundOwnWrites(ctx, 'the marker write');
        actions.push(...lift, write, ...restore);
      } else actions.push(write);
      for (const to of order) if (to !== from) actions.push(waitForMarker(ctx, from, to, idOf(from), token));
    }
  }
  actions.push(compareRound(ctx));
  return actions;
}

/** The ring proof's verdict from what its actions measured; undefined when it did not run (a dry run). */
export function ringVerdict(state: RecoveryState, members: number): Verification | undefined {
  const v = state.verification;
  if (!v) return undefined;
  // Every member's marker on every other member: a journey never started (a wait not reached) counts as not made.
  if (v.ringMarkers) v.caughtUp = Object.values(v.ringMarkers).every(Boolean) && Object.keys(v.ringMarkers).length === members * (members - 1);
  v.verified = v.caughtUp && v.mismatched.length === 0;
  return v;
}
