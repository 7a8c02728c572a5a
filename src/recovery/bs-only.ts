// Nothing is lost without the operator knowing: before step 4 overwrites BS, measure what BS holds that GS does not,
// from every source (its own binary log events GS never executed, the row its replication stopped on, and its data
// compared with GS's, every table, row by row where there is a primary key), say so in plain words, and keep a copy:
// the events as replayable SQL, the rows as INSERT/REPLACE statements, and a gzip'd dump of the schemas concerned.
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ownEventsArgs, readOwnEvents, type OwnEvents } from '../adapters/shell/binlog-reader.js';
import { findBinlogReader } from '../adapters/shell/clients.js';
import { dumpArgs } from '../adapters/shell/dump-args.js';
import { parseReplicaStatus, type Coordinates } from '../adapters/mysql/replication.js';
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import type { Row } from '../adapters/mysql/session.js';
import { endpointFor } from '../config/endpoints.js';
import { ident, stmt, type Statement } from '../dialect/statement.js';
import { optionFileArg, optionFileSlot, type Action, type Branch, type KeepRowsAction } from './actions.js';
import { reachable, type RecoveryContext, type Role } from './context.js';
import { unmeasured } from './fence.js';
import type { BackupRecord, BsOnly, DataDetail, DataSummary, DataTable, RecoveryState } from './state.js';
import {
  CHUNK_TIME_MS,
  dataSizeBytes,
  differingTables,
  listUserSchemas,
  lockBounded,
  type DataComparison,
  type DifferingTable,
  type Query,
} from './compare.js';
import { ROWS_PREAMBLE, rowStatements } from './bs-rows.js';
import { formatBytes } from '../base/format.js';
import {
  accountsFile,
  bsSideObjects,
  describeAccounts,
  describeObjects,
  diffAccounts,
  diffObjects,
  objectsDdl,
  readAccounts,
  readObjects,
} from './bs-objects.js';

export type { BackupRecord, BsOnly };

const q =
  (ctx: RecoveryContext, role: 'GS' | 'BS'): Query =>
  (s) =>
    ctx.read(role, s);

