// --donor (issue 28): a replica of GS that the copy reads instead of GS. Step 3 waits until the donor has applied GS's
// binary log up to GS's position then (BS is fenced and GS no longer replicates from it, so nothing of BS's is missing
// past that point), stops the donor's SQL thread and records where it stopped: Relay_Master_Log_File /
// Exec_Master_Log_Pos of SHOW SLAVE STATUS are GS's coordinates of the donor's data ("the coordinates in the source's
// binary log of the last event the replica executed", https://mariadb.com/kb/en/show-replica-status/), and on a MariaDB
// GTID pair its gtid_slave_pos. The frozen donor is a snapshot that does not move: the dump reads it with
// --single-transaction and no lock, GS is neither locked nor read. The donor's SQL thread is started again after the copy.
import { parseReplicaStatus, type Coordinates, type ReplicaStatus } from '../adapters/mysql/replication.js';
import type { Row } from '../adapters/mysql/session.js';
import { StepFailed } from '../base/errors.js';
import { backoffTo, pollUntil } from '../base/poll.js';
import { stmt, type Statement } from '../dialect/statement.js';
import type { Action, SqlAction, WaitAction } from './actions.js';
import { reachable, type RecoveryContext } from './context.js';
import { coordinatesFrom } from './coordinates.js';
import { copyMethod } from './copy-method.js';
import { donorCopyText } from './donor-text.js';
import { isRing } from './ring-topology.js';
import type { Check } from './events.js';
import { mariadbGtid, usesGtidPositioning } from './positioning.js';
import { donorMovedText, point, resumeText, sameDonorPoint, type DonorCopyRecord } from './donor-resume.js';

const FILTERS = [
  'Replicate_Do_DB',
  'Replicate_Ignore_DB',
  'Replicate_Do_Table',
  'Replicate_Ignore_Table',
  'Replicate_Wild_Do_Table',
  'Replicate_Wild_Ignore_Table',
];

/** "R 10.0.0.3:3306" for messages. */
export function donorName(ctx: Pick<RecoveryContext, 'members'>): string {
  return ctx.members.R?.name ?? 'R';
}

/**
 * The record of an interrupted copy from the donor that this --resume continues: the donor was left frozen where the
 * copy read it (the preflight refused the run had it moved), so the units recorded complete hold that point's data.
 */
export function resumingDonorCopy(ctx: Pick<RecoveryContext, 'settings' | 'state' | 'donor'>): DonorCopyRecord | undefined {
  const d = ctx.state.donor;
  return ctx.settings.resume && ctx.donor && d?.frozen && d.at && d.copy ? d.copy : undefined;
}

/** The overview's donor line before step 1 (empty without --donor). */
export async function donorHeader(ctx: RecoveryContext): Promise<string[]> {
  const d = ctx.members.R?.address;
  if (!d || !copyMethod(ctx).fromDonor) return [];
  const text = donorCopyText(`${d.host}:${d.port}`, copyMethod(ctx).lockSpared === true, 'will');
  const at = ctx.state.donor?.at;
  const still = (what: string) =>
    `Donor: ${text}. R is still stopped at ${point(at!)}, where the interrupted copy read it: step 3 does not stop it again, that point stays GS’s coordinates for BS, and ${what}. R replicates again after the copy`;
  if (resumingDonorCopy(ctx) && at) return [still('only what did not complete is copied')];
  if (await physicalResumePoint(ctx)) return [still('the physical copy starts over from it (it cannot resume part-way)')];
  return [
    `Donor: ${text}. Step 3 stops R’s SQL thread once it has applied GS’s binary log up to GS’s position; where it stopped is GS’s coordinates for BS. R replicates again after the copy`,
  ];
}

/** How the step that reads the data reads: the donor's session with --donor, GS's otherwise. */
export function sourceRead(ctx: RecoveryContext): (s: Statement) => Promise<Row[]> {
  return ctx.donor?.identity ? ctx.donor.read : (s) => ctx.read('GS', s);
}

/** Binary log positions compared: the file's numeric suffix first, then the position. */
export function reached(at: { file: string; position: number }, target: { file: string; position: number }): boolean {
  const n = (f: string) => Number(/\.(\d+)$/.exec(f)?.[1] ?? 0);
  return n(at.file) > n(target.file) || (n(at.file) === n(target.file) && at.position >= target.position);
}

async function donorStatus(ctx: RecoveryContext): Promise<ReplicaStatus> {
  const d = ctx.donor!;
  return parseReplicaStatus(await d.read(d.dialect.showReplicaStatus()), d.dialect);
}

