// Table-by-table comparison of two servers: the proof after recovery, what only BS holds before the copy (measured
// on the data, row by row where there is a primary key), and evidence in `status`.
import type { Row } from '../adapters/mysql/session.js';
import { ident, literal, stmt, type Statement } from '../dialect/statement.js';
import { isAtLeast, type ServerVersion } from '../dialect/version.js';
import { firstLine } from '../base/errors.js';

/** Runs one read-only statement somewhere (an executor bound to a role, or a session). */
export type Query = (s: Statement) => Promise<Row[]>;

/** Schemas that belong to the server itself, never compared. `mysql` differs by design (each server's own replica state). */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const systemList = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');

/** User tables, system-versioned ones too (MariaDB's TABLE_TYPE 'SYSTEM VERSIONED': their current rows; proof.ts compares their history). */
export async function listUserTables(q: Query): Promise<string[]> {
  const rows = await q(
    stmt(
      `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (${systemList}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    ),
  );
  return rows.map((r) => `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`);
}

export async function listUserSchemas(q: Query): Promise<string[]> {
  const rows = await q(stmt(`SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${systemList}) ORDER BY SCHEMA_NAME`));
  return rows.map((r) => String(r.SCHEMA_NAME));
}

/** A user table's size as information_schema estimates it (data and indexes), and its rows (an estimate too). */
export interface TableSize {
  table: string;
  bytes: number;
  rows: number;
}

/** Every user table's estimated size: what a comparison reads, what keeping it whole costs (metadata only, no data read). */
export async function tableSizes(q: Query): Promise<TableSize[]> {
  const rows = await q(
    stmt(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes, COALESCE(TABLE_ROWS, 0) AS n FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (${systemList}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    ),
  );
  return rows.map((r) => ({ table: `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`, bytes: Number(r.bytes), rows: Number(r.n) }));
}

/** Every user table's columns and primary key in two statements (information_schema), for tables that cannot be compared by key. */
export async function tableShapes(q: Query): Promise<Map<string, TableShape>> {
  const where = `TABLE_SCHEMA NOT IN (${systemList})`;
  const [cols, keys] = await Promise.all([
    q(
      stmt(
        `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS WHERE ${where} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      ),
    ),
    q(
      stmt(
        `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE ${where} AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
      ),
    ),
  ]);
  const out = new Map<string, TableShape>();
  const of = (r: Row) => {
    const t = `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`;
    if (!out.has(t)) out.set(t, { columns: [], key: [] });
    return out.get(t)!;
  };
  for (const c of cols)
    of(c).columns.push({
      name: String(c.COLUMN_NAME),
      type: String(c.DATA_TYPE).toLowerCase(),
      generated: /\b(VIRTUAL|STORED|PERSISTENT)\b/i.test(String(c.EXTRA ?? '')),
    });
  for (const k of keys) of(k).key.push(String(k.COLUMN_NAME));
  return out;
}

/**
 * The tables of the second side that cannot be compared with the first's by primary key, from metadata alone: only
 * on the second side, no primary key there, or columns that differ between the sides. Each with why.
 */
export async function tablesWithoutKeyComparison(first: Query, second: Query): Promise<Array<{ table: string; why: string }>> {
  const [tables, a, b] = await Promise.all([listUserTables(second), tableShapes(first), tableShapes(second)]);
  const out: Array<{ table: string; why: string }> = [];
  for (const t of tables) {
    const sb = b.get(t) ?? { columns: [], key: [] };
    const sa = a.get(t);
    if (!sa) out.push({ table: t, why: 'only on BS' });
    else if (!sameShape(sa, sb)) out.push({ table: t, why: 'its columns differ between GS and BS' });
    else if (sb.key.length === 0) out.push({ table: t, why: 'no primary key' });
  }
  return out;
}

/** Bytes of data and indexes outside the system schemas (or in `schemas` only), as information_schema estimates them. */
export async function dataSizeBytes(q: Query, schemas?: string[]): Promise<number> {
  const where = schemas
    ? `TABLE_SCHEMA IN (${schemas.map((x) => literal(x)).join(', ') || "''"})`
    : "TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', 'sys')";
  const rows = await q(stmt(`SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE ${where}`));
  return Number(rows[0]?.bytes ?? 0);
}

/** `schema`.`table` from "schema.table". */
export function quoteTable(name: string): string {
  const dot = name.indexOf('.');
  return `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
}

const CHECKSUM_BATCH = 10;

/**
 * CHECKSUM TABLE for many tables, in batches small enough that one statement stays well within --stall-timeout on
 * large tables; a table that does not exist checksums as null.
 */
export async function checksumTables(q: Query, tables: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < tables.length; i += CHECKSUM_BATCH) {
    const batch = tables.slice(i, i + CHECKSUM_BATCH);
    const rows = await q(stmt(`CHECKSUM TABLE ${batch.map(quoteTable).join(', ')}`));
    batch.forEach((t, k) => {
      const v = rows[k]?.Checksum;
      out.set(t, v === null || v === undefined ? null : String(v));
    });
  }
  return out;
}