const schemaOf = (table: string) => table.slice(0, table.indexOf('.'));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The transactions `serverId` wrote itself (not echoes of the other side's) in `endpoint`'s binary log after `from`:
 * what its peer has not executed. Read with the vendor's binlog reader: count, time range, tables. Used by the
 * recovery (what only BS holds) and by `status` (what each side lacks).
 */
export async function ownEventsSince(endpoint: Endpoint, from: Coordinates, serverId: number, signal?: AbortSignal): Promise<Omit<OwnEvents, 'bytes'>> {
  const reader = await findBinlogReader();
  const { bytes: _bytes, ...own } = await readOwnEvents(endpoint, reader, ownEventsArgs(from, serverId), { signal });
  return own;
}

/** " (2026-11-25 02:11:04–02:36:40 UTC) on shop.orders" for own events. */
export function describeOwnEvents(o: Omit<OwnEvents, 'bytes'>): string {
  const when = o.firstAt ? ` (${o.firstAt.replace('T', ' ').slice(0, 19)}${o.lastAt && o.lastAt !== o.firstAt ? `–${o.lastAt.slice(11, 19)}` : ''} UTC)` : '';
  return `${when}${o.tables.length ? ` on ${o.tables.join(', ')}` : ''}`;
}

/** The latest comparison of the data: step 2's (BS fenced and stopped) once it ran, the preflight's before. */
const latest = (b: BsOnly): DataSummary | undefined => b.afterFence ?? b.data;

/**
 * Tables in which BS holds something GS does not, or may: rows only on BS or that differ, a table only BS has, and
 * every difference that could not be told apart row by row (no primary key, columns that differ, out of time).
 */
export function bsSideTables(d: DataSummary): DataTable[] {
  return d.tables.filter((t) => {
    if (t.detail.kind === 'only-on-gs') return false;
    // Checksums differ yet no row does by key (GS wrote while it was compared?): kept, since it cannot be told.
    if (t.detail.kind === 'rows') return t.detail.onlyOnBs + t.detail.differ > 0 || t.detail.onlyOnGs === 0;
    return true;
  });
}

/**
 * What the sources say BS holds that GS does not: 'some'; 'none' only when the data were compared and show nothing
 * (and the log, where it can tell, shows nothing either); 'unknown' when the data could not be compared.
 */
export function bsOnlyVerdict(b: BsOnly): 'some' | 'none' | 'unknown' {
  if (b.conflict || (b.own?.transactions ?? 0) > 0 || extras(b).length > 0) return 'some';
  const d = latest(b);
  if (!d) return 'unknown';
  return bsSideTables(d).length > 0 ? 'some' : 'none';
}

/** Is there anything on BS that GS does not have (or could there be)? */
export function hasBsOnly(b: BsOnly): boolean {
  return bsOnlyVerdict(b) !== 'none';
}

/** Accounts and objects BS holds of its own, each as a clause (accounts and grants, routines, views, triggers, events). */
function extras(b: BsOnly): string[] {
  const objects = bsSideObjects(b.objects ?? []);
  return [
    b.accounts?.length ? `accounts only on BS or with other grants there: ${describeAccounts(b.accounts)}` : '',
    objects.length ? `objects only on BS or defined otherwise there: ${describeObjects(objects)}` : '',
  ].filter(Boolean);
}

/** "shop.orders: 40 rows only on BS, 100 that differ, 25 only on GS". */
function describeTable(t: DataTable, boundSeconds: number): string {
  const counts = `GS ${plural(t.gsRows ?? 0, 'row')}, BS ${plural(t.bsRows ?? 0, 'row')}`;
  const d = t.detail;
  switch (d.kind) {
    case 'rows': {
      const parts = [
        d.onlyOnBs ? `${plural(d.onlyOnBs, 'row')} only on BS` : '',
        d.differ ? `${d.differ} that differ` : '',
        d.onlyOnGs ? `${d.onlyOnGs} only on GS` : '',
      ].filter(Boolean);
      return parts.length ? `${t.table}: ${parts.join(', ')}` : `${t.table}: differs by checksum, yet no row differs by primary key (${counts})`;
    }
    case 'only-on-bs':
      return `${t.table}: exists only on BS (${plural(t.bsRows ?? 0, 'row')})`;
    case 'only-on-gs':
      return `${t.table}: exists only on GS`;
    case 'no-key':
      return `${t.table}: differs (${counts}); no primary key, so not compared row by row`;
    case 'columns':
      return `${t.table}: differs (${counts}); its columns differ between GS and BS, so not compared row by row`;
    case 'not-in-time':
      return `${t.table}: differs (${counts}); too large to compare row by row within --compare-timeout ${boundSeconds}s, kept whole`;
    case 'failed':
      return `${t.table}: differs (${counts}); comparing it row by row failed (${d.error})`;
    case 'not-compared':
      return `${t.table}: could not be compared (${d.error}), kept whole`;
  }
}

function describeTables(d: DataSummary, tables = d.tables, max = Infinity): string {
  const list = tables.map((t) => describeTable(t, d.boundSeconds));
  return list.length > max ? `${list.slice(0, max).join('; ')}; and ${plural(list.length - max, 'more table')}` : list.join('; ');
}

/** The tables that differ, and those that could not be compared at all. */
const split = (d: DataSummary) => [d.tables.filter((t) => t.detail.kind !== 'not-compared'), d.tables.filter((t) => t.detail.kind === 'not-compared')];

/** What BS's binary log says, as a clause. */
function logClause(b: BsOnly): string {
  const o = b.own;
  if (o && o.transactions > 0)
    return `BS has ${o.transactions} transaction(s)${o.tables.length ? describeOwnEvents(o) : `${describeOwnEvents(o)} on no table rows (statements only)`} that GS does not have`;
  if (o && b.from) return `its binary log shows no transaction of its own since GS last applied it (${b.from.file}:${b.from.position})`;
  return `its binary log cannot tell what is BS’s own: ${b.logGap ?? 'where GS last applied it is unknown'}`;
}

/** What the data comparison says, as a clause. */
function dataClause(b: BsOnly): string {
  const d = latest(b);
  if (!d) return `its data could not be compared with GS’s (${b.dataError ?? 'not measured'})`;
  const mine = bsSideTables(d);
  if (mine.length === 0)
    return `its data, compared with GS’s table by table, show no row that GS lacks or holds otherwise (${plural(d.compared, 'table')} compared${d.tables.length ? `; ${describeTables(d)}` : ''})`;
  const [differ, unread] = split(d);
  const compared = differ.length
    ? `its data differ from GS’s in ${plural(differ.length, 'table')} of ${d.compared}: ${describeTables(d, differ)}`
    : `its data match GS’s in the ${plural(d.compared, 'table')} compared`;
  return unread.length ? `${compared}; ${describeTables(d, unread)}` : compared;
}

/** One sentence for the preflight, the plan and the journal: each source, and what it showed or why it could not tell. */
export function describeBsOnly(b: BsOnly): string {
  const verdict = bsOnlyVerdict(b);
  const logTellsNothing = b.from !== undefined && b.own !== undefined && b.own.transactions === 0;
  if (verdict === 'none') return logTellsNothing ? `nothing only on BS: ${logClause(b)}, and ${dataClause(b)}` : `${dataClause(b)}; ${logClause(b)}`;
  const ownEvents = (b.own?.transactions ?? 0) > 0;
  const parts: string[] = [];
  if (ownEvents) parts.push(logClause(b));
  if (b.conflict) {
    const row = b.conflict.row
      ? `: ${Object.entries(b.conflict.row)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')}`
      : '';
    parts.push(`BS stopped replicating on error ${b.conflict.errno}${b.conflict.table ? ` on ${b.conflict.table}` : ''}, a row GS does not have${row}`);
  }
  if (!ownEvents) parts.push(logClause(b));
  parts.push(dataClause(b));
  parts.push(...extras(b));
  if (b.extrasError) parts.push(`accounts and objects could not be compared (${b.extrasError})`);
  return `${parts.join('; ')}. They will be overwritten by the copy`;
}

/** A few words for a question (the plan lines above it carry the full sentence). */
export function compactBsOnly(b: BsOnly): string {
  const extra: string[] = [];
  if (b.accounts?.length) extra.push(plural(b.accounts.length, 'account'));
  const objects = (b.objects ?? []).filter((o) => o.kind !== 'only-on-gs');
  if (objects.length) extra.push(objects.length === 1 ? `${objects[0].type} ${objects[0].object}` : `${objects.length} routines, views, triggers or events`);
  const d = latest(b);
  const rowsToo = b.own?.transactions || b.conflict || !d || bsSideTables(d).length > 0;
  return [...(rowsToo || !extra.length ? [compactRows(b)] : []), ...extra].join(' and ');
}

function compactRows(b: BsOnly): string {
  const parts: string[] = [];
  const list = (tables: string[]) => (tables.length > 3 ? `${tables.slice(0, 3).join(', ')} and ${tables.length - 3} more` : tables.join(', '));
  if (b.own && b.own.transactions > 0) parts.push(`${b.own.transactions} BS-only transaction(s)${b.own.tables.length ? ` on ${list(b.own.tables)}` : ''}`);
  if (b.conflict) parts.push(`the row BS's replication stopped on${b.conflict.table ? ` (${b.conflict.table})` : ''}`);
  if (parts.length) return parts.join(' and ');
  const d = latest(b);
  if (!d) return 'whatever only BS holds (its data could not be compared)';
  const tables = bsSideTables(d);
  const sum = (f: (x: Extract<DataDetail, { kind: 'rows' }>) => number) => tables.reduce((n, t) => n + (t.detail.kind === 'rows' ? f(t.detail) : 0), 0);
  const [rows, differ] = [sum((x) => x.onlyOnBs), sum((x) => x.differ)];
  const byRow = [rows ? `${plural(rows, 'row')} only on BS` : '', differ ? `${differ} that differ` : ''].filter(Boolean).join(' and ');
  return `${byRow || 'what differs'} in ${list(tables.map((t) => t.table))}`;
}

/** Each source in a few words, for the question before the copy. */
export function bsOnlySources(b: BsOnly): string {
  const o = b.own;
  const log =
    o && o.transactions > 0
      ? `${o.transactions} transaction(s) of its own since GS last applied it`
      : o && b.from
        ? 'no transaction of its own since GS last applied it'
        : `cannot tell (${b.logGap ?? 'where GS last applied it is unknown'})`;
  const d = latest(b);
  const data = !d
    ? `not compared (${b.dataError ?? 'not measured'})`
    : d.tables.length === 0
      ? `all ${plural(d.compared, 'table')} match GS’s`
      : `${describeTables(d, d.tables, 3)}${bsSideTables(d).length ? '' : ' (nothing GS lacks or holds otherwise)'}`;
  return `BS’s binary log: ${log}. Its data${b.afterFence ? ' (again, BS fenced)' : ''}: ${data}.`;
}

/** Where GS's replication from BS had got to in BS's binary log, or why that cannot be known. */
async function gsPositionInBsLog(ctx: RecoveryContext): Promise<{ from: Coordinates } | { gap: string }> {
  const r = parseReplicaStatus(await ctx.read('GS', ctx.dialect.GS.showReplicaStatus()), ctx.dialect.GS);
  const unknown = 'so where BS’s own events begin is unknown';
  if (!r.configured) return { gap: `GS has no replication from BS configured (reset: RESET SLAVE ALL?), ${unknown}` };
  const bsId = ctx.identity.BS!.serverId;
  const a = ctx.settings.badAddress;
  const pointsAtBs = r.sourceServerId === bsId || (r.sourceServerId === 0 && r.sourcePort === a.port);
  if (!pointsAtBs) return { gap: `GS replicates from another server (${r.sourceHost}:${r.sourcePort}), not from BS, ${unknown}` };
  if (!r.execFile) return { gap: `GS’s replication from BS holds no position (reset: RESET SLAVE?), ${unknown}` };
  return { from: { file: r.execFile, position: r.execPos } };
}

/** Why BS's binary log no longer covers `from` (purged, or reset since); undefined when it does, or when its logs cannot be listed. */
async function logGapSince(ctx: RecoveryContext, from: Coordinates): Promise<string | undefined> {
  const logs = await ctx.read('BS', stmt('SHOW BINARY LOGS')).catch(() => undefined);
  if (!logs) return undefined;
  const at = logs.find((l) => String(l.Log_name) === from.file);
  const since = `since GS last applied it (${from.file}:${from.position})`;
  if (!at) return `its binary logs no longer hold ${from.file}: purged or reset ${since}${logs.length ? `; they begin at ${String(logs[0].Log_name)}` : ''}`;
  if (Number(at.File_size) < from.position) return `${from.file} is now shorter (${String(at.File_size)} bytes) than that point: reset ${since}`;
  return undefined;
}

/** The row a duplicate-key error names, read from BS (single-column primary keys only). */
async function conflictRow(ctx: RecoveryContext, table: string, key: string): Promise<Record<string, unknown> | undefined> {
  const [schema, name] = [schemaOf(table), table.slice(table.indexOf('.') + 1)];
  const literal = ctx.dialect.BS.literal;
  const pk = await q(
    ctx,
    'BS',
  )(
    stmt(
      `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ${literal(schema)} AND TABLE_NAME = ${literal(name)} AND CONSTRAINT_NAME = 'PRIMARY'`,
    ),
  );
  if (pk.length !== 1) return undefined;
  const rows = await q(ctx, 'BS')(stmt(`SELECT * FROM ${ident(schema)}.${ident(name)} WHERE ${ident(String(pk[0].COLUMN_NAME))} = ${literal(key)} LIMIT 1`));
  return rows[0]
    ? Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : v]))
    : undefined;
}

