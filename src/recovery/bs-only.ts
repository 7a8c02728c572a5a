// Nothing is lost without the operator knowing: before step 4 overwrites BS, measure what BS holds that GS does not
// (its own binary log events GS never executed, the row its replication stopped on, tables that differ), say so in
// plain words, and keep a copy: the events as replayable SQL and a gzip'd dump of the schemas concerned.
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ownEventsArgs, readOwnEvents, type OwnEvents } from '../adapters/shell/binlog-reader.js';
import { findBinlogReader } from '../adapters/shell/clients.js';
import { dumpArgs } from '../adapters/shell/dump-args.js';
import { parseReplicaStatus, type Coordinates } from '../adapters/mysql/replication.js';
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { endpointFor } from '../config/endpoints.js';
import { ident, literal, stmt } from '../dialect/statement.js';
import { optionFileArg, optionFileSlot, type Action } from './actions.js';
import type { RecoveryContext } from './context.js';
import type { BackupRecord, BsOnly } from './state.js';

export type { BackupRecord, BsOnly };
import { dataSizeBytes, differingTables, listUserSchemas, type Query } from './compare.js';
import { formatBytes } from '../base/format.js';

const q =
  (ctx: RecoveryContext, role: 'GS' | 'BS'): Query =>
  (s) =>
    ctx.read(role, s);

const schemaOf = (table: string) => table.slice(0, table.indexOf('.'));

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

/** Is there anything on BS that GS does not have? */
export function hasBsOnly(b: BsOnly): boolean {
  if (b.conflict) return true;
  if (b.from) return (b.own?.transactions ?? 0) > 0;
  return b.differing.length > 0; // the log cannot tell: any difference might be BS's
}

/** One sentence for the plan, the question before the copy and the journal. */
export function describeBsOnly(b: BsOnly): string {
  if (!hasBsOnly(b)) return b.from ? 'nothing only on BS (it wrote nothing of its own since GS last applied from it)' : 'nothing only on BS';
  const parts: string[] = [];
  const o = b.own;
  if (o && o.transactions > 0)
    parts.push(
      `BS has ${o.transactions} transaction(s)${o.tables.length ? describeOwnEvents(o) : `${describeOwnEvents(o)} on no table rows (statements only)`} that GS does not have`,
    );
  if (b.conflict) {
    const row = b.conflict.row
      ? `: ${Object.entries(b.conflict.row)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')}`
      : '';
    parts.push(`BS stopped replicating on error ${b.conflict.errno}${b.conflict.table ? ` on ${b.conflict.table}` : ''}, a row GS does not have${row}`);
  }
  if (!b.from && b.differing.length)
    parts.push(
      `the binary log cannot tell what is BS's own; tables that differ: ${b.differing.map((d) => `${d.table} (GS ${d.gsRows} rows, BS ${d.bsRows})`).join(', ')}`,
    );
  else if (b.differing.length) parts.push(`tables that differ now: ${b.differing.map((d) => `${d.table} (GS ${d.gsRows} rows, BS ${d.bsRows})`).join(', ')}`);
  return `${parts.join('; ')}. They will be overwritten by the copy`;
}

/** A few words for a question (the plan lines above it carry the full sentence). */
export function compactBsOnly(b: BsOnly): string {
  const parts: string[] = [];
  const list = (tables: string[]) => (tables.length > 3 ? `${tables.slice(0, 3).join(', ')} and ${tables.length - 3} more` : tables.join(', '));
  if (b.own && b.own.transactions > 0) parts.push(`${b.own.transactions} BS-only transaction(s)${b.own.tables.length ? ` on ${list(b.own.tables)}` : ''}`);
  if (b.conflict) parts.push(`the row BS's replication stopped on${b.conflict.table ? ` (${b.conflict.table})` : ''}`);
  if (!b.from && b.differing.length) parts.push(`${b.differing.length} table(s) that differ`);
  return parts.join(' and ');
}

/** Where GS's replication from BS had got to, in BS's binary log, if GS replicates from BS at all. */
async function gsPositionInBsLog(ctx: RecoveryContext): Promise<Coordinates | undefined> {
  const r = parseReplicaStatus(await ctx.read('GS', ctx.dialect.GS.showReplicaStatus()), ctx.dialect.GS);
  if (!r.configured || !r.execFile) return undefined;
  const bsId = ctx.identity.BS!.serverId;
  const a = ctx.settings.badAddress;
  const pointsAtBs = r.sourceServerId === bsId || (r.sourceServerId === 0 && r.sourcePort === a.port);
  return pointsAtBs ? { file: r.execFile, position: r.execPos } : undefined;
}