export async function rowCount(q: Query, table: string): Promise<number> {
  const rows = await q(stmt(`SELECT COUNT(*) AS n FROM ${quoteTable(table)}`));
  return Number(rows[0]?.n ?? 0);
}

export interface TableComparison {
  compared: number;
  /** Tables whose checksums differ, or that exist on one side only. */
  mismatched: string[];
  onlyOnFirst: string[];
  onlyOnSecond: string[];
  /** Not compared (or not to the end) by the deadline (--verify-time): never counted as matching. */
  unverified: string[];
  /** The table the deadline cut short and the key it was compared up to: `mmrecover verify --resume --journal` goes on from there. */
  stoppedIn?: { table: string; after: Key };
  rowsRead: number;
  rowsEstimated: number;
}

/**
 * Compare every user table of two servers (the proof): chunk by chunk, in lockstep, no statement reading a whole table
 * that has a primary key. A table that could not be read counts as a mismatch, with why: never as equal.
 */
export async function compareTables(
  first: Query,
  second: Query,
  o: Pick<DataCompareOptions, 'signal' | 'progress' | 'chunkTimeMs' | 'deadline'> = {},
): Promise<TableComparison> {
  const d = await differingTables(first, second, o);
  const onlyOnFirst = d.differing.filter((x) => x.rows[1] === null).map((x) => x.table);
  const onlyOnSecond = d.differing.filter((x) => x.rows[0] === null).map((x) => x.table);
  const unread = d.notCompared.map((n) => `${n.table} (not compared: ${n.error})`);
  return {
    compared: d.compared,
    mismatched: [...d.differing.map((x) => x.table), ...unread].sort(),
    onlyOnFirst,
    onlyOnSecond,
    unverified: d.unverified,
    ...(d.stoppedIn ? { stoppedIn: d.stoppedIn } : {}),
    rowsRead: d.rowsRead,
    rowsEstimated: d.rowsEstimated,
  };
}

export function tablesOnBoth(a: string[], b: string[]): string[] {
  const setB = new Set(b);
  return a.filter((t) => setB.has(t));
}

/** How a table that differs compares row by row, by primary key (first and second: the servers as passed). */
export type RowDetail =
  /** Compared key by key: rows only on one side, rows on both whose contents differ. */
  | { kind: 'rows'; onlyOnFirst: number; onlyOnSecond: number; differ: number }
  /** The table exists on one side only. */
  | { kind: 'one-side' }
  /** No primary key: rows cannot be matched one to one. */
  | { kind: 'no-key' }
  /** The columns or the primary key differ between the two sides. */
  | { kind: 'columns' }
  /** Not compared row by row within the time bound. */
  | { kind: 'not-in-time' }
  /** The row-by-row comparison failed (the error, one line). */
  | { kind: 'failed'; error: string };

/** A table whose contents differ between two servers, with its row count on each (null: absent there). */
export interface DifferingTable {
  table: string;
  rows: [number | null, number | null];
  /** Present when the comparison went row by row (see DataCompareOptions.rowsWithinMs). */
  detail?: RowDetail;
}

/** A column as the comparison reads and writes it. */
export interface Column {
  name: string;
  /** information_schema DATA_TYPE, lower case. */
  type: string;
  /** Generated (virtual/stored): derived from the others, never written. */
  generated: boolean;
}

/** What a row-by-row comparison needs to know of a table. */
export interface TableShape {
  columns: Column[];
  /** The primary key's columns, in index order (empty: none). */
  key: string[];
}

/** A primary key's values, as the server returned them. */
export type Key = unknown[];

/** Keys of the rows only on the second side and of the rows on both whose contents differ (what the second side would lose). */
export interface SecondSideKeys {
  shape: TableShape;
  onlyOnSecond: Key[];
  differ: Key[];
}

export interface DataCompareOptions {
  /** Compare only these tables ("schema.table"). */
  only?: string[];
  /** Tell the tables that differ apart row by row, by primary key, until this many ms after the start (absent: no row detail). */
  rowsWithinMs?: number;
  /** Keep the keys of what the second side would lose (rows only there, rows that differ), to write those rows out. */
  keys?: boolean;
  signal?: AbortSignal;
  progress?: (text: string) => void;
  /** Aim of each chunk's statement, on the slower side (pt-table-checksum's --chunk-time); default CHUNK_TIME_MS. */
  chunkTimeMs?: number;
  /** Stop comparing at this time (epoch ms, --verify-time): the tables not compared by then are listed as not verified. */
  deadline?: number;
}

