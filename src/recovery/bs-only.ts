// Nothing is lost without the operator knowing: before step 4 overwrites BS, measure what BS holds that GS does not,
// from every source (its own binary log events GS never executed, the row its replication stopped on, and its data
// compared with GS's, every table, row by row where there is a primary key), say so in plain words, and keep a copy:
// the events as replayable SQL, the rows as INSERT/REPLACE statements, and a gzip'd dump of the tables that cannot be
// kept by key (no primary key, columns that differ, only on BS), named: what is kept is the size of what differs,
// never a schema's dump because one of its tables differs. The data are read once before the copy, at step 2, with BS
// fenced and stopped; the preflight reads none (it says what that comparison will cost), and the physical method,
// which keeps BS's datadir whole, reads none at all.
import { dirname, join } from 'node:path';
import { ownEventsArgs } from '../adapters/shell/binlog-reader.js';
import { bsOnlyVerdict, bsSideTables, describeBsOnly, describeTable, hasBsOnly } from './bs-only-text.js';
import { dumpArgs } from '../adapters/shell/dump-args.js';
import { parseReplicaStatus, type Coordinates } from '../adapters/mysql/replication.js';
import type { Row } from '../adapters/mysql/session.js';
import { ident, stmt, type Statement } from '../dialect/statement.js';
import { dumpCommand, optionFileArg, optionFileSlot, type Action, type Branch, type KeepRowsAction } from './actions.js';
import { reachable, serverName, type RecoveryContext, type Role } from './context.js';
import { unmeasured } from './fence.js';
import { copyMethod } from './copy-method.js';
import { physicalPaths } from './datadir-paths.js';
import type { BackupRecord, BsOnly, DataDetail, DataSummary, RecoveryState } from './state.js';
import {
  CHUNK_TIME_MS,
  differingTables,
  listUserSchemas,
  lockBounded,
  measureCompareRate,
  tableSizes,
  tablesWithoutKeyComparison,
  type DataComparison,
  type DifferingTable,
  type Query,
} from './compare.js';
import { ROWS_PREAMBLE, rowStatements } from './bs-rows.js';
import { formatBytes, formatDuration } from '../base/format.js';
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

