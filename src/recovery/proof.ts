// The proof after step 10 (before step 11): a marker row written on each side arrives on the other (so both have
// applied what the other wrote before it), and every user table has the same CHECKSUM on both servers. Every
// statement it sends is an action of step 10's plan; its waits only read.
import { randomUUID } from 'node:crypto';
import { literal, stmt, type Statement } from '../dialect/statement.js';
import type { Coordinates } from '../adapters/mysql/replication.js';
import { slot, type Action, type ProbeIo, type Role, type SqlAction, type WaitAction } from './actions.js';
import type { RecoveryContext } from './context.js';
import { compareTables, type Query, type TableComparison } from './compare.js';
import { coordinatesFrom } from './coordinates.js';
import { backoffTo, pollUntil } from '../base/poll.js';
import { shellLine } from '../config/shell-quote.js';
import { describeReplica, replicaStatusOf, sleep } from './replica-wait.js';
import { aroundOwnWrites } from './fence.js';
import type { RecoveryState } from './state.js';
import { compareDefinitions, compareHistory } from './bs-objects.js';
import { accountsCheck, eventMismatches, gtidSlavePosMismatches } from './server-state.js';

/** The schema the tool writes its marker rows in (documented in the README; --no-marker opts out). */
export const MARKER_SCHEMA = 'mmrecover';

