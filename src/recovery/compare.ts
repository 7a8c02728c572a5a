// Table-by-table comparison of two servers: the proof after recovery, what only BS holds before the copy (measured
// on the data, row by row where there is a primary key), and evidence in `status`.
import type { Row } from '../adapters/mysql/session.js';
import { ident, literal, stmt, type Statement } from '../dialect/statement.js';
import { isAtLeast, type ServerVersion } from '../dialect/version.js';

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
}

/** Compare every user table of two servers by CHECKSUM TABLE. */
export async function compareTables(first: Query, second: Query): Promise<TableComparison> {
  const [a, b] = await Promise.all([listUserTables(first), listUserTables(second)]);
  const both = tablesOnBoth(a, b);
  const [ca, cb] = await Promise.all([checksumTables(first, both), checksumTables(second, both)]);
  return diffChecksums(a, b, ca, cb);
}

export function tablesOnBoth(a: string[], b: string[]): string[] {
  const setB = new Set(b);
  return a.filter((t) => setB.has(t));
}

/** The comparison of two table lists and their checksums (taken however the caller needed them to be consistent). */
export function diffChecksums(a: string[], b: string[], ca: Map<string, string | null>, cb: Map<string, string | null>): TableComparison {
  const setA = new Set(a);
  const setB = new Set(b);
  const both = a.filter((t) => setB.has(t));
  const onlyOnFirst = a.filter((t) => !setB.has(t));
  const onlyOnSecond = b.filter((t) => !setA.has(t));
  const differing = both.filter((t) => ca.get(t) !== cb.get(t));
  return { compared: both.length, mismatched: [...differing, ...onlyOnFirst, ...onlyOnSecond].sort(), onlyOnFirst, onlyOnSecond };
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
}

export interface DataComparison {
  /** Tables present on both sides (compared by CHECKSUM TABLE). */
  compared: number;
  differing: DifferingTable[];
  /** Tables present on both sides that could not be read (a lock held too long, an error), with why. */
  notCompared: Array<{ table: string; error: string }>;
  seconds: number;
  /** With `keys`: per table compared row by row. */
  keys?: Map<string, SecondSideKeys>;
}

/**
 * The one comparison of two servers' data, used by the recovery (what only BS holds, and what step 2 keeps of it) and
 * by `status` (the evidence when a direction is broken). Every user table (or `only`) by CHECKSUM TABLE, row counts
 * of those that differ; then, within `rowsWithinMs`, each table that differs row by row, smallest first: chunks of
 * primary-key ranges compared by count and BIT_XOR of row CRC32s on both sides (reads, not a transfer), and only in a
 * chunk that differs each row's key and MD5, as pt-table-checksum/pt-table-sync do.
 */