/** The comparison's record of what it measured, from BS's side (GS compared first, BS second). */
export function summarizeData(cmp: DataComparison, boundSeconds: number): DataSummary {
  const detail = (d: DifferingTable): DataDetail => {
    if (d.rows[1] === null) return { kind: 'only-on-gs' };
    if (d.rows[0] === null) return { kind: 'only-on-bs' };
    const r = d.detail;
    if (!r || r.kind === 'one-side') return { kind: 'not-in-time' };
    if (r.kind === 'rows') return { kind: 'rows', onlyOnBs: r.onlyOnSecond, onlyOnGs: r.onlyOnFirst, differ: r.differ };
    return r;
  };
  return {
    compared: cmp.compared,
    ...(cmp.readWhole.length ? { readWhole: cmp.readWhole } : {}),
    seconds: Math.round(cmp.seconds * 100) / 100,
    boundSeconds,
    tables: [
      ...cmp.differing.map((d) => ({ table: d.table, gsRows: d.rows[0], bsRows: d.rows[1], detail: detail(d) })),
      ...cmp.notCompared.map((n) => ({ table: n.table, gsRows: null, bsRows: null, detail: { kind: 'not-compared' as const, error: n.error } })),
    ],
  };
}

/** A server's reads for the comparison: a table locked longer than --lock-wait-timeout is not compared (and kept whole), never waited for. */
const boundedRead = (ctx: RecoveryContext, read: (role: Role, s: Statement) => Promise<Row[]>, role: Role): Query =>
  lockBounded((s) => read(role, s), ctx.identity[role]!.version, ctx.settings.lockWaitTimeout);