export interface DataComparison {
  /** Tables present on both sides (compared chunk by chunk, or by CHECKSUM TABLE when they have no usable key). */
  compared: number;
  differing: DifferingTable[];
  /** Tables present on both sides that could not be read (a lock held too long, an error), with why. */
  notCompared: Array<{ table: string; error: string }>;
  seconds: number;
  /** With `keys`: per table compared row by row. */
  keys?: Map<string, SecondSideKeys>;
  /** Rows of every table compared, on each side (null: absent there), counted by the same reads. */
  counts: Map<string, [number | null, number | null]>;
  /** Tables read whole in one statement (no primary key, or the two sides' columns differ): named, not hidden. */
  readWhole: string[];
  /** With a deadline: the tables on both sides not compared (or not to the end) when it came. */
  unverified: string[];
  /** The table the deadline cut short, and the key its chunks had been compared up to (inclusive): where to go on. */
  stoppedIn?: { table: string; after: Key };
  /** Rows read on the second side, and information_schema's estimate of all the compared tables' rows (for "x % verified"). */
  rowsRead: number;
  rowsEstimated: number;
}

/**
 * The one comparison of two servers' data, used by the recovery (what only BS holds, and what step 2 keeps of it) and
 * by `status` (the evidence when a direction is broken). Every user table (or `only`) by CHECKSUM TABLE, row counts
 * of those that differ; then, within `rowsWithinMs`, each table that differs row by row, smallest first: chunks of
 * primary-key ranges compared by count and sum of row CRC32s on both sides (reads, not a transfer), and only in a
 * chunk that differs each row's key and MD5, as pt-table-checksum/pt-table-sync do.
 */
export async function differingTables(first: Query, second: Query, o: DataCompareOptions = {}): Promise<DataComparison> {
  const started = Date.now();
  const [a, b] = await Promise.all([listUserTables(first), listUserTables(second)]);
  const keep = o.only ? new Set(o.only) : undefined;
  const [fa, fb] = keep ? [a.filter((t) => keep.has(t)), b.filter((t) => keep.has(t))] : [a, b];
  const both = tablesOnBoth(fa, fb);
  const [setA, setB] = [new Set(fa), new Set(fb)];
  const out: DataComparison = {
    compared: both.length,
    differing: [],
    notCompared: [],
    seconds: 0,
    counts: new Map(),
    readWhole: [],
    unverified: [],
    rowsRead: 0,
    rowsEstimated: 0,
  };
  const estimates = await rowEstimates(second);
  const walks = new Map<string, { shape: TableShape; walk: TableWalk }>();
  let done = 0;
  for (const table of both) {
    done++;
    out.rowsEstimated += estimates.get(table) ?? 0;
    if (o.deadline !== undefined && Date.now() > o.deadline) {
      out.unverified.push(table);
      continue;
    }
    try {
      const r = await compareTable(first, second, table, o, { index: done, of: both.length, estimate: estimates.get(table) });
      out.counts.set(table, r.rows);
      out.rowsRead += r.rows[1] ?? 0;
      if (r.kind === 'whole') out.readWhole.push(table);
      if (r.kind === 'unread') out.notCompared.push({ table, error: r.error });
      else if (r.differs) {
        out.differing.push({ table, rows: r.rows });
        if (r.kind === 'chunks') walks.set(table, { shape: r.shape, walk: r.walk });
      }
    } catch (err) {
      if (o.signal?.aborted) throw err;
      if (err instanceof OutOfTime) {
        // A chunk that differed before the deadline is a difference found, not a table left unverified.
        if (err.differed) out.notCompared.push({ table, error: 'a chunk differed before --verify-time ran out' });
        else {
          out.unverified.push(table);
          if (err.after) out.stoppedIn = { table, after: err.after };
        }
      } else out.notCompared.push({ table, error: unreadable(err) });
    }
  }
  out.compared -= out.unverified.length;
  // A table on one side only: its rows counted chunk by chunk too (no statement reads it whole when it has a key).
  for (const table of [...fa.filter((t) => !setB.has(t)), ...fb.filter((t) => !setA.has(t))].sort()) {
    try {
      const n = await countRows(setA.has(table) ? first : second, table, o);
      const rows: [number | null, number | null] = setA.has(table) ? [n, null] : [null, n];
      out.counts.set(table, rows);
      out.differing.push({ table, rows });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      out.notCompared.push({ table, error: firstLine(err) });
    }
  }
  out.differing.sort((x, y) => x.table.localeCompare(y.table));
  if (o.rowsWithinMs !== undefined) {
    const deadline = started + o.rowsWithinMs;
    if (o.keys) out.keys = new Map();
    // Smallest first: within the bound, as many tables as possible are told apart row by row.
    const order = [...out.differing].sort((x, y) => (x.rows[1] ?? x.rows[0] ?? 0) - (y.rows[1] ?? y.rows[0] ?? 0));
    for (const d of order) {
      if (d.rows[0] === null || d.rows[1] === null) {
        d.detail = { kind: 'one-side' };
        continue;
      }
      const w = walks.get(d.table);
      if (!w) {
        d.detail = await wholeTableDetail(first, second, d.table);
        continue;
      }
      try {
        const r = await compareRows(first, second, d.table, w.shape, w.walk, deadline, o);
        d.detail = r.detail;
        if (r.keys && out.keys) out.keys.set(d.table, r.keys);
      } catch (err) {
        if (o.signal?.aborted) throw err;
        d.detail = { kind: 'failed', error: firstLine(err) };
      }
    }
  }
  out.seconds = (Date.now() - started) / 1000;
  return out;
}