export async function differingTables(first: Query, second: Query, o: DataCompareOptions = {}): Promise<DataComparison> {
  const started = Date.now();
  const [a, b] = await Promise.all([listUserTables(first), listUserTables(second)]);
  const keep = o.only ? new Set(o.only) : undefined;
  const [fa, fb] = keep ? [a.filter((t) => keep.has(t)), b.filter((t) => keep.has(t))] : [a, b];
  const both = tablesOnBoth(fa, fb);
  const [ca, cb] = await Promise.all([checksumEach(first, both), checksumEach(second, both)]);
  const notCompared = both.filter((t) => ca.failed.has(t) || cb.failed.has(t)).map((t) => ({ table: t, error: (ca.failed.get(t) ?? cb.failed.get(t))! }));
  const unread = new Set(notCompared.map((n) => n.table));
  const cmp = diffChecksums(
    fa.filter((t) => !unread.has(t)),
    fb.filter((t) => !unread.has(t)),
    ca.sums,
    cb.sums,
  );
  const [setA, setB] = [new Set(fa), new Set(fb)];
  const differing: DifferingTable[] = [];
  for (const table of cmp.mismatched) {
    try {
      differing.push({
        table,
        rows: await Promise.all([setA.has(table) ? rowCount(first, table) : null, setB.has(table) ? rowCount(second, table) : null]),
      });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      notCompared.push({ table, error: firstLine(err) });
    }
  }
  const out: DataComparison = { compared: cmp.compared, differing, notCompared, seconds: 0 };
  if (o.rowsWithinMs !== undefined) {
    const deadline = started + o.rowsWithinMs;
    if (o.keys) out.keys = new Map();
    // Smallest first: within the bound, as many tables as possible are told apart row by row.
    const order = [...differing].sort((x, y) => (x.rows[1] ?? x.rows[0] ?? 0) - (y.rows[1] ?? y.rows[0] ?? 0));
    for (const d of order) {
      if (d.rows[0] === null || d.rows[1] === null) {
        d.detail = { kind: 'one-side' };
        continue;
      }
      try {
        const r = await compareRows(first, second, d.table, Math.max(d.rows[0], d.rows[1]), deadline, o);
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

const firstLine = (err: unknown) => String((err as Error).message ?? err).split('\n')[0];

/** CHECKSUM TABLE in batches; a batch that fails is taken again table by table, and a table that still fails is named, with why. */
async function checksumEach(q: Query, tables: string[]): Promise<{ sums: Map<string, string | null>; failed: Map<string, string> }> {
  const sums = new Map<string, string | null>();
  const failed = new Map<string, string>();
  for (let i = 0; i < tables.length; i += 50) {
    const batch = tables.slice(i, i + 50);
    try {
      for (const [t, v] of await checksumTables(q, batch)) sums.set(t, v);
    } catch {
      for (const t of batch)
        await checksumTables(q, [t]).then(
          (m) => sums.set(t, m.get(t) ?? null),
          (err: unknown) => failed.set(t, firstLine(err)),
        );
    }
  }
  // A table that exists yet checksums as NULL could not be read (MariaDB returns NULL, with a warning, when its lock
  // wait times out): not compared, rather than "equal" to another NULL.
  for (const [t, v] of sums) if (v === null && !failed.has(t)) failed.set(t, 'CHECKSUM TABLE gave no checksum: the table was locked or could not be read');
  return { sums, failed };
}

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

const sameShape = (x: TableShape, y: TableShape) => JSON.stringify(x) === JSON.stringify(y);

/** Lexicographic "key > v" (strict) or "key <= v" over the key's columns. */
function keyBound(key: Column[], v: Key, op: '>' | '<='): string {
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

/** Canonical text of a key, to match rows of the two sides. */
const keyText = (k: Key) => JSON.stringify(k.map((v) => (Buffer.isBuffer(v) ? `x'${v.toString('hex')}'` : v)));

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

class OutOfTime extends Error {}

/**
 * Compare one table row by row (see differingTables): chunks of key ranges compared by count and hash on both sides,
 * and only in a chunk that differs each row's key and MD5. A single integer key is chunked by value, all chunks of a
 * range in one GROUP BY per side (a range that differs is chunked again, down to CHUNK_ROWS); any other key by
 * boundaries read on the second side (every CHUNK_ROWS-th key), the last range open so that rows beyond the second
 * side's last key count too.
 */
async function compareRows(
  first: Query,
  second: Query,
  table: string,
  /** Rows on the side that has more. */
  total: number,
  deadline: number,
  o: DataCompareOptions,
): Promise<{ detail: RowDetail; keys?: SecondSideKeys }> {
  const [sa, sb] = await Promise.all([tableShape(first, table), tableShape(second, table)]);
  if (!sameShape(sa, sb)) return { detail: { kind: 'columns' } };
  if (sb.key.length === 0) return { detail: { kind: 'no-key' } };
  const byName = new Map(sb.columns.map((c) => [c.name, c]));
  const key = sb.key.map((k) => byName.get(k)!);
  const cols = sb.columns.filter((c) => !c.generated);
  const t = quoteTable(table);
  // CONCAT_WS skips NULLs: the NULL flags of every column go in too; binary, so that no collation mix can fail.
  const row = `CONCAT_WS('#', ${cols.map((c) => `CAST(${readExpr(c)} AS BINARY)`).join(', ')}, CONCAT(${cols.map((c) => `ISNULL(${ident(c.name)})`).join(', ')}))`;
  const keyOf = (r: Row) => key.map((_c, i) => r[`k${i}`]);
  const keySelect = key.map((c, i) => `${readExpr(c)} AS k${i}`).join(', ');
  const counts = { onlyOnFirst: 0, onlyOnSecond: 0, differ: 0 };
  const keys: SecondSideKeys | undefined = o.keys ? { shape: sb, onlyOnSecond: [], differ: [] } : undefined;
  let done = 0;
  const step = () => {
    if (o.signal?.aborted) throw new Error('interrupted');
    if (Date.now() > deadline) throw new OutOfTime();
  };
  const progress = (n: number) => {
    done += n;
    o.progress?.(`${table}: ${done} of ${total} rows compared row by row`);
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
  const hash = `COUNT(*) AS n, BIT_XOR(CRC32(${row})) AS h`;
  const same = (x?: Row, y?: Row) => String(x?.n ?? 0) === String(y?.n ?? 0) && String(x?.h ?? 0) === String(y?.h ?? 0);

  try {
    if (key.length === 1 && INTEGER_TYPES.has(key[0].type)) {
      const k = ident(key[0].name);
      const bounds = stmt(`SELECT MIN(${k}) AS lo, MAX(${k}) AS hi FROM ${t}`);
      const [ba, bb] = await Promise.all([first(bounds), second(bounds)]);
      const ends = [ba[0], bb[0]].filter((b) => b && b.lo !== null && b.lo !== undefined).map((b) => [BigInt(String(b!.lo)), BigInt(String(b!.hi))]);
      if (ends.length === 0) return { detail: { kind: 'rows', ...counts }, keys };
      const lo = ends.map((e) => e[0]).reduce((x, y) => (y < x ? y : x));
      const hi = ends.map((e) => e[1]).reduce((x, y) => (y > x ? y : x));
      /** [lo, hi] holding about `rows` rows: small enough, read row by row; else split by value, in one GROUP BY per side. */
      const range = async (from: bigint, to: bigint, rows: number): Promise<void> => {
        step();
        const where = `${k} BETWEEN ${from} AND ${to}`;
        if (rows <= CHUNK_ROWS || from === to) return diffRows(where);
        const parts = BigInt(Math.min(1000, Math.ceil(rows / CHUNK_ROWS)));
        const width = (to - from + 1n + parts - 1n) / parts;
        const chunks = stmt(`SELECT (${k} - ${from}) DIV ${width} AS c, ${hash} FROM ${t} WHERE ${where} GROUP BY c`);
        const [ca, cb] = await Promise.all([first(chunks), second(chunks)]);
        const [ma, mb] = [new Map(ca.map((r) => [String(r.c), r])), new Map(cb.map((r) => [String(r.c), r]))];
        for (const c of new Set([...ma.keys(), ...mb.keys()])) {
          const [x, y] = [ma.get(c), mb.get(c)];
          const start = from + BigInt(c) * width;
          if (same(x, y)) {
            progress(Number(y?.n ?? 0));
            continue;
          }
          const end = start + width - 1n < to ? start + width - 1n : to;
          await range(start, end, Math.max(Number(x?.n ?? 0), Number(y?.n ?? 0)));
          progress(Number(y?.n ?? 0));
        }
      };
      // The bound is checked within: a range of this table is either compared or the whole table is out of time.
      if (hi - lo < 1n << 62n) {
        await range(lo, hi, total);
        return { detail: { kind: 'rows', ...counts }, keys };
      }
    }
    const keyOrder = key.map((c) => ident(c.name)).join(', ');
    let lower: Key | undefined;
    for (;;) {
      step();
      const after = lower ? keyBound(key, lower, '>') : '';
      const next = stmt(`SELECT ${keySelect} FROM ${t}${after ? ` WHERE ${after}` : ''} ORDER BY ${keyOrder} LIMIT 1 OFFSET ${CHUNK_ROWS - 1}`);
      // Past the second side's last boundary, the first side's: no range holds more than CHUNK_ROWS rows of either.
      const boundary = (await second(next))[0] ?? (await first(next))[0];
      const upper = boundary ? keyOf(boundary) : undefined;
      const range =
        [after, upper ? keyBound(key, upper, '<=') : '']
          .filter(Boolean)
          .map((x) => `(${x})`)
          .join(' AND ') || '1 = 1';
      const chunk = stmt(`SELECT ${hash} FROM ${t} WHERE ${range}`);
      const [ha, hb] = await Promise.all([first(chunk), second(chunk)]);
      if (!same(ha[0], hb[0])) await diffRows(range);
      progress(Number(hb[0]?.n ?? 0));
      if (!upper) break;
      lower = upper;
    }
    return { detail: { kind: 'rows', ...counts }, keys };
  } catch (err) {
    if (err instanceof OutOfTime) return { detail: { kind: 'not-in-time' } };
    throw err;
  }
}