/** Compare every user table of BS with GS's, row by row within --compare-timeout (with `keys`, those of what BS would lose). */
function compareWithGs(
  ctx: RecoveryContext,
  read: (role: Role, s: Statement) => Promise<Row[]>,
  opts: { keys?: boolean; progress?: (t: string) => void; signal?: AbortSignal } = {},
): Promise<DataComparison> {
  return differingTables(boundedRead(ctx, read, 'GS'), boundedRead(ctx, read, 'BS'), {
    rowsWithinMs: ctx.settings.compareTimeout * 1000,
    chunkTimeMs: ctx.settings.chunkTime * 1000,
    keys: opts.keys,
    signal: opts.signal ?? ctx.signal,
    progress: opts.progress,
  });
}

/** The schemas a backup keeps in auto mode: those of BS's own events, of the row it stopped on, of every table where BS differs. */
function schemasOf(b: BsOnly): string[] {
  const d = latest(b);
  const tables = [...(b.own?.tables ?? []), ...(b.conflict?.table ? [b.conflict.table] : []), ...(d ? bsSideTables(d).map((t) => t.table) : [])];
  return [...new Set(tables.map(schemaOf))].sort();
}

/**
 * Measure what only BS holds (read-only: SELECTs, SHOW, and the binlog reader), from every source: BS's binary log
 * since the point GS last applied (when that point is known and the log still covers it), the row its replication
 * stopped on, and its data compared with GS's, every table, every time: what no log shows (written with
 * sql_log_bin=0 or binary logging off, logs purged, GS's replication reset, non-transactional tables) is in the data.
 */
export async function measureBsOnly(ctx: RecoveryContext): Promise<BsOnly> {
  const out: BsOnly = { schemas: [] };
  const pos = await gsPositionInBsLog(ctx);
  if ('gap' in pos) out.logGap = pos.gap;
  else {
    out.from = pos.from;
    out.logGap = await logGapSince(ctx, pos.from);
    if (!out.logGap)
      out.own = await ownEventsSince(
        { ...endpointFor(ctx.settings, 'BS'), serverTls: Boolean(ctx.identity.BS?.sslCipher) },
        pos.from,
        ctx.identity.BS!.serverId,
        ctx.signal,
      ).catch((err: Error) => {
        out.logGap = `it could not be read (${err.message.split('\n')[0]})`;
        return undefined;
      });
  }
  const bsRepl = parseReplicaStatus(await ctx.read('BS', ctx.dialect.BS.showReplicaStatus()), ctx.dialect.BS);
  if (bsRepl.lastSqlErrno === 1062 || bsRepl.lastSqlErrno === 1032) {
    const table = /on table ([^\s;,]+)/i.exec(bsRepl.lastSqlError)?.[1];
    const key = /Duplicate entry '((?:[^'\\]|\\.)*)' for key '(?:PRIMARY|[^']*\.PRIMARY)'/.exec(bsRepl.lastSqlError)?.[1];
    out.conflict = { errno: bsRepl.lastSqlErrno, error: bsRepl.lastSqlError, table };
    if (table && key !== undefined && bsRepl.lastSqlErrno === 1062) out.conflict.row = await conflictRow(ctx, table, key).catch(() => undefined);
  }
  try {
    out.data = { ...summarizeData(await compareWithGs(ctx, ctx.read), ctx.settings.compareTimeout), chunkSeconds: ctx.settings.chunkTime };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    out.dataError = (err as Error).message.split('\n')[0];
  }
  try {
    const [accounts, objects] = await compareExtras(ctx, ctx.read);
    out.accounts = accounts.map(({ name, kind }) => ({ name, kind }));
    out.objects = objects;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    out.extrasError = (err as Error).message.split('\n')[0];
  }
  out.schemas = schemasOf(out);
  return out;
}