/** The row a duplicate-key error names, read from BS (single-column primary keys only). */
async function conflictRow(ctx: RecoveryContext, table: string, key: string): Promise<Record<string, unknown> | undefined> {
  const [schema, name] = [schemaOf(table), table.slice(table.indexOf('.') + 1)];
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

/** Measure what only BS holds (read-only: SELECTs, SHOW, and the binlog reader). */
export async function measureBsOnly(ctx: RecoveryContext): Promise<BsOnly> {
  const out: BsOnly = { differing: [], schemas: [] };
  out.from = await gsPositionInBsLog(ctx);
  if (out.from) {
    out.own = await ownEventsSince(endpointFor(ctx.settings, 'BS'), out.from, ctx.identity.BS!.serverId, ctx.signal);
  }
  const bsRepl = parseReplicaStatus(await ctx.read('BS', ctx.dialect.BS.showReplicaStatus()), ctx.dialect.BS);
  if (bsRepl.lastSqlErrno === 1062 || bsRepl.lastSqlErrno === 1032) {
    const table = /on table ([^\s;,]+)/i.exec(bsRepl.lastSqlError)?.[1];
    const key = /Duplicate entry '((?:[^'\\]|\\.)*)' for key '(?:PRIMARY|[^']*\.PRIMARY)'/.exec(bsRepl.lastSqlError)?.[1];
    out.conflict = { errno: bsRepl.lastSqlErrno, error: bsRepl.lastSqlError, table };
    if (table && key !== undefined && bsRepl.lastSqlErrno === 1062) out.conflict.row = await conflictRow(ctx, table, key).catch(() => undefined);
  }
  // Compare what the events touched (or everything, when the log cannot tell).
  const candidates = out.from ? [...new Set([...(out.own?.tables ?? []), ...(out.conflict?.table ? [out.conflict.table] : [])])] : undefined;
  const { differing } = await differingTables(q(ctx, 'GS'), q(ctx, 'BS'), { only: candidates });
  // A table only GS has is not BS's to keep; one only BS has is.
  out.differing = differing.filter((d) => d.rows[1] !== null).map((d) => ({ table: d.table, gsRows: d.rows[0] ?? 0, bsRows: d.rows[1]! }));
  out.schemas = [
    ...new Set([...(out.own?.tables ?? []), ...(out.conflict?.table ? [out.conflict.table] : []), ...out.differing.map((d) => d.table)].map(schemaOf)),
  ].sort();
  return out;
}

/** The directory a run keeps its backups in: --backup-dir, or beside the journal. */
export function backupRoot(ctx: RecoveryContext): string {
  return ctx.settings.backupDir ?? join(dirname(ctx.journalPath ?? '.'), 'backups');
}

async function schemasToKeep(ctx: RecoveryContext, b: BsOnly): Promise<string[]> {
  if (ctx.settings.backup === 'all') return listUserSchemas(q(ctx, 'BS'));
  return hasBsOnly(b) ? b.schemas : [];
}

/** Preflight lines: what only BS holds, and whether the backup fits. */
export async function bsOnlyChecks(ctx: RecoveryContext, add: (v: 'ok' | 'warn' | 'stop', check: string, detail: string) => void): Promise<void> {
  const b = (ctx.state.bsOnly = await measureBsOnly(ctx));
  add(hasBsOnly(b) ? 'warn' : 'ok', 'only on BS', describeBsOnly(b));
  if (ctx.settings.backup === 'none') {
    if (hasBsOnly(b)) add('warn', 'backup', '--no-backup: what only BS holds will NOT be kept (you will be asked to confirm)');
    return;
  }
  const schemas = await schemasToKeep(ctx, b);
  const events = (b.own?.transactions ?? 0) > 0;
  if (!schemas.length && !events) return add('ok', 'backup', 'nothing to keep');
  if (events && !(await findBinlogReader().catch(() => undefined)))
    add('stop', 'backup', 'the binlog reader (mariadb-binlog or mysqlbinlog) is not installed, so BS’s own events cannot be exported');
  const need = (schemas.length ? await dataSizeBytes(q(ctx, 'BS'), schemas) : 0) + 1024 * 1024;
  const root = backupRoot(ctx);
  const free = await freeBytes(root);
  if (free !== undefined && free < need) {
    add(
      'stop',
      'backup space',
      `the backup needs up to ${formatBytes(need)} in ${root}, only ${formatBytes(free)} is free: free some space, choose --backup-dir, or run with --no-backup`,
    );
  } else
    add(
      'ok',
      'backup',
      `${events ? `BS’s ${b.own!.transactions} own transaction(s) and ` : ''}${schemas.length ? `schemas ${schemas.join(', ')}` : ''} → ${root} (${free === undefined ? 'free space unknown' : `${formatBytes(free)} free`})`,
    );
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

/**
 * Step 2's backup, after STOP REPLICA: BS's own events as replayable SQL and a gzip'd dump of the schemas concerned
 * (BS is fenced: the dump's lock stalls no one). With --no-backup, a question first: overwrite it without a copy?
 */
export async function backupActions(ctx: RecoveryContext): Promise<Action[]> {
  const b = ctx.state.bsOnly;
  if (ctx.state.backup || !b) return []; // kept by an earlier run of this journal, or nothing measured (servers down)
  if (ctx.settings.backup === 'none') {
    if (!hasBsOnly(b)) return [];
    return [
      {
        kind: 'ask',
        role: 'BS',
        question: `${describeBsOnly(b)}. Overwrite it without keeping a copy (--no-backup)? It cannot be recovered later.`,
        onYes: (state) => void (state.backup = { skipped: true }),
      },
    ];
  }
  const schemas = await schemasToKeep(ctx, b);
  const events = (b.own?.transactions ?? 0) > 0 && b.from !== undefined;
  if (!schemas.length && !events) return [];
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const dir = join(backupRoot(ctx), `${ctx.settings.bad.host}_${ctx.settings.bad.port}-${stamp}`);
  const record = (state: RecoveryContext['state']) => (state.backup ??= { dir });
  const bsName = `BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}`;
  const bsId = ctx.identity.BS?.serverId ?? 0;
  const actions: Action[] = [];
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
        args: dumpArgs(c, { optionFile: optionFileSlot('BS'), consistency: 'lock-all-tables', databases: schemas }),
      },
      file,
      note: 'BS’s data before the copy (BS is fenced: its lock stalls no one)',
      capture: (o, state) => void (record(state).dump = { file, schemas, bytes: o.bytes, fileBytes: o.fileBytes ?? 0 }),
    });
  }
  return actions;
}