/** Where GS's replication from BS had got to in BS's binary log, or why that cannot be known. */
async function gsPositionInBsLog(ctx: RecoveryContext): Promise<{ from: Coordinates } | { gap: string }> {
  const r = parseReplicaStatus(await ctx.read('GS', ctx.dialect.GS.showReplicaStatus()), ctx.dialect.GS);
  const unknown = 'so where BS’s own events begin is unknown';
  if (!r.configured) return { gap: `GS has no replication from BS configured (reset: RESET SLAVE ALL?), ${unknown}` };
  const bsId = ctx.identity.BS!.serverId;
  const a = ctx.members.BS.replication;
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

/** How BS's data are kept before the copy: compared at step 2, dumped whole (--backup all), or kept in its datadir (physical). */
export function dataPlan(ctx: RecoveryContext): NonNullable<BsOnly['dataAt']> {
  if (ctx.settings.backup === 'all') return 'dump';
  return copyMethod(ctx).keepsBsDatadir ? 'datadir' : 'step-2';
}

/**
 * The rate the preflight's estimate of step 2's comparison assumes where it could measure none (measureCompareRate
 * times the first chunks of the largest table): a stated, conservative figure (the chunked comparison of the lab's 1 GB table reads at 300+ MB/s; a busy
 * disk reads slower), so that the outage it announces is an upper bound rather than a hope.
 */
export const COMPARE_RATE_BYTES = 100 * 1024 * 1024;

/** Tables step 2 keeps whole, by schema: those that cannot be compared by key, and those a stopped step 2 could not keep by key. */
export async function wholeTables(ctx: RecoveryContext): Promise<Array<{ table: string; why: string }>> {
  const found = await tablesWithoutKeyComparison(q(ctx, 'GS'), q(ctx, 'BS'));
  const b = ctx.state.bsOnly;
  // A step 2 that stopped recorded what it found but could not keep by key (checkKeptEverything): whole this time.
  for (const t of b?.data ? bsSideTables(b.data) : [])
    if (!found.some((f) => f.table === t.table) && t.detail.kind !== 'only-on-gs') found.push({ table: t.table, why: describeTable(t, b!.data!.boundSeconds) });
  return found.sort((x, y) => x.table.localeCompare(y.table));
}

/** A file name's part for a schema: its name where it is plain, other characters as _. */
const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Measure what only BS holds before step 1 (read-only: SELECTs, SHOW, and the binlog reader), from the sources that
 * cost no read of the data: BS's binary log since the point GS last applied (when that point is known and the log
 * still covers it), the row its replication stopped on, its accounts and objects. Its data, where what no log shows
 * is (written with sql_log_bin=0 or binary logging off, logs purged, GS's replication reset), are compared at step 2,
 * every table, once BS is fenced and stopped: reading them here too would read every table twice before the copy.
 */
export async function measureBsOnly(ctx: RecoveryContext): Promise<BsOnly> {
  const out: BsOnly = { schemas: [] };
  const pos = await gsPositionInBsLog(ctx);
  if ('gap' in pos) out.logGap = pos.gap;
  else {
    out.from = pos.from;
    out.logGap = await logGapSince(ctx, pos.from);
    if (!out.logGap)
      out.own = await ctx.host.bsOwnEvents(pos.from, ctx.identity.BS!.serverId).catch((err: Error) => {
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
  // The data are not read here: once, at step 2 (BS fenced and stopped), or not at all (see dataAt).
  out.dataAt = dataPlan(ctx);
  try {
    const [accounts, objects] = await compareExtras(ctx, ctx.read);
    out.accounts = accounts.map(({ name, kind }) => ({ name, kind }));
    out.objects = objects;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    out.extrasError = (err as Error).message.split('\n')[0];
  }
  out.schemas = [];
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
    (d.readWhole?.length ? `; read whole, in one statement (no primary key or different columns): ${d.readWhole.join(', ')}` : '')
  );
}

/** The directory a run keeps its backups in: --backup-dir, or beside the journal. */
export function backupRoot(ctx: RecoveryContext): string {
  return ctx.settings.backupDir ?? join(dirname(ctx.journalPath ?? '.'), 'backups');
}

/** A backup directory is named after BS's address: "db2_3306-<time>". */
const backupName = (ctx: RecoveryContext): string => `${ctx.members.BS.address.host}_${ctx.members.BS.address.port}`;

/** Preflight lines: what only BS holds (from what costs no read of the data), what the data comparison will cost, and whether what is kept fits. */
export async function bsOnlyChecks(ctx: RecoveryContext, add: (v: 'ok' | 'warn' | 'stop' | 'not-made', check: string, detail: string) => void): Promise<void> {
  const b = (ctx.state.bsOnly = await measureBsOnly(ctx));
  // Before step 2 compares, 'ok' says only that no source read so far shows anything: the data may still.
  add(bsOnlyVerdict(b) === 'some' || b.logGap || b.extrasError ? 'warn' : 'ok', 'only on BS', describeBsOnly(b));
  const [gs, bs] = await Promise.all([tableSizes(q(ctx, 'GS')), tableSizes(q(ctx, 'BS'))]);
  const sum = (t: Array<{ bytes: number }>) => t.reduce((n, x) => n + x.bytes, 0);
  const [gsBytes, bsBytes] = [sum(gs), sum(bs)];
  // The rate measured on the first chunks of GS's largest table (a second or so of reads, with the comparison's own
  // statement); the stated rate only where nothing could be measured, and said so. GS only: BS is not fenced yet, and a
  // client's LOCK TABLES there (which step 1 offers to KILL) would hold the preflight's read until the stall bound.
  const measured =
    b.dataAt === 'step-2' ? await measureCompareRate([q(ctx, 'GS')], gs, { chunkTimeMs: ctx.settings.chunkTime * 1000 }).catch(() => undefined) : undefined;
  const rateBytes = measured ? Math.max(1, Math.round(measured.bytesPerSecond)) : COMPARE_RATE_BYTES;
  const seconds = Math.max(gsBytes, bsBytes) / rateBytes;
  const rate = measured
    ? `${formatBytes(rateBytes)}/s per server (estimated from a measured rate of ${formatBytes(rateBytes)}/s: ${measured.rows} rows of ${measured.table} compared in ${measured.ms} ms)`
    : `${formatBytes(COMPARE_RATE_BYTES)}/s per server, a conservative rate, not measured`;
  if (b.dataAt === 'step-2') b.cost = { tables: bs.length, gsBytes, bsBytes, seconds: Math.round(seconds * 10) / 10, rateBytes };
  add(
    'ok',
    'data comparison',
    b.dataAt === 'datadir'
      ? `none before the copy: the physical method renames BS’s datadir aside whole (${physicalPaths(ctx.identity.BS!.datadir.replace(/\/+$/, '')).kept.replace(/-kept-.*$/, '-kept-<time>')}), so nothing BS held (${formatBytes(bsBytes)} in ${plural(bs.length, 'table')}) is lost, and no comparison delays the outage`
      : b.dataAt === 'dump'
        ? `none: --backup all keeps BS’s data whole in a dump at step 2 (${formatBytes(bsBytes)} in ${plural(bs.length, 'table')} before gzip, about ${formatDuration(Math.ceil(bsBytes / COMPARE_RATE_BYTES))} at ${rate}), without comparing`
        : `not made here (the preflight reads only the first chunks of the largest table, to measure the rate): step 2 compares BS’s data with GS’s once, with BS fenced and stopped, chunk by chunk by primary key (each chunk about ${ctx.settings.chunkTime}s a statement, --chunk-time), then row by row in the chunks that differ for at most ${ctx.settings.compareTimeout}s (--compare-timeout): ${plural(bs.length, 'table')}, ${formatBytes(bsBytes)} on BS and ${formatBytes(gsBytes)} on GS (information_schema), about ${formatDuration(Math.ceil(seconds))} at ${rate}, BS out of service meanwhile. Instead: --backup all keeps a full dump of BS’s data whole (about ${formatBytes(bsBytes)} before gzip) without comparing, or answer No before step 2`,
  );
  if (ctx.settings.backup === 'none') {
    if (hasBsOnly(b)) add('warn', 'backup', '--no-backup: what only BS holds will NOT be kept (you will be asked to confirm)');
    return;
  }
  const events = (b.own?.transactions ?? 0) > 0;
  if (events && !(await ctx.host.binlogReader().catch(() => undefined)))
    add('stop', 'backup', 'the binlog reader (mariadb-binlog or mysqlbinlog) is not installed, so BS’s own events cannot be exported');
  // What is kept is the size of what differs: the tables kept whole (sized by information_schema), the rows that
  // differ (unknown until step 2 compares: bounded here by a margin, and by BS's own events, whose decoded text is
  // larger than the rows they wrote), and a dump of everything only with --backup all.
  const bsSize = new Map(bs.map((t) => [t.table, t.bytes]));
  const whole = b.dataAt === 'step-2' ? await wholeTables(ctx) : [];
  const wholeBytes = whole.reduce((n, t) => n + (bsSize.get(t.table) ?? 0), 0);
  const need = (b.dataAt === 'dump' ? bsBytes : wholeBytes) + 1024 * 1024;
  const root = backupRoot(ctx);
  const free = await ctx.host.freeBytes(root, { orNearestParent: true });
  const what = [
    events ? `BS’s ${b.own!.transactions} own transaction(s) as SQL` : '',
    b.dataAt === 'step-2' ? 'the rows that differ from GS (by key, in bs-only-rows.sql; how many is known once step 2 has compared)' : '',
    whole.length
      ? `whole, as they cannot be compared by key: ${whole.map((t) => `${t.table} (${t.why}, ${formatBytes(bsSize.get(t.table) ?? 0)})`).join(', ')}`
      : '',
    b.dataAt === 'dump' ? `every schema of BS, whole (${formatBytes(bsBytes)} before gzip)` : '',
    b.dataAt === 'datadir' ? 'BS’s data in its datadir, renamed aside whole by the copy (no file here)' : '',
    b.accounts?.length ? 'BS’s own accounts (bs-accounts.sql)' : '',
    (b.objects ?? []).some((o) => o.kind !== 'only-on-gs') ? 'BS’s own objects (bs-objects.sql)' : '',
  ].filter(Boolean);
  if (free !== undefined && free < need)
    return add(
      'stop',
      'backup space',
      `the backup needs up to ${formatBytes(need)} in ${root}, only ${formatBytes(free)} is free: free some space, choose --backup-dir, or run with --no-backup`,
    );
  add(
    'ok',
    'backup',
    `${what.join('; ')} → ${root} (up to about ${formatBytes(need)}; ${free === undefined ? 'free space unknown' : `${formatBytes(free)} free`})`,
  );
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
  const dir = join(backupRoot(ctx), `${backupName(ctx)}-<time>`);
  const actions: Action[] = [];
  const reader = await ctx.host.binlogReader().catch(() => undefined);
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
  const all = ctx.settings.backup === 'all';
  // Physical: BS's datadir is kept whole by the copy; nothing of its data is dumped.
  if (c && (all || !copyMethod(ctx).keepsBsDatadir))
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'dump-gzip',
      branch: all
        ? { text: `every schema on BS (${unmeasured(ctx)})`, all: [] }
        : { text: `for each schema holding tables that cannot be compared by key (no primary key, other columns, only on BS) (${unmeasured(ctx)})`, all: [] },
      command: dumpCommand(
        c,
        dumpArgs(c, {
          optionFile: optionFileSlot('BS'),
          consistency: 'lock-all-tables',
          ...(all ? { databases: ['<every schema on BS>'] } : { tables: { schema: '<schema>', names: ['<tables that cannot be compared by key>'] } }),
          server: ctx.dialect.BS.version,
          purpose: 'backup',
        }),
      ),
      file: join(dir, all ? 'bs-data.sql.gz' : 'bs-tables-<schema>.sql.gz'),
      note: all
        ? 'BS’s data before the copy, every schema whole, not compared (--backup all)'
        : 'those tables kept whole (BS is fenced: its lock stalls no one)',
    });
  return actions;
}

/**
 * Step 2 compares BS with GS, after STOP REPLICA, and writes what it finds to bs-only-rows.sql: the one read of the
 * data before the copy (the preflight reads none). BS is static from here (fenced, not replicating), so what this
 * comparison finds is exactly what the copy would overwrite. GS is not locked yet: comparing stalls no one.
 */
function keepRowsAction(ctx: RecoveryContext, dir: string, record: (state: RecoveryState) => BackupRecord): KeepRowsAction {
  const file = join(dir, 'bs-only-rows.sql');
  const bound = ctx.settings.compareTimeout;
  const bsName = serverName(ctx, 'BS');
  const gsName = serverName(ctx, 'GS');
  return {
    kind: 'keep-rows',
    role: 'BS',
    compares: `every user table of BS with GS’s (chunk by chunk by primary key, a count and a checksum per chunk; row by row in the chunks that differ, for at most ${bound}s)`,
    file,
    note: 'once, BS fenced and stopped: rows only on BS (INSERT) and rows that differ (REPLACE, BS’s version), to replay after the recovery; written only if there are any',
    collect: async (io) => {
      const cmp = await compareWithGs(ctx, io.read, { keys: true, progress: io.progress, signal: io.signal });
      const data = { ...summarizeData(cmp, bound), chunkSeconds: ctx.settings.chunkTime };
      const mine = bsSideTables(data);
      const counts = { inserts: 0, replaces: 0, tables: [] as string[] };
      let written = 0;
      const write = (t: string) => ((written += Buffer.byteLength(t)), io.write(t));
      for (const t of mine) {
        const k = cmp.keys?.get(t.table);
        if (!k || (k.onlyOnSecond.length === 0 && k.differ.length === 0)) continue;
        if (counts.tables.length === 0) await write(rowsHeader(bsName, ctx.identity.BS?.serverId, gsName));
        counts.tables.push(t.table);
        await write(`\n-- ${describeTable(t, bound)}\n`);
        for await (const s of rowStatements(boundedRead(ctx, io.read, 'BS'), t.table, k)) {
          counts[s.verb === 'INSERT' ? 'inserts' : 'replaces'] += s.rows;
          await write(s.text);
        }
      }
      const whole = mine.filter((t) => !counts.tables.includes(t.table) && t.detail.kind !== 'rows');
      if (counts.tables.length && whole.length)
        await write(
          `\n-- Not listed row by row here (kept whole in bs-tables-<schema>.sql.gz when they cannot be compared by key):\n${whole.map((t) => `--   ${describeTable(t, bound)}\n`).join('')}`,
        );
      const text = counts.tables.length
        ? `Kept ${file} (${formatBytes(written)}): ${plural(counts.inserts, 'row')} only on BS (INSERT), ${counts.replaces} that differ (REPLACE), in ${counts.tables.join(', ')}; ${describeComparison(data)}`
        : mine.length
          ? `Compared (BS fenced and stopped): no row to list by key; ${mine.map((t) => t.table).join(', ')} differ otherwise; ${describeComparison(data)}`
          : `Compared (BS fenced and stopped): no row that GS lacks or holds otherwise; ${describeComparison(data)}`;
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
  const bsName = serverName(ctx, 'BS');
  const gsName = serverName(ctx, 'GS');
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
 * Step 2's backup, after STOP REPLICA: the data compared once (BS fenced and stopped) and the rows that differ written
 * out by key, the tables that cannot be compared by key dumped whole (named), BS's own events as replayable SQL, its
 * own accounts and objects; with --backup all, a dump of every schema instead of the comparison; with the physical
 * method, no data read at all (its datadir is kept whole). With --no-backup, a question first: overwrite it without a copy?
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
  const dir = join(backupRoot(ctx), `${backupName(ctx)}-${stamp}`);
  // A resumed step 2 keeps everything again, in a directory of its own.
  const record = (state: RecoveryState) => (state.backup?.dir === dir ? state.backup : (state.backup = { dir }));
  const dataAt = b?.dataAt ?? dataPlan(ctx);
  const actions: Action[] = [...(dataAt === 'step-2' ? [keepRowsAction(ctx, dir, record)] : []), ...keepExtrasActions(ctx, dir, record)];
  const events = b !== undefined && (b.own?.transactions ?? 0) > 0 && b.from !== undefined;
  const bsName = serverName(ctx, 'BS');
  const bsId = ctx.identity.BS?.serverId ?? 0;
  if (events) {
    const reader = await ctx.host.binlogReader();
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
        `-- from ${b.from!.file}:${b.from!.position} (where ${serverName(ctx, 'GS')} had applied BS's binary log up to) to the end of its binary log,`,
        `-- saved before the recovery overwrote BS with GS's data.`,
        '-- Replay on a scratch server (mariadb/mysql < this file) to reconcile; the ### lines spell out each row change.',
        '',
      ].join('\n'),
      capture: (o, state) => void (record(state).events = { file, transactions: o.transactions ?? 0 }),
    });
  }
  if (dataAt === 'datadir') return actions;
  const c = await ctx.clients();
  const dump = (databases: string[] | undefined, tables?: { schema: string; names: string[] }) =>
    dumpArgs(c, {
      optionFile: optionFileSlot('BS'),
      consistency: 'lock-all-tables',
      ...(databases ? { databases } : {}),
      ...(tables ? { tables } : {}),
      server: ctx.dialect.BS.version,
      purpose: 'backup',
    });
  if (dataAt === 'dump') {
    const schemas = await listUserSchemas(q(ctx, 'BS'));
    const file = join(dir, 'bs-data.sql.gz');
    if (schemas.length)
      actions.push({
        kind: 'export',
        role: 'BS',
        tool: 'dump-gzip',
        command: dumpCommand(c, dump(schemas)),
        file,
        note: 'BS’s data before the copy, every schema whole, not compared (--backup all; BS is fenced: its lock stalls no one)',
        capture: (o, state) => void (record(state).dump = { file, schemas, bytes: o.bytes, fileBytes: o.fileBytes ?? 0 }),
      });
    return actions;
  }
  // The tables that cannot be kept row by row, whole and named: one dump per schema (mysqldump db_name tbl_name …).
  const whole = await wholeTables(ctx);
  const bySchema = new Map<string, Array<{ table: string; why: string }>>();
  for (const t of whole) bySchema.set(schemaOf(t.table), [...(bySchema.get(schemaOf(t.table)) ?? []), t]);
  for (const [schema, tables] of bySchema) {
    const names = tables.map((t) => t.table.slice(schema.length + 1));
    const file = join(dir, `bs-tables-${fileSafe(schema)}.sql.gz`);
    actions.push({
      kind: 'export',
      role: 'BS',
      tool: 'dump-gzip',
      command: dumpCommand(c, dump(undefined, { schema, names })),
      file,
      note: `kept whole, as ${tables.length === 1 ? 'it cannot' : 'they cannot'} be compared by key: ${tables.map((t) => `${t.table} (${t.why})`).join(', ')}`,
      capture: (o, state) => void (record(state).tables ??= []).push({ file, schema, names, bytes: o.bytes, fileBytes: o.fileBytes ?? 0 }),
    });
  }
  return actions;
}