/** BS's accounts and objects against GS's (reads only). */
async function compareExtras(ctx: RecoveryContext, read: (role: Role, s: Statement) => Promise<Row[]>) {
  const [gsAcc, bsAcc, gsObj, bsObj] = await Promise.all([
    readAccounts((s) => read('GS', s)),
    readAccounts((s) => read('BS', s)),
    readObjects((s) => read('GS', s)),
    readObjects((s) => read('BS', s)),
  ]);
  return [diffAccounts(gsAcc, bsAcc), diffObjects(gsObj, bsObj)] as const;
}

/** How the data were compared, for the preflight. */
export function describeComparison(d: DataSummary): string {
  return (
    `${plural(d.compared, 'table')} on both servers compared in ${d.seconds}s: chunk by chunk by primary key (a count and a checksum per chunk on each ` +
    `side, each chunk sized to about ${d.chunkSeconds ?? CHUNK_TIME_MS / 1000}s a statement, --chunk-time), then in the chunks that differ row by row, for at most ${d.boundSeconds}s ` +
    `(--compare-timeout)` +
    (d.readWhole?.length ? `; read whole, in one statement (no primary key or different columns): ${d.readWhole.join(', ')}` : '') +
    `. Measured before step 1 fences BS: step 2 compares again once BS is fenced and stopped, and keeps what it finds then`
  );
}

/** The directory a run keeps its backups in: --backup-dir, or beside the journal. */
export function backupRoot(ctx: RecoveryContext): string {
  return ctx.settings.backupDir ?? join(dirname(ctx.journalPath ?? '.'), 'backups');
}

async function schemasToKeep(ctx: RecoveryContext, b: BsOnly): Promise<string[]> {
  // Nothing could be compared: every schema, since any of them may hold what only BS has.
  if (ctx.settings.backup === 'all' || bsOnlyVerdict(b) === 'unknown') return listUserSchemas(q(ctx, 'BS'));
  return hasBsOnly(b) ? b.schemas : [];
}

/** Preflight lines: what only BS holds, how the data were compared, and whether the backup fits. */
export async function bsOnlyChecks(ctx: RecoveryContext, add: (v: 'ok' | 'warn' | 'stop' | 'not-made', check: string, detail: string) => void): Promise<void> {
  const b = (ctx.state.bsOnly = await measureBsOnly(ctx));
  add(hasBsOnly(b) ? 'warn' : 'ok', 'only on BS', describeBsOnly(b));
  if (b.data) add('ok', 'data compared', describeComparison(b.data));
  else add('not-made', 'data compared', `not made: ${b.dataError ?? 'unknown error'}; every schema of BS is kept (auto)`);
  if (ctx.settings.backup === 'none') {
    if (hasBsOnly(b)) add('warn', 'backup', '--no-backup: what only BS holds will NOT be kept (you will be asked to confirm)');
    return;
  }
  const schemas = await schemasToKeep(ctx, b);
  const events = (b.own?.transactions ?? 0) > 0;
  const files = [b.accounts?.length ? 'bs-accounts.sql' : '', (b.objects ?? []).some((o) => o.kind !== 'only-on-gs') ? 'bs-objects.sql' : ''].filter(Boolean);
  if (!schemas.length && !events)
    return add('ok', 'backup', files.length ? `BS’s own accounts and objects → ${files.join(', ')} in ${backupRoot(ctx)}` : 'nothing to keep');
  if (events && !(await findBinlogReader().catch(() => undefined)))
    add('stop', 'backup', 'the binlog reader (mariadb-binlog or mysqlbinlog) is not installed, so BS’s own events cannot be exported');
  // The dump, and bs-only-rows.sql, which holds at most the rows of the tables it dumps.
  const need = (schemas.length ? 2 * (await dataSizeBytes(q(ctx, 'BS'), schemas)) : 0) + 1024 * 1024;
  const root = backupRoot(ctx);
  const free = await freeBytes(root);
  if (free !== undefined && free < need) {
    add(
      'stop',
      'backup space',
      `the backup needs up to ${formatBytes(need)} in ${root}, only ${formatBytes(free)} is free: free some space, choose --backup-dir, or run with --no-backup`,
    );
  } else {
    const what = [events ? `BS’s ${b.own!.transactions} own transaction(s)` : '', schemas.length ? `schemas ${schemas.join(', ')}` : ''].filter(Boolean);
    add(
      'ok',
      'backup',
      `${what.join(' and ')}, and the rows that differ → ${root} (${free === undefined ? 'free space unknown' : `${formatBytes(free)} free`})`,
    );
  }
}