export function markerSetup(): Statement[] {
  return [
    stmt(`CREATE DATABASE IF NOT EXISTS ${MARKER_SCHEMA}`),
    stmt(
      `CREATE TABLE IF NOT EXISTS ${MARKER_SCHEMA}.proof (server_id INT UNSIGNED NOT NULL PRIMARY KEY, token CHAR(36) NOT NULL, written_at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
    ),
  ];
}

export function markerWrite(serverId: number | string, token: string, quote: (v: string) => string = literal): Statement {
  return stmt(`REPLACE INTO ${MARKER_SCHEMA}.proof (server_id, token, written_at) VALUES (${serverId}, ${quote(token)}, NOW(6))`);
}

/** Binary log positions compare by file sequence number, then offset. */
export function reached(at: Coordinates, target: Coordinates): boolean {
  const seq = (f: string) => Number(/\.(\d+)$/.exec(f)?.[1] ?? 0);
  return seq(at.file) > seq(target.file) || (seq(at.file) === seq(target.file) && at.position >= target.position);
}

/** How long a replica may sit without applying anything while the marker it should apply has been written. */
const STALL_MS = 10_000;

const other = (r: Role): Role => (r === 'BS' ? 'GS' : 'BS');
const verification = (state: RecoveryState) => (state.verification ??= { caughtUp: false, tablesCompared: 0, mismatched: [], verified: false });

/**
 * Wait for the marker row on `replica`. A replica whose executed position does not move for STALL_MS while the
 * marker waits (seen once on a BS restarted after a crash: both threads "Yes", nothing applied, until the SQL
 * thread was restarted) gets one STOP REPLICA / START REPLICA (shown in the plan) before the wait goes on.
 */
function waitForMarker(ctx: RecoveryContext, replica: Role, serverId: number | string, token: string): WaitAction {
  const d = ctx.dialect[replica];
  const onStall: SqlAction[] = [
    { kind: 'sql', role: replica, statement: d.stopReplica() },
    { kind: 'sql', role: replica, statement: d.startReplica() },
  ];
  const key = replica === 'BS' ? 'markerGsToBs' : 'markerBsToGs';
  return {
    kind: 'wait',
    role: replica,
    condition: `the marker row written on ${other(replica)} has arrived on ${replica}`,
    polls: stmt(`SELECT token FROM ${MARKER_SCHEMA}.proof WHERE server_id = ${serverId}`),
    onStall,
    stallNote: `once, if ${replica} applies nothing for ${STALL_MS / 1000}s while the marker waits`,
    async probe(io) {
      let lastExec = '';
      let movedAt = Date.now();
      let nudged = false;
      const v = verification(io.state);
      v[key] = false;
      await pollUntil(
        async () => {
          const rows = await io.read(replica, stmt(`SELECT token FROM ${MARKER_SCHEMA}.proof WHERE server_id = ${serverId}`)).catch(() => []);
          if (rows[0]?.token === token) return (v[key] = true);
          const r = await replicaStatusOf(ctx, io, replica).catch(() => undefined);
          if (r) {
            const at = `${r.execFile}:${r.execPos}`;
            if (at !== lastExec) [lastExec, movedAt] = [at, Date.now()];
            if (!nudged && !r.lastSqlErrno && !r.lastIoErrno && Date.now() - movedAt > STALL_MS) {
              nudged = true;
              io.warn(
                `${replica} has applied nothing for ${STALL_MS / 1000}s while the marker waits (${describeReplica(r)}); restarting its replication once.`,
              );
              for (const a of onStall) await io.run(a);
            }
          }
          return undefined;
        },
        { ...backoffTo(100), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
      );
    },
  };
}

/** Wait until `replica` has executed everything its source had written when we looked. */
async function caughtUp(ctx: RecoveryContext, io: ProbeIo, replica: Role): Promise<boolean> {
  const source = other(replica);
  const show = ctx.dialect[source].showBinlogStatus();
  const target = coordinatesFrom(await io.read(source, show), source, show.shown);
  const caught = await pollUntil(
    async () => {
      const r = await replicaStatusOf(ctx, io, replica);
      return reached({ file: r.execFile, position: r.execPos }, target) ? true : undefined;
    },
    { ...backoffTo(250), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
  );
  return caught ?? false;
}

const q =
  (io: ProbeIo, role: Role): Query =>
  (s) =>
    io.read(role, s);

function recordComparison(ctx: RecoveryContext, state: RecoveryState, cmp: TableComparison): void {
  const v = verification(state);
  const { good, bad } = ctx.settings;
  const pair = `--a ${good.host}:${good.port} --b ${bad.host}:${bad.port}`;
  if (cmp.stoppedIn) v.resumeAfter = { table: cmp.stoppedIn.table, after: cmp.stoppedIn.after.map((x) => (x === null || x === undefined ? null : String(x))) };
  // From the journal, verify goes on where the proof stopped (the tables left, from the key reached); without one, the tables left whole.
  if (cmp.unverified.length)
    v.verifyCommand = ctx.journalPath
      ? `mmrecover verify ${pair} --resume --journal ${shellLine([ctx.journalPath])}`
      : `mmrecover verify ${pair} --tables ${cmp.unverified.join(',')}`;
  v.tablesCompared = cmp.compared;
  v.mismatched = cmp.mismatched;
  v.unverified = cmp.unverified;
  v.rowsRead = cmp.rowsRead;
  v.rowsEstimated = cmp.rowsEstimated;
}

/**
 * MariaDB: compare at one point of GS's history while production keeps writing. BS stops applying, GS checksums
 * inside a consistent snapshot whose binary log position the server reports, BS applies exactly up to that
 * position and checksums, then applies on. GS is never locked.
 */
function compareAtSnapshot(ctx: RecoveryContext): Action[] {
  // MariaDB keeps a replica's GTID state in mysql.gtid_slave_pos (MySQL has no such table).
  const gtidTable = ctx.dialect.BS.version.flavor === 'mariadb';
  const file = 'GS snapshot File';
  const pos = 'GS snapshot Position';
  return [
    { kind: 'sql', role: 'BS', statement: ctx.dialect.BS.stopReplicaSqlThread(), note: 'BS stops applying while GS takes its snapshot' },
    { kind: 'sql', role: 'GS', statement: stmt('START TRANSACTION WITH CONSISTENT SNAPSHOT') },
    {
      kind: 'sql',
      role: 'GS',
      statement: stmt("SHOW STATUS LIKE 'binlog_snapshot_%'"),
      note: 'the binary log position of that snapshot',
      capture: (rows) => {
        const value = (name: string) => rows.find((r) => String(r.Variable_name).toLowerCase() === name)?.Value;
        return { [file]: String(value('binlog_snapshot_file') ?? ''), [pos]: String(value('binlog_snapshot_position') ?? '') };
      },
    },
    {
      kind: 'sql',
      role: 'BS',
      statement: ctx.dialect.BS.startReplicaSqlThreadUntil(slot(file, 'file'), slot(pos, 'int')),
      note: 'BS applies exactly up to the snapshot',
    },
    {
      kind: 'wait',
      role: 'BS',
      condition: `BS stands at ${slot(file, 'file')}:${slot(pos, 'int')}, then every user table on GS (in the snapshot) and BS compared chunk by chunk by primary key (count and checksum of each, about 0.5 s a statement), and each system-versioned table's row versions (FOR SYSTEM_TIME ALL: a count and a checksum); they must match${gtidTable ? '. While BS stands still, its mysql.gtid_slave_pos holds no row past its position (@@gtid_slave_pos): such a row, copied from GS, would stop BS later on "Duplicate entry" (error 1942)' : ''}`,
      async probe(io) {
        const at = { file: io.bindings[file], position: Number(io.bindings[pos]) };
        if (!(await bsAt(ctx, io, at))) {
          const v = verification(io.state);
          v.mismatched = ['(BS did not reach the snapshot position: not compared)'];
          return;
        }
        recordComparison(ctx, io.state, await compareTables(q(io, 'GS'), q(io, 'BS'), chunked(ctx, io)));
        // The chunks read current rows only: the history of a system-versioned table is compared on its own.
        verification(io.state).mismatched.push(...(await compareHistory(q(io, 'GS'), q(io, 'BS'))));
        if (gtidTable) verification(io.state).mismatched.push(...(await gtidSlavePosMismatches((role, sql) => io.read(role, stmt(sql)))));
      },
    },
    { kind: 'sql', role: 'GS', statement: stmt('COMMIT'), cleanup: true, note: 'ends the snapshot' },
    { kind: 'sql', role: 'BS', statement: ctx.dialect.BS.startReplicaSqlThread(), cleanup: true, note: 'BS applies on' },
  ];
}