/**
 * After step 2's actions: everything BS would lose must be kept. A table where BS differs is kept if it was told apart
 * row by row and its rows are in bs-only-rows.sql (the copy then gives back the rest of it), or if it was dumped whole
 * (it cannot be compared by key, or --backup all). One that is neither (out of --compare-timeout, locked, created
 * after step 2 was planned) stops the run here, before anything is overwritten, with what was measured recorded, so
 * that --resume plans step 2 to keep that table whole. Returns why it stops.
 */
export function checkKeptEverything(ctx: RecoveryContext): { stop?: string; notes: string[] } {
  const b = ctx.state.bsOnly;
  const after = b?.afterFence;
  if (!b || !after || ctx.settings.backup === 'none') return { notes: [] };
  const dumped = new Set(ctx.state.backup?.dump?.schemas ?? []);
  const whole = new Set((ctx.state.backup?.tables ?? []).flatMap((t) => t.names.map((n) => `${t.schema}.${n}`)));
  const listed = new Set(ctx.state.backup?.rows?.tables ?? []);
  const missing = bsSideTables(after).filter((t) => !dumped.has(schemaOf(t.table)) && !whole.has(t.table) && !listed.has(t.table));
  if (!missing.length) return { notes: [] };
  b.data = after;
  b.afterFence = undefined;
  ctx.state.backup = undefined;
  return {
    notes: [],
    stop: `step 2 found what it could not keep by key: ${missing.map((t) => describeTable(t, after.boundSeconds)).join('; ')}; step 2 did not keep ${missing.length === 1 ? 'that table' : 'those tables'}`,
  };
}