async function freeBytes(dir: string): Promise<number | undefined> {
  // The directory may not exist yet: measure the nearest parent that does.
  for (let d = dir; ; d = dirname(d)) {
    try {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(d) === d) return undefined;
    }
  }
}

/** Offline (BS did not answer, or --assume): the backup a connected run would keep if BS holds anything of its own. */
async function offlineBackupActions(ctx: RecoveryContext): Promise<Action[]> {
  const branch: Branch = { text: `if BS holds transactions or rows GS does not (${unmeasured(ctx)})`, all: [{ fact: 'bs-only', is: true }] };
  if (ctx.settings.backup === 'none')
    return [
      {
        kind: 'ask',
        role: 'BS',
        branch,
        question: 'BS holds what GS does not. Overwrite it without keeping a copy (--no-backup)? It cannot be recovered later.',
      },
    ];
  const dir = join(backupRoot(ctx), `${ctx.settings.bad.host}_${ctx.settings.bad.port}-<time>`);
  const actions: Action[] = [];
  const reader = await findBinlogReader().catch(() => undefined);
  if (reader)
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'binlog-events',
      branch,
      command: {
        program: reader.command,
        args: [optionFileArg('BS'), ...ownEventsArgs({ file: '<BS binary log GS applied up to>', position: '<position>' }, '<BS server_id>')],
      },
      file: join(dir, 'bs-own-events.sql'),
      note: 'BS’s own events GS never executed, as replayable SQL',
    });
  const c = await ctx.clients().catch(() => undefined);
  if (c)
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'dump-gzip',
      branch: ctx.settings.backup === 'all' ? { text: `every schema on BS (${unmeasured(ctx)})`, all: [] } : branch,
      command: {
        program: c.dump.command,
        args: dumpArgs(c, {
          optionFile: optionFileSlot('BS'),
          consistency: 'lock-all-tables',
          databases: [ctx.settings.backup === 'all' ? '<every schema on BS>' : '<schemas only BS holds>'],
          server: ctx.dialect.BS.version,
          purpose: 'backup',
        }),
      },
      file: join(dir, 'bs-data.sql.gz'),
      note: 'BS’s data before the copy (BS is fenced: its lock stalls no one)',
    });
  return actions;
}

/**
 * Step 2 compares BS with GS again, after STOP REPLICA, and writes what it finds to bs-only-rows.sql. Why again: the
 * preflight measured before step 1 fenced BS, while clients and GS's replication could still change BS; from here
 * BS is static (fenced, not replicating), so what this comparison finds is exactly what the copy would overwrite.
 * GS is not locked yet: comparing stalls no one.
 */
function keepRowsAction(ctx: RecoveryContext, dir: string, record: (state: RecoveryState) => BackupRecord): KeepRowsAction {
  const file = join(dir, 'bs-only-rows.sql');
  const bound = ctx.settings.compareTimeout;
  const bsName = `BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}`;
  const gsName = `GS ${ctx.settings.good.host}:${ctx.settings.good.port}`;
  return {
    kind: 'keep-rows',
    role: 'BS',
    compares: `every user table of BS with GS’s (chunk by chunk by primary key, a count and a checksum per chunk; row by row in the chunks that differ, for at most ${bound}s)`,
    file,
    note: 'again, BS fenced and stopped now: rows only on BS (INSERT) and rows that differ (REPLACE, BS’s version), to replay after the recovery; written only if there are any',
    collect: async (io) => {
      const cmp = await compareWithGs(ctx, io.read, { keys: true, progress: io.progress, signal: io.signal });
      const data = summarizeData(cmp, bound);
      const mine = bsSideTables(data);
      const counts = { inserts: 0, replaces: 0, tables: [] as string[] };
      for (const t of mine) {
        const k = cmp.keys?.get(t.table);
        if (!k || (k.onlyOnSecond.length === 0 && k.differ.length === 0)) continue;
        if (counts.tables.length === 0) await io.write(rowsHeader(bsName, ctx.identity.BS?.serverId, gsName));
        counts.tables.push(t.table);
        await io.write(`\n-- ${describeTable(t, bound)}\n`);
        for await (const s of rowStatements(boundedRead(ctx, io.read, 'BS'), t.table, k)) {
          counts[s.verb === 'INSERT' ? 'inserts' : 'replaces'] += s.rows;
          await io.write(s.text);
        }
      }
      const whole = mine.filter((t) => !counts.tables.includes(t.table) && t.detail.kind !== 'rows');
      if (counts.tables.length && whole.length)
        await io.write(`\n-- Not listed row by row here, kept whole in bs-data.sql.gz:\n${whole.map((t) => `--   ${describeTable(t, bound)}\n`).join('')}`);
      const text = counts.tables.length
        ? `Kept ${file}: ${plural(counts.inserts, 'row')} only on BS (INSERT), ${counts.replaces} that differ (REPLACE), in ${counts.tables.join(', ')}`
        : mine.length
          ? `Compared again: no row to list by key; ${mine.map((t) => t.table).join(', ')} kept whole`
          : `Compared again (BS fenced): no row that GS lacks or holds otherwise (${plural(data.compared, 'table')})`;
      return { data, ...counts, text };
    },
    capture: (o, state) => {
      // Even when the preflight could not measure: what step 2 found is then checked against what it kept.
      if (o.data) (state.bsOnly ??= { schemas: [] }).afterFence = o.data;
      if (o.file) record(state).rows = { file: o.file, inserts: o.inserts, replaces: o.replaces, tables: o.tables };
    },
  };
}