/** Why a table read whole cannot be told apart row by row. */
async function wholeTableDetail(first: Query, second: Query, table: string): Promise<RowDetail> {
  const [sa, sb] = await Promise.all([tableShape(first, table), tableShape(second, table)]);
  return sameShape(sa, sb) && sb.key.length > 0 ? { kind: 'failed', error: 'compared whole, not by key' } : { kind: sameShape(sa, sb) ? 'no-key' : 'columns' };
}

/** information_schema's estimate of each table's rows (for progress and an ETA only; never a measurement). */
async function rowEstimates(q: Query): Promise<Map<string, number>> {
  const rows = await q(
    stmt(
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (${systemList})`,
    ),
  ).catch(() => []);
  return new Map(rows.map((r) => [`${r.TABLE_SCHEMA}.${r.TABLE_NAME}`, Number(r.TABLE_ROWS ?? 0)]));
}

/** Why a table could not be read: a lock held by another session (ER_LOCK_WAIT_TIMEOUT 1205) said as such. */
const unreadable = (err: unknown) =>
  /lock wait timeout/i.test(firstLine(err)) ? `the table was locked by another session longer than the bound (${firstLine(err)})` : firstLine(err);

/**
 * Statements that wait at most `seconds` for a table's lock (LOCK TABLES, DDL, a backup's FTWRL on that server) and then
 * fail, instead of waiting for the server's lock_wait_timeout (a day by default): the comparison then says that table
 * was not compared. MariaDB bounds any statement (SET STATEMENT … FOR); MySQL 8.0.3+ a SELECT (the SET_VAR hint).
 */
export function lockBounded(q: Query, version: ServerVersion, seconds: number): Query {
  return (s) => {
    if (isAtLeast(version, 'mariadb', '10.1.2')) return q({ sql: `SET STATEMENT lock_wait_timeout=${seconds} FOR ${s.sql}`, shown: s.shown });
    if (isAtLeast(version, 'mysql', '8.0.3') && /^SELECT\s/i.test(s.sql))
      return q({ sql: s.sql.replace(/^SELECT\s/i, `SELECT /*+ SET_VAR(lock_wait_timeout=${seconds}) */ `), shown: s.shown });
    return q(s);
  };
}

/** Rows per chunk of key range: each chunk is one count-and-hash query per side; a chunk that differs is read key by key. */
export const CHUNK_ROWS = 10_000;

const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);

/** The table's columns and primary key, as information_schema tells them. */
export async function tableShape(q: Query, table: string): Promise<TableShape> {
  const [schema, name] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)];
  const where = `TABLE_SCHEMA = ${literal(schema)} AND TABLE_NAME = ${literal(name)}`;
  const [cols, key] = await Promise.all([
    q(stmt(`SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS WHERE ${where} ORDER BY ORDINAL_POSITION`)),
    q(stmt(`SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE ${where} AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`)),
  ]);
  return {
    columns: cols.map((c) => ({
      name: String(c.COLUMN_NAME),
      type: String(c.DATA_TYPE).toLowerCase(),
      generated: /\b(VIRTUAL|STORED|PERSISTENT)\b/i.test(String(c.EXTRA ?? '')),
    })),
    key: key.map((k) => String(k.COLUMN_NAME)),
  };
}

/** How a column is read to compare or keep it: a TIMESTAMP as seconds since the epoch (the sessions' time zones may differ). */
export function readExpr(c: Column): string {
  if (c.type === 'timestamp') return `UNIX_TIMESTAMP(${ident(c.name)})`;
  if (SPATIAL.has(c.type)) return `HEX(${ident(c.name)})`;
  if (c.type === 'json') return `CAST(${ident(c.name)} AS CHAR)`;
  return ident(c.name);
}

/** A value read with readExpr as SQL text that writes it back. */
export function writeValue(c: Column, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  // Seconds as an exact decimal literal (a quoted string would go through a double and could lose microseconds).
  if (c.type === 'timestamp') return Number(v) === 0 ? "'0000-00-00 00:00:00'" : `FROM_UNIXTIME(${/^\d+(\.\d+)?$/.test(String(v)) ? String(v) : sqlValue(v)})`;
  if (SPATIAL.has(c.type)) return `X'${String(v)}'`;
  return sqlValue(v);
}

/** A value as the server returned it, as SQL text. */
export function sqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return `X'${v.toString('hex')}'`;
  if (typeof v === 'object') return literal(JSON.stringify(v));
  return literal(String(v));
}

export const sameShape = (x: TableShape, y: TableShape) => JSON.stringify(x) === JSON.stringify(y);

/** Canonical text of a key, to match rows of the two sides. */
const keyText = (k: Key) => JSON.stringify(k.map((v) => (Buffer.isBuffer(v) ? `x'${v.toString('hex')}'` : v)));

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** The deadline (--verify-time) came. From a chunk walk: where it had got to, and whether a chunk had differed by then. */
class OutOfTime extends Error {
  constructor(
    readonly after?: Key,
    readonly differed = false,
  ) {
    super('out of time');
  }
}

/** Aim of one chunk statement, on the slower side: pt-table-checksum's --chunk-time default. */
export const CHUNK_TIME_MS = 500;

/** A key range compared as one chunk (count and sum of row CRC32s on each side). */
export interface ChunkRange {
  where: string;
  rows: [number, number];
  /** A single integer key: the range's ends (inclusive), to be split further by value, and whether either end is open. */
  from?: bigint;
  to?: bigint;
  open?: [boolean, boolean];
}

/** A table compared chunk by chunk: the rows on each side and the chunks that differ. */
export interface TableWalk {
  rows: [number, number];
  chunks: number;
  differing: ChunkRange[];
}

type TableResult =
  | { kind: 'chunks'; rows: [number, number]; differs: boolean; shape: TableShape; walk: TableWalk }
  | { kind: 'whole'; rows: [number | null, number | null]; differs: boolean }
  | { kind: 'unread'; rows: [null, null]; error: string };

interface WalkPosition {
  index: number;
  of: number;
  estimate?: number;
}

/**
 * One table on both sides. With the same columns and a primary key on both: chunk by chunk in lockstep (the same key
 * range on each side at once), each chunk sized by time. Otherwise read whole (CHECKSUM TABLE and COUNT(*)), and said.
 */
async function compareTable(first: Query, second: Query, table: string, o: DataCompareOptions, at: WalkPosition): Promise<TableResult> {
  const [sa, sb] = await Promise.all([tableShape(first, table), tableShape(second, table)]);
  if (sameShape(sa, sb) && sb.key.length > 0) {
    const walk = await walkTable([first, second], table, sb, o, at);
    return { kind: 'chunks', rows: walk.rows, differs: walk.differing.length > 0, shape: sb, walk };
  }
  o.progress?.(`${table} (${at.index}/${at.of}): read whole (${sb.key.length === 0 ? 'no primary key' : 'the two sides’ columns differ'})`);
  const [ca, cb] = await Promise.all([checksumTables(first, [table]), checksumTables(second, [table])]);
  const [x, y] = [ca.get(table), cb.get(table)];
  // MariaDB returns a NULL checksum, with a warning, when its lock wait times out: not compared, rather than "equal".
  if (x === null || x === undefined || y === null || y === undefined)
    return { kind: 'unread', rows: [null, null], error: 'CHECKSUM TABLE gave no checksum: the table was locked or could not be read' };
  const rows: [number, number] = await Promise.all([rowCount(first, table), rowCount(second, table)]);
  return { kind: 'whole', rows, differs: x !== y || rows[0] !== rows[1] };
}

/** A table on one side only: its rows, chunk by chunk when it has a key. */
async function countRows(q: Query, table: string, o: DataCompareOptions): Promise<number> {
  const shape = await tableShape(q, table);
  if (shape.key.length === 0) return rowCount(q, table);
  return (await walkTable([q], table, shape, o, { index: 1, of: 1 })).rows[0];
}

/** Lexicographic "key > v" (strict) or "key <= v" over the key's columns. */
export function keyBound(key: Column[], v: Key, op: '>' | '<='): string {
  const lit = (i: number) => writeValue(key[i], v[i]);
  // The stored column (an index range), against the value written back from what was read.
  const col = (i: number) => ident(key[i].name);
  if (key.length === 1) return `${col(0)} ${op} ${lit(0)}`;
  const terms: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const eq = key.slice(0, i).map((_c, j) => `${col(j)} = ${lit(j)}`);
    terms.push([...eq, `${col(i)} ${op === '>' ? '>' : '<'} ${lit(i)}`].join(' AND '));
  }
  if (op === '<=') terms.push(key.map((_c, j) => `${col(j)} = ${lit(j)}`).join(' AND '));
  return terms.map((t) => `(${t})`).join(' OR ');
}

/** Types whose one value can reach max_allowed_packet (16 MB on MariaDB by default): hashed on their own (MD5) before the
 *  row is joined, since a string function whose result would pass the server's max_allowed_packet returns NULL (with a
 *  warning): a 20 MB BLOB then checksummed as NULL on a server at 16 MB and as itself on one at 64 MB, "differing".
 *  https://mariadb.com/kb/en/server-system-variables/#max_allowed_packet */
const LARGE = new Set(['mediumblob', 'longblob', 'mediumtext', 'longtext', 'json']);

/** The row as one binary string: CONCAT_WS skips NULLs, so the NULL flags of every column go in too. */
export function rowText(shape: TableShape): string {
  const cols = shape.columns.filter((c) => !c.generated);
  const value = (c: Column) => (LARGE.has(c.type) ? `MD5(${readExpr(c)})` : `CAST(${readExpr(c)} AS BINARY)`);
  return `CONCAT_WS('#', ${cols.map(value).join(', ')}, CONCAT(${cols.map((c) => `ISNULL(${ident(c.name)})`).join(', ')}))`;
}

export const keyColumns = (shape: TableShape) => {
  const byName = new Map(shape.columns.map((c) => [c.name, c]));
  return shape.key.map((k) => byName.get(k)!);
};

/**
 * A chunk's count and checksum: the SUM of its rows' CRC32s, not their BIT_XOR (pt-table-checksum's). CRC32 is affine
 * over XOR, so two rows of the same length changed the same way (amount + 1 on two orders) change their CRC32s by the
 * same XOR and cancel out of a BIT_XOR: a chunk holding both read as equal, and two of five differing rows among 1M were
 * missed whenever the chunk sizes put them together. An integer sum does not cancel so. (MD5 per row would, too, at 3×
 * the cost of the read.) The sum is a DECIMAL, exact.
 */
export const chunkHash = (row: string) => `COUNT(*) AS n, SUM(CRC32(${row})) AS h`;

/** The next chunk's size from the last one's time: toward the aim, at most 4 times larger at once (pt-table-checksum adjusts the same way). */
function nextSize(size: number, ms: number, aim: number, max: number): number {
  const scaled = Math.floor((size * aim) / Math.max(ms, 1));
  return Math.max(1, Math.min(max, size * 4, scaled));
}

/** One chunk as walkChunks hands it over: its WHERE, its ends (null: open), and whether it is the table's last. */
export interface ChunkVisit {
  where: string;
  /** The key values the chunk starts at (inclusive) and ends at (inclusive); null where the range is open. */
  lower: Key | null;
  upper: Key | null;
  last: boolean;
  /** A single integer key: the range's ends for splitting it further by value (see ChunkRange). */
  bounds: Pick<ChunkRange, 'from' | 'to' | 'open'>;
}

export interface WalkChunksOptions {
  chunkTimeMs?: number;
  signal?: AbortSignal;
  /**
   * A single integer key: the last chunk ends at the largest key seen on any side at the start instead of being open,
   * so rows inserted past it while the walk runs (an auto-increment writer) are outside the walk (verify on live servers).
   */
  closedEnd?: boolean;
  /** Continue past this key (the upper end of the last chunk already walked): the first chunk starts after it. */
  after?: Key;
  /** Every chunk this many rows (key values, for a single integer key), never resized: pt-table-checksum's --chunk-size. */
  chunkRows?: number;
}

/**
 * Walk a table by primary key in chunks sized by time, every side given at once (the same range each time), each
 * chunk handed to `visit`, which returns how long its statement took (the next chunk is sized from it). A single
 * integer key is chunked by value (BETWEEN, no boundary to look up); any other key by boundaries read on the last side
 * (its n-th key past the last chunk), the last range open so that rows past that side's last key count too. The first
 * and last chunks are open-ended (unless closedEnd), so rows written past the ends seen at the start are still counted.
 */
export async function walkChunks(
  sides: Query[],
  table: string,
  shape: TableShape,
  o: WalkChunksOptions,
  visit: (c: ChunkVisit) => Promise<number>,
): Promise<void> {
  const aim = o.chunkTimeMs ?? CHUNK_TIME_MS;
  const key = keyColumns(shape);
  const t = quoteTable(table);
  if (key.length === 1 && INTEGER_TYPES.has(key[0].type)) {
    const k = ident(key[0].name);
    const ends = await Promise.all(sides.map((q) => q(stmt(`SELECT MIN(${k}) AS lo, MAX(${k}) AS hi FROM ${t}`))));
    const seen = ends.map((r) => r[0]).filter((r) => r && r.lo !== null && r.lo !== undefined);
    const resumeFrom = o.after !== undefined ? BigInt(String(o.after[0])) + 1n : undefined;
    if (seen.length === 0) {
      const where = resumeFrom === undefined ? '1 = 1' : `${k} >= ${resumeFrom}`;
      await visit({ where, lower: resumeFrom === undefined ? null : [String(resumeFrom)], upper: null, last: true, bounds: {} });
      return;
    }
    const lo = seen.map((r) => BigInt(String(r!.lo))).reduce((x, y) => (y < x ? y : x));
    const hi = seen.map((r) => BigInt(String(r!.hi))).reduce((x, y) => (y > x ? y : x));
    let width = BigInt(o.chunkRows ?? 1000);
    for (let from = resumeFrom ?? lo; ;) {
      const to = from + width - 1n;
      const last = to >= hi;
      const openLow = resumeFrom === undefined && from === lo;
      const openHigh = last && !o.closedEnd;
      const where = [openLow ? '' : `${k} >= ${from}`, openHigh ? '' : `${k} <= ${last ? hi : to}`].filter(Boolean).join(' AND ') || '1 = 1';
      const ms = await visit({
        where,
        lower: openLow ? null : [String(from)],
        upper: openHigh ? null : [String(last ? hi : to)],
        last,
        bounds: { from, to: last ? hi : to, open: [openLow, openHigh] },
      });
      if (last) return;
      from = to + 1n;
      if (!o.chunkRows) width = BigInt(nextSize(Number(width), ms, aim, 2 ** 52));
    }
  }
  const keySelect = key.map((c, i) => `${readExpr(c)} AS k${i}`).join(', ');
  const keyOrder = key.map((c) => ident(c.name)).join(', ');
  let rows = o.chunkRows ?? 1000;
  let lower: Key | undefined = o.after;
  for (;;) {
    const after = lower ? keyBound(key, lower, '>') : '';
    const next = stmt(`SELECT ${keySelect} FROM ${t}${after ? ` WHERE ${after}` : ''} ORDER BY ${keyOrder} LIMIT 1 OFFSET ${rows - 1}`);
    const began = Date.now();
    const boundary = (await sides[sides.length - 1](next))[0];
    const upper = boundary ? key.map((_c, i) => boundary[`k${i}`]) : undefined;
    const range =
      [after, upper ? keyBound(key, upper, '<=') : '']
        .filter(Boolean)
        .map((x) => `(${x})`)
        .join(' AND ') || '1 = 1';
    const ms = (await visit({ where: range, lower: lower ?? null, upper: upper ?? null, last: !upper, bounds: {} })) + (Date.now() - began);
    if (!upper) return;
    lower = upper;
    if (!o.chunkRows) rows = nextSize(rows, ms, aim, 10_000_000);
  }
}

/** walkChunks comparing each chunk's count and sum of row CRC32s (chunkHash) on every side. */
async function walkTable(sides: Query[], table: string, shape: TableShape, o: DataCompareOptions, at: WalkPosition): Promise<TableWalk> {
  const t = quoteTable(table);
  const hash = chunkHash(rowText(shape));
  const walk: TableWalk = { rows: [0, 0], chunks: 0, differing: [] };
  const startedAt = Date.now();
  let upTo: Key | undefined;
  await walkChunks(sides, table, shape, o, async (c) => {
    if (o.signal?.aborted) throw new Error('interrupted');
    if (o.deadline !== undefined && Date.now() > o.deadline) throw new OutOfTime(upTo, walk.differing.length > 0);
    const began = Date.now();
    const res = await Promise.all(sides.map((q) => q(stmt(`SELECT ${hash} FROM ${t} FORCE INDEX (PRIMARY) WHERE ${c.where}`))));
    const ms = Date.now() - began;
    const counts = res.map((r) => Number(r[0]?.n ?? 0));
    walk.chunks++;
    walk.rows = [counts[0], counts[counts.length - 1]].map((n, i) => walk.rows[i] + n) as [number, number];
    if (sides.length === 2 && (counts[0] !== counts[1] || String(res[0][0]?.h ?? 0) !== String(res[1][0]?.h ?? 0)))
      walk.differing.push({ where: c.where, rows: [counts[0], counts[1]], ...c.bounds });
    reportWalk(o, table, at, walk.rows[sides.length - 1], Date.now() - startedAt);
    upTo = c.upper ?? undefined;
    return ms;
  });
  return walk;
}

/** "shop.orders (3/12): 1.2M of ~4M rows compared, chunk by chunk, ETA 40s" */
function reportWalk(o: DataCompareOptions, table: string, at: WalkPosition, rows: number, ms: number): void {
  if (!o.progress) return;
  const est = at.estimate && at.estimate > rows ? at.estimate : undefined;
  const eta = est && rows > 0 ? `, ETA ${Math.ceil(((est - rows) * ms) / rows / 1000)}s` : '';
  o.progress(`${table} (${at.index}/${at.of}): ${rows}${est ? ` of ~${est}` : ''} rows compared, chunk by chunk${eta}`);
}

/**
 * Tell a table that differs apart row by row, within its differing chunks only: each row's key and MD5 of the chunk
 * from both sides, matched here, as pt-table-sync does. A chunk is sized to --chunk-time, so this is bounded too.
 */
async function compareRows(
  first: Query,
  second: Query,
  table: string,
  shape: TableShape,
  walk: TableWalk,
  deadline: number,
  o: DataCompareOptions,
): Promise<{ detail: RowDetail; keys?: SecondSideKeys }> {
  const key = keyColumns(shape);
  const t = quoteTable(table);
  const row = rowText(shape);
  const keyOf = (r: Row) => key.map((_c, i) => r[`k${i}`]);
  const keySelect = key.map((c, i) => `${readExpr(c)} AS k${i}`).join(', ');
  const counts = { onlyOnFirst: 0, onlyOnSecond: 0, differ: 0 };
  const keys: SecondSideKeys | undefined = o.keys ? { shape, onlyOnSecond: [], differ: [] } : undefined;
  const total = walk.differing.reduce((n, c) => n + Math.max(c.rows[0], c.rows[1]), 0);
  let done = 0;
  const step = () => {
    if (o.signal?.aborted) throw new Error('interrupted');
    if (Date.now() > deadline) throw new OutOfTime();
  };
  const progress = (n: number) => {
    done += n;
    o.progress?.(`${table}: ${done} of ${total} rows in differing chunks compared row by row`);
  };
  /** Every row of a range that differs: keys and MD5s from both sides, matched here. */
  const diffRows = async (range: string) => {
    step();
    const rowsOf = stmt(`SELECT ${keySelect}, MD5(${row}) AS h FROM ${t} WHERE ${range}`);
    const [ra, rb] = await Promise.all([first(rowsOf), second(rowsOf)]);
    const onFirst = new Map(ra.map((r) => [keyText(keyOf(r)), String(r.h)]));
    for (const r of rb) {
      const k = keyOf(r);
      const text = keyText(k);
      const h = onFirst.get(text);
      if (h === undefined) {
        counts.onlyOnSecond++;
        keys?.onlyOnSecond.push(k);
      } else {
        onFirst.delete(text);
        if (h !== String(r.h)) {
          counts.differ++;
          keys?.differ.push(k);
        }
      }
    }
    counts.onlyOnFirst += onFirst.size;
  };
  try {
    for (const c of walk.differing) {
      await diffRows(c.where);
      progress(Math.max(c.rows[0], c.rows[1]));
    }
    return { detail: { kind: 'rows', ...counts }, keys };
  } catch (err) {
    if (err instanceof OutOfTime) return { detail: { kind: 'not-in-time' } };
    throw err;
  }
}

class EnoughChunks extends Error {}

/**
 * The comparison's rate measured rather than stated (issue 26): the first chunks of the largest table with a primary
 * key, read side by side on every side with the comparison's own statement, for about `budgetMs` (at most 4 chunks).
 * Bytes per row from information_schema (the size the estimate uses). Undefined when nothing could be measured.
 */
export async function measureCompareRate(
  sides: Query[],
  sizes: TableSize[],
  o: { chunkTimeMs?: number; budgetMs?: number } = {},
): Promise<{ table: string; bytesPerSecond: number; rows: number; ms: number } | undefined> {
  const largest = [...sizes].filter((s) => s.rows > 0 && s.bytes > 0).sort((x, y) => y.bytes - x.bytes);
  for (const size of largest.slice(0, 3)) {
    const shape = await tableShape(sides[0], size.table);
    if (keyColumns(shape).length === 0) continue;
    const t = quoteTable(size.table);
    const hash = chunkHash(rowText(shape));
    const budget = o.budgetMs ?? 2 * (o.chunkTimeMs ?? CHUNK_TIME_MS);
    let [rows, ms, chunks] = [0, 0, 0];
    await walkChunks(sides, size.table, shape, { chunkTimeMs: o.chunkTimeMs }, async (c) => {
      // performance.now(): a small chunk on one idle server answers within a millisecond, which Date.now() reads as 0.
      const began = performance.now();
      const res = await Promise.all(sides.map((q) => q(stmt(`SELECT ${hash} FROM ${t} FORCE INDEX (PRIMARY) WHERE ${c.where}`))));
      const took = performance.now() - began;
      rows += Math.max(...res.map((r) => Number(r[0]?.n ?? 0)));
      ms += took;
      chunks++;
      if (ms >= budget || chunks >= 4) throw new EnoughChunks();
      return took;
    }).catch((err: unknown) => {
      if (!(err instanceof EnoughChunks)) throw err;
    });
    if (rows === 0 || ms === 0) continue;
    return { table: size.table, bytesPerSecond: ((rows * size.bytes) / size.rows / ms) * 1000, rows, ms: Math.round(ms) };
  }
  return undefined;
}