/** Where the donor is now, as sameDonorPoint compares it (its gtid_slave_pos read only when the point has a GTID). */
async function donorNow(ctx: RecoveryContext, r: ReplicaStatus, at: Coordinates) {
  const gtid = at.gtid !== undefined ? String((await ctx.donor!.read(stmt('SELECT @@GLOBAL.gtid_slave_pos AS g')))[0]?.g ?? '') : undefined;
  return { sqlRunning: r.sqlRunning, execFile: r.execFile, execPos: r.execPos, ...(gtid !== undefined ? { gtid } : {}) };
}

/** The preflight's donor lines: each refusal is one line, and a real run ends with exit 2 before anything changed. */
export async function donorChecks(ctx: RecoveryContext): Promise<Check[]> {
  if (!ctx.members.R) return [];
  const name = donorName(ctx);
  const refuse = (check: string, detail: string): Check[] => [{ verdict: 'stop', check, detail, refusal: true }];
  if (isRing(ctx.members)) return refuse('donor', '--donor is not yet proven for a ring; leave it out with --ring');
  const d = ctx.donor;
  if (!d?.identity) return [{ verdict: 'not-made', check: 'donor', detail: `${name} did not answer: the donor’s replication could not be checked` }];
  const id = d.identity;
  for (const role of ['GS', 'BS'] as const) {
    const other = ctx.identity[role];
    if (other && (other.serverId === id.serverId || (id.serverUuid && other.serverUuid === id.serverUuid)))
      return refuse('donor', `${name} is ${role} itself (same server_id ${id.serverId}): the donor must be a third server, a replica of GS`);
  }
  const gs = ctx.dialect.GS.version;
  if (d.dialect.version.flavor !== gs.flavor)
    return refuse(
      'donor',
      `${name} is ${d.dialect.version.flavor} and GS ${gs.flavor}: the donor’s point cannot be translated into GS’s binary log across flavors`,
    );
  if (gs.flavor === 'mysql' && usesGtidPositioning(ctx))
    return refuse(
      'donor',
      `a MySQL GTID pair: translating the donor’s gtid_executed into GS’s position is not built; leave out --donor or use --positioning file`,
    );
  const r = await donorStatus(ctx);
  const gsId = ctx.identity.GS?.serverId;
  if (!r.configured || (gsId !== undefined && r.sourceServerId !== gsId))
    return refuse(
      'donor',
      `${name} does not replicate from GS (${r.configured ? `its source is ${r.sourceHost}:${r.sourcePort}, server_id ${r.sourceServerId}` : 'no replication configured'}); the donor must be a replica of GS`,
    );
  const filters = FILTERS.filter((f) => String(r.raw[f] ?? '') !== '');
  if (filters.length)
    return refuse('donor', `${name} replicates with filters (${filters.map((f) => `${f}=${String(r.raw[f])}`).join(', ')}): it does not hold all of GS’s data`);
  if (r.lastSqlErrno)
    return refuse('donor', `${name}’s SQL thread stopped with error ${r.lastSqlErrno}: ${r.lastSqlError.slice(0, 200)}; fix its replication first`);
  // --resume of a copy that stopped part-way: the donor must still be where that copy read it, or what was copied
  // is of another point (the runner then voids the journal's record of the units copied; nothing else changes).
  const left = ctx.settings.resume ? ctx.state.donor : undefined;
  if (left?.frozen && left.at && left.copy) {
    const now = await donorNow(ctx, r, left.at);
    if (!sameDonorPoint(now, left.at)) return [{ ...refuse('donor', donorMovedText(name, now, left.at))[0], voidsDonorCopy: true }];
    return [
      {
        verdict: 'ok',
        check: 'donor',
        detail: `${name}, its SQL thread stopped where the interrupted copy read it: ${resumeText(left.copy, left.at)}`,
      },
    ];
  }
  const frozenForResume = ctx.settings.resume && ctx.state.donor?.frozen;
  if (!frozenForResume && (r.ioRunning !== 'Yes' || r.sqlRunning !== 'Yes'))
    return refuse(
      'donor',
      `${name} is not replicating (IO ${r.ioRunning || 'No'}, SQL ${r.sqlRunning || 'No'}): it cannot catch up with GS; START SLAVE on it first`,
    );
  if (!frozenForResume && (r.lagSeconds === null || r.lagSeconds > ctx.settings.donorMaxLag))
    return refuse(
      'donor',
      `${name} is ${r.lagSeconds === null ? 'an unknown time' : `${r.lagSeconds} s`} behind GS, more than --donor-max-lag ${ctx.settings.donorMaxLag} s: it may not catch up in time; wait for it, or raise --donor-max-lag`,
    );
  if (reachable(ctx, 'GS')) {
    const [row] = await ctx.read('GS', stmt('SELECT @@GLOBAL.log_slave_updates AS v'));
    const on = ['1', 'ON'].includes(String(row?.v ?? '').toUpperCase());
    if (!on)
      return refuse(
        'donor',
        'GS has log_slave_updates off: what GS applied from BS is not in its binary log, so the donor lacks BS’s writes; copy from GS (leave out --donor)',
      );
  }
  return [
    {
      verdict: 'ok',
      check: 'donor',
      detail: `${name} replicates from GS, no filter, no error, ${r.lagSeconds ?? 0} s behind; the copy reads it, GS is neither locked nor read by the copy`,
    },
  ];
}