/**
 * Step 2 also keeps BS's own accounts (bs-accounts.sql: SHOW CREATE USER with the password hash or plugin, and SHOW
 * GRANTS; one statement a line, so that --keep-bs-accounts replays the file itself after the copy) and BS's own
 * routines, views, triggers and events (bs-objects.sql: SHOW CREATE …). Compared again here, BS fenced and static;
 * each file is written (0600) only if there is something to keep.
 */
function keepExtrasActions(ctx: RecoveryContext, dir: string, record: (state: RecoveryState) => BackupRecord): KeepRowsAction[] {
  const bsName = `BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}`;
  const gsName = `GS ${ctx.settings.good.host}:${ctx.settings.good.port}`;
  const accountsPath = join(dir, 'bs-accounts.sql');
  const objectsPath = join(dir, 'bs-objects.sql');
  const stamp = () => new Date().toISOString();
  return [
    {
      kind: 'keep-rows',
      role: 'BS',
      compares: 'BS’s accounts with GS’s (mysql.user, SHOW CREATE USER, SHOW GRANTS FOR)',
      file: accountsPath,
      note: `accounts only on BS or with another password, plugin or grants there, as statements that recreate them${ctx.settings.keepBsAccounts ? ' (replayed on BS alone after the copy: --keep-bs-accounts)' : ''}; written only if there are any`,
      collect: async (io) => {
        const q =
          (role: Role): Query =>
          (s) =>
            io.read(role, s);
        const mine = diffAccounts(await readAccounts(q('GS')), await readAccounts(q('BS')));
        if (mine.length)
          await io.write(
            accountsFile(
              [
                `mmrecover: accounts of ${bsName} that ${gsName} lacks or holds otherwise, found at ${stamp()},`,
                'saved before the recovery replaced BS’s mysql schema with GS’s. Replay on BS alone, not written to the binary log:',
                '(mariadb/mysql --init-command="SET SESSION sql_log_bin=0" < this file). It holds password hashes: keep it private.',
              ],
              mine,
            ),
          );
        return {
          inserts: 0,
          replaces: 0,
          tables: [],
          text: mine.length ? `Kept ${accountsPath}: ${describeAccounts(mine)}` : 'Accounts compared again (BS fenced): none only on BS',
          names: mine.map((a) => a.name),
        };
      },
      capture: (o, state) => {
        if (o.file) record(state).accounts = { file: o.file, names: o.names ?? [] };
      },
    },
    {
      kind: 'keep-rows',
      role: 'BS',
      compares: 'BS’s routines, views, triggers and events with GS’s, by definition (information_schema, SHOW CREATE …)',
      file: objectsPath,
      note: 'objects only on BS or defined otherwise there, as DDL that recreates them; written only if there are any',
      collect: async (io) => {
        const q =
          (role: Role): Query =>
          (s) =>
            io.read(role, s);
        const mine = bsSideObjects(diffObjects(await readObjects(q('GS')), await readObjects(q('BS'))));
        if (mine.length)
          await io.write(
            [
              `-- mmrecover: routines, views, triggers and events of ${bsName} that ${gsName} lacks or defines otherwise,`,
              `-- found at ${stamp()}, saved before the recovery made BS's objects GS's. Review, then replay what you want to keep`,
              '-- (mariadb/mysql < this file, on one server: it replicates to the other).',
              '',
              await objectsDdl(q('BS'), mine),
            ].join('\n'),
          );
        return {
          inserts: 0,
          replaces: 0,
          tables: [],
          text: mine.length ? `Kept ${objectsPath}: ${describeObjects(mine)}` : 'Objects compared again (BS fenced): none only on BS',
          names: mine.map((o) => `${o.type} ${o.object}`),
        };
      },
      capture: (o, state) => {
        if (o.file) record(state).objects = { file: o.file, names: o.names ?? [] };
      },
    },
  ];
}

function rowsHeader(bsName: string, bsId: number | undefined, gsName: string): string {
  return [
    `-- mmrecover: rows of ${bsName}${bsId === undefined ? '' : ` (server_id ${bsId})`} that ${gsName} lacks (INSERT) or holds otherwise (REPLACE: BS’s version),`,
    `-- found at ${new Date().toISOString()} by comparing every user table of BS with GS by primary key, with BS fenced and not replicating,`,
    `-- saved before the recovery overwrote BS with GS's data. Review, then apply what you want to keep to the recovered pair`,
    '-- (mariadb/mysql < this file, on one server: it replicates to the other). A REPLACE puts BS’s version of the row back',
    '-- whole, over whatever the pair holds then; foreign key checks are off while this file runs, as in a dump.',
    ROWS_PREAMBLE,
  ].join('\n');
}