/**
 * The comparison's bounds for the proof: --chunk-time, --verify-time (past it the recovery completes and names the
 * tables left for `mmrecover verify`), and the wait's own abort and progress line.
 */
const chunked = (ctx: RecoveryContext, io: ProbeIo) => ({
  signal: io.signal,
  progress: io.progress,
  chunkTimeMs: ctx.settings.chunkTime * 1000,
  deadline: Date.now() + ctx.settings.verifyTime * 1000,
});

/** Wait until BS's SQL thread stopped exactly at `at` (START … UNTIL); false on an error, a timeout or an abort. */
async function bsAt(ctx: RecoveryContext, io: ProbeIo, at: Coordinates): Promise<boolean> {
  const stopped = await pollUntil(
    async () => {
      const r = await replicaStatusOf(ctx, io, 'BS');
      if (r.sqlRunning !== 'Yes' && reached({ file: r.execFile, position: r.execPos }, at)) return true;
      return r.lastSqlErrno ? false : undefined;
    },
    { ...backoffTo(100), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
  );
  return stopped ?? false;
}

/** MySQL reports no snapshot position: catch up and compare, a few times (exact only when writes pause). */
function compareWhenCaughtUp(ctx: RecoveryContext): WaitAction {
  return {
    kind: 'wait',
    role: 'GS',
    condition: 'both sides have caught up, then every user table on GS and BS compared chunk by chunk by primary key; they must match (up to 3 tries)',
    async probe(io) {
      let cmp: TableComparison | undefined;
      // One --verify-time for the whole proof, whatever the number of tries.
      const bounds = chunked(ctx, io);
      for (let attempt = 1; attempt <= 3 && !io.signal.aborted; attempt++) {
        await caughtUp(ctx, io, 'BS');
        await caughtUp(ctx, io, 'GS');
        cmp = await compareTables(q(io, 'GS'), q(io, 'BS'), bounds);
        if (cmp.mismatched.length === 0) break;
        await sleep(1000, io.signal);
      }
      if (cmp) recordComparison(ctx, io.state, cmp);
    },
  };
}

/** Routines, views, triggers and events by definition on both servers (the checksums see only tables' rows). */
function compareObjects(): WaitAction {
  return {
    kind: 'wait',
    role: 'GS',
    condition:
      'the routines, views, triggers and events of GS and BS are the same, by definition (information_schema ROUTINES, VIEWS, TRIGGERS, EVENTS; not their times or an event’s status)',
    async probe(io) {
      verification(io.state).mismatched.push(...(await compareDefinitions(q(io, 'GS'), q(io, 'BS'))));
    },
  };
}

/** BS is still fenced; MySQL's super_read_only stops even our account, so it is lifted around the one marker write. */
async function writeOnFencedBs(ctx: RecoveryContext, s: Statement): Promise<SqlAction[]> {
  const { lift, restore } = await aroundOwnWrites(ctx, 'the marker write');
  return [...lift, { kind: 'sql', role: 'BS', statement: s, note: 'must arrive on GS' }, ...restore];
}

/** Step 10's proof, as actions; the verdict is in state.verification once they ran. */
export async function proofActions(ctx: RecoveryContext): Promise<Action[]> {
  if (!ctx.settings.verify) return [];
  const actions: Action[] = [];
  if (ctx.settings.marker) {
    const gsId = ctx.identity.GS?.serverId ?? '@@server_id';
    const bsId = ctx.identity.BS?.serverId ?? '@@server_id';
    const [t1, t2] = [randomUUID(), randomUUID()];
    actions.push(...markerSetup().map((statement): SqlAction => ({ kind: 'sql', role: 'GS', statement, note: 'proof: marker rows' })));
    actions.push({ kind: 'sql', role: 'GS', statement: markerWrite(gsId, t1, ctx.dialect.GS.literal), note: 'must arrive on BS' });
    actions.push(waitForMarker(ctx, 'BS', gsId, t1));
    actions.push(...(await writeOnFencedBs(ctx, markerWrite(bsId, t2, ctx.dialect.BS.literal))));
    actions.push(waitForMarker(ctx, 'GS', bsId, t2));
  } else {
    actions.push({
      kind: 'wait',
      role: 'BS',
      condition: 'each side has executed everything the other had written',
      async probe(io) {
        verification(io.state).caughtUp = (await caughtUp(ctx, io, 'BS')) && (await caughtUp(ctx, io, 'GS'));
      },
    });
  }
  actions.push(...(ctx.dialect.GS.snapshotReportsBinlogPosition ? compareAtSnapshot(ctx) : [compareWhenCaughtUp(ctx)]));
  actions.push(compareObjects());
  actions.push({
    kind: 'wait',
    role: 'BS',
    condition:
      'each of GS’s events has its status on BS: SLAVESIDE_DISABLED where GS runs it, ENABLED where BS does (an event enabled on both would run twice)',
    async probe(io) {
      const wrong = await eventMismatches(ctx, (role, sql) => io.read(role, stmt(sql)));
      const v = verification(io.state);
      v.mismatched = [...v.mismatched, ...wrong];
    },
  });
  actions.push({
    kind: 'wait',
    role: 'BS',
    condition: `BS’s accounts are GS’s (mysql.user), except those only BS had${ctx.settings.keepBsAccounts ? ', which --keep-bs-accounts put back on BS alone' : ', which the copy dropped (step 2 kept them)'}; the proof names each of BS’s own`,
    async probe(io) {
      const r = await accountsCheck(ctx, (role, sql) => io.read(role, stmt(sql)));
      const v = verification(io.state);
      v.mismatched = [...v.mismatched, ...r.mismatched];
      v.said = [...(v.said ?? []), ...r.said];
    },
  });
  return actions;
}

/** The proof's verdict from what its actions measured; undefined when the proof did not run (a dry run). */
export function verdict(ctx: RecoveryContext, state: RecoveryState): RecoveryState['verification'] {
  const v = state.verification;
  if (!v) return undefined;
  if (ctx.settings.marker) v.caughtUp = v.markerGsToBs === true && v.markerBsToGs === true;
  v.verified = v.caughtUp && v.mismatched.length === 0;
  return v;
}