/**
 * Step 3's donor actions: GS's position now (its replication from BS is stopped already), a wait until the donor has
 * applied up to it, its SQL thread stopped, and where it stopped recorded as GS's coordinates.
 */
export function freezeDonorActions(ctx: RecoveryContext): Action[] {
  const d = ctx.donor!;
  const show = ctx.dialect.GS.showBinlogStatus();
  const status = d.dialect.showReplicaStatus();
  const bound = ctx.settings.donorMaxLag;
  const wait: WaitAction = {
    kind: 'wait',
    role: 'R',
    condition: `the donor has applied GS’s binary log up to GS’s position (at most --donor-max-lag ${bound} s)`,
    polls: status,
    probe: async (io) => {
      const target = { file: io.bindings['GS target file'], position: Number(io.bindings['GS target position']) };
      let last: ReplicaStatus | undefined;
      const done = await pollUntil(
        async () => {
          const r = (last = parseReplicaStatus(await io.read('R', status), d.dialect));
          if (r.lastSqlErrno)
            throw new StepFailed(`the donor’s SQL thread stopped with error ${r.lastSqlErrno}: ${r.lastSqlError}`, 3, 'Fix the donor, or leave out --donor.');
          if (reached({ file: r.execFile, position: r.execPos }, target)) return true;
          io.progress(`donor at ${r.execFile}:${r.execPos}, GS at ${target.file}:${target.position}`);
          return undefined;
        },
        // Ctrl-C ends the wait at once (the executor then stops the run): a hand-made sleep held it to the bound.
        { ...backoffTo(200), timeoutMs: bound * 1000, signal: io.signal },
      );
      if (!done && !io.signal.aborted && last)
        throw new StepFailed(
          `the donor did not reach GS’s position ${target.file}:${target.position} within --donor-max-lag ${bound} s (it is at ${last.execFile}:${last.execPos})`,
          3,
          'GS was not locked and nothing was copied. Wait for the donor to catch up, or raise --donor-max-lag, and run the same command again.',
        );
    },
  };
  const actions: Action[] = [
    {
      kind: 'sql',
      role: 'GS',
      statement: show,
      note: 'GS’s position now: the donor must have applied this far (everything BS wrote is before it)',
      capture: (rows) => {
        const c = coordinatesFrom(rows, 'GS', show.shown);
        return { 'GS target file': c.file, 'GS target position': String(c.position) };
      },
    },
    wait,
    {
      kind: 'sql',
      role: 'R',
      statement: d.dialect.stopReplicaSqlThread(),
      note: 'the donor stops applying: a snapshot of GS that does not move',
      effect: (state) => void (state.donor = { frozen: true }),
    },
    {
      kind: 'sql',
      role: 'R',
      statement: status,
      note: 'Relay_Master_Log_File / Exec_Master_Log_Pos: GS’s coordinates of the donor’s data, for BS',
      capture: (rows, state) => {
        // STOP SLAVE SQL_THREAD returns once the thread has stopped (a dry run reads where the donor is now).
        const r = parseReplicaStatus(rows, d.dialect);
        state.gsCoords = { file: r.execFile, position: r.execPos };
        state.donor = { frozen: true, at: { file: r.execFile, position: r.execPos } };
      },
    },
  ];
  // A physical copy checks mariadb-backup's slave info against this point, written as a GTID when R replicates by GTID.
  if (mariadbGtid(ctx) || copyMethod(ctx).coordinatesFrom === 'backup')
    actions.push({
      kind: 'sql',
      role: 'R',
      statement: stmt('SELECT @@GLOBAL.gtid_slave_pos AS gtid_slave_pos'),
      note: `the GTID position of the same point (what the donor applied from GS)${copyMethod(ctx).coordinatesFrom === 'backup' ? '; the physical copy’s slave info is checked against it' : ''}`,
      capture: (rows, state) => {
        const g = String(rows[0]?.gtid_slave_pos ?? '');
        if (state.donor) state.donor.slavePos = g;
        if (!mariadbGtid(ctx)) return;
        if (state.gsCoords) state.gsCoords.gtid = g;
        if (state.donor?.at) state.donor.at.gtid = g;
      },
    });
  return actions;
}