/**
 * Step 2's backup, after STOP REPLICA: the data compared again and the rows that differ written out, BS's own events
 * as replayable SQL, and a gzip'd dump of the schemas concerned (BS is fenced: the dump's lock stalls no one). With
 * --no-backup, a question first: overwrite it without a copy?
 */
export async function backupActions(ctx: RecoveryContext): Promise<Action[]> {
  const b = ctx.state.bsOnly;
  if (ctx.state.backup?.skipped) return []; // the operator said so in an earlier run of this journal
  // An offline rehearsal (--assume, or servers down) shows what a connected run would keep, as branches.
  if (!b && !reachable(ctx, 'BS')) return offlineBackupActions(ctx);
  if (ctx.settings.backup === 'none') {
    if (!b || !hasBsOnly(b)) return [];
    return [
      {
        kind: 'ask',
        role: 'BS',
        question: `${describeBsOnly(b)}. Overwrite it without keeping a copy (--no-backup)? It cannot be recovered later.`,
        onYes: (state) => void (state.backup = { skipped: true }),
      },
    ];
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const dir = join(backupRoot(ctx), `${ctx.settings.bad.host}_${ctx.settings.bad.port}-${stamp}`);
  // A resumed step 2 keeps everything again, in a directory of its own.
  const record = (state: RecoveryState) => (state.backup?.dir === dir ? state.backup : (state.backup = { dir }));
  const actions: Action[] = [keepRowsAction(ctx, dir, record), ...keepExtrasActions(ctx, dir, record)];
  if (!b) return actions; // nothing measured (servers down, a rehearsal): what else to keep is not known
  const schemas = await schemasToKeep(ctx, b);
  const events = (b.own?.transactions ?? 0) > 0 && b.from !== undefined;
  const bsName = `BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}`;
  const bsId = ctx.identity.BS?.serverId ?? 0;
  if (events) {
    const reader = await findBinlogReader();
    const file = join(dir, 'bs-own-events.sql');
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'binlog-events',
      command: { program: reader.command, args: [optionFileArg('BS'), ...ownEventsArgs(b.from!, bsId)] },
      file,
      note: 'BS’s own events GS never executed, as replayable SQL',
      header: [
        `-- mmrecover: events ${bsName} (server_id ${bsId}) wrote itself`,
        `-- from ${b.from!.file}:${b.from!.position} (where GS ${ctx.settings.good.host}:${ctx.settings.good.port} had applied BS's binary log up to) to the end of its binary log,`,
        `-- saved before the recovery overwrote BS with GS's data.`,
        '-- Replay on a scratch server (mariadb/mysql < this file) to reconcile; the ### lines spell out each row change.',
        '',
      ].join('\n'),
      capture: (o, state) => void (record(state).events = { file, transactions: o.transactions ?? 0 }),
    });
  }
  if (schemas.length) {
    const c = await ctx.clients();
    const file = join(dir, 'bs-data.sql.gz');
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'dump-gzip',
      command: {
        program: c.dump.command,
        args: dumpArgs(c, {
          optionFile: optionFileSlot('BS'),
          consistency: 'lock-all-tables',
          databases: schemas,
          server: ctx.dialect.BS.version,
          purpose: 'backup',
        }),
      },
      file,
      note: 'BS’s data before the copy (BS is fenced: its lock stalls no one)',
      capture: (o, state) => void (record(state).dump = { file, schemas, bytes: o.bytes, fileBytes: o.fileBytes ?? 0 }),
    });
  }
  return actions;
}

/**
 * After step 2's actions: everything BS would lose must be kept. BS may have changed between the preflight and the
 * fence (and GS goes on writing): a table where BS differs now is kept if its schema is in the dump, or if it was
 * told apart row by row and its rows are in bs-only-rows.sql (the copy then gives back the rest of it). One that is
 * neither stops the run here, before anything is overwritten, with what was measured recorded, so that --resume
 * plans step 2's backup from it. Returns why it stops, and notes for what is kept in the rows file only.
 */
export function checkKeptEverything(ctx: RecoveryContext): { stop?: string; notes: string[] } {
  const b = ctx.state.bsOnly;
  const after = b?.afterFence;
  if (!b || !after || ctx.settings.backup === 'none') return { notes: [] };
  const dumped = new Set(ctx.state.backup?.dump?.schemas ?? []);
  const listed = new Set(ctx.state.backup?.rows?.tables ?? []);
  const outside = bsSideTables(after).filter((t) => !dumped.has(schemaOf(t.table)));
  const inRowsFile = outside.filter((t) => listed.has(t.table));
  const notes = inRowsFile.map(
    (t) =>
      `${describeTable(t, after.boundSeconds)}: it differs only since the preflight; its rows are kept in ${ctx.state.backup!.rows!.file}, not in the dump`,
  );
  const missing = outside.filter((t) => !listed.has(t.table));
  if (!missing.length) return { notes };
  b.data = after;
  b.afterFence = undefined;
  b.schemas = schemasOf(b);
  ctx.state.backup = undefined;
  return {
    notes,
    stop: `BS changed after the preflight measured it (before step 1 fenced it): ${missing.map((t) => describeTable(t, after.boundSeconds)).join('; ')}; step 2 did not keep ${missing.length === 1 ? 'that table' : 'those tables'}`,
  };
}
