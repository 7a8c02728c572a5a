// Proof at the end (after step 10, before step 11): each side has applied what the other wrote, a marker row
// written on each side arrives on the other, and every user table has the same CHECKSUM on both servers.
import { randomUUID } from 'node:crypto';
import { readReplicaStatus } from '../adapters/mysql/replication.js';
import type { BinlogCoordinates } from '../adapters/mysql/replication.js';
import { literal, stmt } from '../dialect/statement.js';
import type { RecoveryContext, Role, Verification } from './context.js';
import { dialect, session } from './context.js';
import { checksumTables, compareTables, diffChecksums, listUserTables, tablesOnBoth, type Query, type TableComparison } from './compare.js';
import { readBinlogCoordinatesFrom } from './coordinates.js';
import { describeReplica } from './replica-wait.js';

/** The schema the tool writes its marker rows in (documented in the README; --no-marker opts out). */
export const MARKER_SCHEMA = 'mmrecover';

export function markerSetup() {
  return [
    stmt(`CREATE DATABASE IF NOT EXISTS ${MARKER_SCHEMA}`),
    stmt(
      `CREATE TABLE IF NOT EXISTS ${MARKER_SCHEMA}.proof (server_id INT UNSIGNED NOT NULL PRIMARY KEY, token CHAR(36) NOT NULL, written_at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
    ),
  ];
}

export function markerWrite(serverId: number | string, token: string) {
  return stmt(`REPLACE INTO ${MARKER_SCHEMA}.proof (server_id, token, written_at) VALUES (${serverId}, ${literal(token)}, NOW(6))`);
}

/** Binary log positions compare by file sequence number, then offset. */
export function reached(at: BinlogCoordinates, target: BinlogCoordinates): boolean {
  const seq = (f: string) => Number(/\.(\d+)$/.exec(f)?.[1] ?? 0);
  return seq(at.file) > seq(target.file) || (seq(at.file) === seq(target.file) && at.position >= target.position);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `replica` has executed everything its source had written when we looked. */
async function waitCaughtUp(ctx: RecoveryContext, replica: Role, timeoutMs: number): Promise<boolean> {
  const source: Role = replica === 'BS' ? 'GS' : 'BS';
  const target = await readBinlogCoordinatesFrom(ctx, source);
  const s = session(ctx, replica)!;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const r = await readReplicaStatus(s);
    if (reached({ file: r.execFile, position: r.execPos }, target)) return true;
    await sleep(250);
  }
  return false;
}

/** How long a replica may sit without applying anything while the marker it should apply has been written. */
const STALL_MS = 10_000;

/**
 * Wait for the marker row on `replica`. A replica whose executed position does not move for STALL_MS while the
 * marker waits (seen once on a BS restarted after a crash: both threads "Yes", nothing applied, until the SQL
 * thread was restarted) gets one STOP REPLICA / START REPLICA, said in the log, before the wait goes on.
 */
async function waitForMarker(ctx: RecoveryContext, replica: Role, serverId: number, token: string, timeoutMs: number): Promise<boolean> {
  const q: Query = (s) => ctx.exec.sql(replica, s, { quiet: true });
  const deadline = Date.now() + timeoutMs;
  let lastExec = '';
  let movedAt = Date.now();
  let nudged = false;
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const rows = await q(stmt(`SELECT token FROM ${MARKER_SCHEMA}.proof WHERE server_id = ${serverId}`)).catch(() => []);
    if (rows[0]?.token === token) return true;
    const r = await readReplicaStatus(session(ctx, replica)!).catch(() => undefined);
    if (r) {
      const at = `${r.execFile}:${r.execPos}`;
      if (at !== lastExec) [lastExec, movedAt] = [at, Date.now()];
      if (!nudged && !r.lastSqlErrno && !r.lastIoErrno && Date.now() - movedAt > STALL_MS) {
        nudged = true;
        ctx.ui.warn(`${replica} has applied nothing for ${STALL_MS / 1000}s while the marker waits (${describeReplica(r)}); restarting its replication once.`);
        const d = dialect(ctx, replica);
        await ctx.exec.sql(replica, d.stopReplica());
        await ctx.exec.sql(replica, d.startReplica());
      }
    }
    await sleep(100);
  }
  return false;
}

export async function proveReplication(ctx: RecoveryContext): Promise<Verification | undefined> {
  const ui = ctx.ui;
  if (!ctx.exec.live || !ctx.gs || !ctx.bs) {
    if (ctx.settings.marker) for (const s of [...markerSetup(), markerWrite('@@server_id', '<token>')]) await ctx.exec.sql('GS', s);
    ui.info('  (dry run: would wait for both sides to catch up, check the marker rows arrive, and compare CHECKSUM TABLE of every user table)');
    return undefined;
  }
  const timeout = ctx.settings.replicaTimeout * 1000;
  const gsId = ctx.gs.identity.serverId;
  const bsId = ctx.bs.identity.serverId;
  const q = (role: Role): Query => (s) => ctx.exec.sql(role, s, { quiet: true });
  const v: Verification = { caughtUp: false, tablesCompared: 0, mismatched: [], verified: false };

  const task = ui.task('Proving the pair: marker rows');
  if (ctx.settings.marker) {
    // A marker that arrives proves the direction carries data and that the replica has applied everything its source
    // wrote before it: one catch-up wait per direction, not two (under production writes each wait costs seconds).
    for (const s of markerSetup()) await ctx.exec.sql('GS', s, { quiet: true });
    const t1 = randomUUID();
    await ctx.exec.sql('GS', markerWrite(gsId, t1));
    v.markerGsToBs = await waitForMarker(ctx, 'BS', gsId, t1, timeout);
    const t2 = randomUUID();
    await writeOnFencedBs(ctx, markerWrite(bsId, t2));
    v.markerBsToGs = await waitForMarker(ctx, 'GS', bsId, t2, timeout);
    v.caughtUp = v.markerGsToBs && v.markerBsToGs;
  } else {
    task.update('Proving the pair: catch-up both ways');
    v.caughtUp = (await waitCaughtUp(ctx, 'BS', timeout)) && (await waitCaughtUp(ctx, 'GS', timeout));
  }

  task.update('Proving the pair: CHECKSUM TABLE of every user table');
  const cmp = (await compareAtGsSnapshot(ctx, timeout)) ?? (await compareWhenCaughtUp(ctx, timeout));
  v.tablesCompared = cmp.compared;
  v.mismatched = cmp.mismatched;
  v.verified = v.caughtUp && v.markerGsToBs !== false && v.markerBsToGs !== false && v.mismatched.length === 0;
  const markers = ctx.settings.marker ? `, marker GS→BS ${v.markerGsToBs ? 'arrived' : 'MISSING'}, BS→GS ${v.markerBsToGs ? 'arrived' : 'MISSING'}` : '';
  const line = `caught up: ${v.caughtUp ? 'yes' : 'NO'}${markers}, ${v.tablesCompared} tables compared, ${v.mismatched.length} differ${v.mismatched.length ? `: ${v.mismatched.join(', ')}` : ''}`;
  if (v.verified) task.succeed(`Pair verified: ${line}`);
  else {
    task.fail(`Pair NOT verified: ${line}`);
    // What each side's replication says now, so that the operator (and the journal) see why.
    for (const role of ['BS', 'GS'] as Role[]) {
      const r = await readReplicaStatus(session(ctx, role)!).catch(() => undefined);
      const end = await readBinlogCoordinatesFrom(ctx, role === 'BS' ? 'GS' : 'BS').catch(() => undefined);
      if (r) ui.warn(`${role} replicating from ${role === 'BS' ? 'GS' : 'BS'}: ${describeReplica(r)}${end ? `; the source has written up to ${end.file}:${end.position}` : ''}`);
    }
  }
  ui.event('verification', { ...v });
  return v;
}

/**
 * Compare at one point of GS's history while production keeps writing: BS stops applying, GS checksums inside a
 * consistent snapshot whose binary log position the server reports, BS applies exactly up to that position and
 * checksums, then applies on. GS is never locked. Only where the server reports the snapshot's position (MariaDB).
 */
async function compareAtGsSnapshot(ctx: RecoveryContext, timeoutMs: number): Promise<TableComparison | undefined> {
  if (!ctx.gsDialect.snapshotReportsBinlogPosition) return undefined;
  const q = (role: Role): Query => (s) => ctx.exec.sql(role, s, { quiet: true });
  const [onGs, onBs] = await Promise.all([listUserTables(q('GS')), listUserTables(q('BS'))]);
  const both = tablesOnBoth(onGs, onBs);
  await ctx.exec.sql('BS', ctx.bsDialect.stopReplicaSqlThread(), { quiet: true });
  try {
    await ctx.exec.sql('GS', stmt('START TRANSACTION WITH CONSISTENT SNAPSHOT'), { quiet: true });
    try {
      const status = await ctx.exec.sql('GS', stmt("SHOW STATUS LIKE 'binlog_snapshot_%'"), { quiet: true });
      const value = (name: string) => status.find((r) => String(r.Variable_name).toLowerCase() === name)?.Value;
      const at: BinlogCoordinates = { file: String(value('binlog_snapshot_file') ?? ''), position: Number(value('binlog_snapshot_position') ?? NaN) };
      if (!at.file || !Number.isSafeInteger(at.position)) return undefined;
      await ctx.exec.sql('BS', ctx.bsDialect.startReplicaSqlThreadUntil(at.file, at.position), { quiet: true });
      // The two servers checksum at the same time: GS inside its snapshot, BS once it stands exactly at that point.
      const [gsSums, bsSums] = await Promise.all([checksumTables(q('GS'), both), bsAt(ctx, at, timeoutMs).then((ok) => (ok ? checksumTables(q('BS'), both) : undefined))]);
      return bsSums && diffChecksums(onGs, onBs, gsSums, bsSums);
    } finally {
      await ctx.exec.sql('GS', stmt('COMMIT'), { quiet: true });
    }
  } finally {
    await ctx.exec.sql('BS', ctx.bsDialect.startReplicaSqlThread(), { quiet: true });
  }
}

/** Wait until BS's SQL thread stopped exactly at `at` (START … UNTIL); false on an error, a timeout or an abort. */
async function bsAt(ctx: RecoveryContext, at: BinlogCoordinates, timeoutMs: number): Promise<boolean> {
  const s = session(ctx, 'BS')!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readReplicaStatus(s);
    if (r.sqlRunning !== 'Yes' && reached({ file: r.execFile, position: r.execPos }, at)) return true;
    if (r.lastSqlErrno || Date.now() > deadline || ctx.signal.aborted) return false;
    await sleep(100);
  }
}

/** Elsewhere: catch up and compare, a few times, before calling a table different (exact only when writes pause). */
async function compareWhenCaughtUp(ctx: RecoveryContext, timeoutMs: number): Promise<TableComparison> {
  const q = (role: Role): Query => (s) => ctx.exec.sql(role, s, { quiet: true });
  let cmp: TableComparison | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    await waitCaughtUp(ctx, 'BS', timeoutMs);
    await waitCaughtUp(ctx, 'GS', timeoutMs);
    cmp = await compareTables(q('GS'), q('BS'));
    if (cmp.mismatched.length === 0) break;
    await sleep(1000);
  }
  return cmp!;
}

/** BS is still fenced; MySQL's super_read_only stops even our account, so lift it around the one marker write. */
async function writeOnFencedBs(ctx: RecoveryContext, s: ReturnType<typeof stmt>): Promise<void> {
  const superRo = ctx.state.fence.some((f) => f.variable === 'super_read_only');
  if (superRo) await ctx.exec.sql('BS', stmt('SET GLOBAL super_read_only = OFF'));
  try {
    await ctx.exec.sql('BS', s);
  } finally {
    if (superRo) await ctx.exec.sql('BS', stmt('SET GLOBAL super_read_only = ON'));
  }
}