/** START SLAVE SQL_THREAD on the donor: it applies GS's binary log again from where it stopped. */
export function releaseDonorAction(ctx: RecoveryContext, cleanup = false): SqlAction {
  return {
    kind: 'sql',
    role: 'R',
    statement: ctx.donor!.dialect.startReplicaSqlThread(),
    note: 'the donor applies GS’s binary log again from where it stopped',
    // Where it stopped stays recorded: the summary and the report name the donor's point as the source of GS's coordinates.
    effect: (state) => void (state.donor = { frozen: false, ...(state.donor?.at ? { at: state.donor.at } : {}) }),
    ...(cleanup ? { cleanup: true } : {}),
  };
}

/** What a stop says of the donor when its SQL thread is still stopped. */
export function donorLeftText(ctx: RecoveryContext): string {
  return `the donor ${donorName(ctx)} is left with its SQL thread stopped; start it with START SLAVE SQL_THREAD on it`;
}

/**
 * A copy from the frozen donor that began and did not complete: the donor is left frozen for --resume, which copies
 * only the units left (logical), or copies again from the same point without a new freeze (physical: no units).
 */
export function donorKeptForResume(ctx: Pick<RecoveryContext, 'settings' | 'state' | 'donor'>, copyBegan: boolean): boolean {
  const d = ctx.state.donor;
  if (!ctx.donor || !d?.frozen || !d.at || ctx.state.copy?.complete) return false;
  return !!d.copy || (copyBegan && physicalFromDonor(ctx));
}

const physicalFromDonor = (ctx: Pick<RecoveryContext, 'settings'>) => !!copyMethod(ctx).fromDonor && copyMethod(ctx).coordinatesFrom === 'backup';

/** What a stop says of a donor left frozen for --resume (a copy from it stopped part-way). */
export function donorKeptText(ctx: RecoveryContext): string {
  const at = ctx.state.donor?.at;
  const what = ctx.state.donor?.copy
    ? 'copies only what is missing'
    : 'copies again from that same point without starting it (a physical copy cannot resume part-way)';
  return `the donor ${donorName(ctx)} is left stopped at ${at ? point(at) : 'the recorded point'} so that --resume ${what}; START SLAVE SQL_THREAD on it if you give up`;
}

/**
 * --resume of a physical copy from the donor that stopped part-way: the donor still stopped at the recorded point, read
 * now (the plan's decision). Then step 3 does not freeze it anew: the copy starts over from that same point.
 */
export async function physicalResumePoint(ctx: RecoveryContext): Promise<Coordinates | undefined> {
  const d = ctx.state.donor;
  if (!ctx.settings.resume || !physicalFromDonor(ctx) || !ctx.donor?.identity || !d?.frozen || !d.at) return undefined;
  return sameDonorPoint(await donorNow(ctx, await donorStatus(ctx), d.at), d.at) ? d.at : undefined;
}

/** What a stop does with the donor: leaves it frozen for --resume (said), starts it again (an action, and what to say once it ran or failed), or nothing. */
export type DonorAtStop = { keep: string } | { release: SqlAction; released: string; left: string } | undefined;

/**
 * A copy from the frozen donor that stops before it completed leaves it frozen, so that --resume copies only what is
 * missing (its point and the units copied are in the journal), or, a physical copy, copies again from the same point.
 * Any other stop starts it again: a No, a stop before the copy began or after it completed.
 */
export function donorAtStop(ctx: RecoveryContext, o: { copyBegan: boolean; declined: boolean }): DonorAtStop {
  if (!o.declined && donorKeptForResume(ctx, o.copyBegan)) return { keep: donorKeptText(ctx) };
  if (!ctx.state.donor?.frozen || !ctx.donor) return undefined;
  return {
    release: releaseDonorAction(ctx, true),
    released: `The donor ${donorName(ctx)} replicates again (START SLAVE SQL_THREAD).`,
    left: donorLeftText(ctx),
  };
}

/** The plan's sentence on a physical copy started over from the donor still stopped at the recorded point. */
export const physicalAgainText = (ctx: RecoveryContext, at: Coordinates): string =>
  `the donor ${donorName(ctx)} is still stopped at ${point(at)}, where the interrupted copy read it: a physical copy cannot resume part-way, so it starts over from that same point, without starting the donor again; GS’s coordinates for BS stay ${point(at)}`;
