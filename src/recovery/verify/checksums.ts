// The statements of `mmrecover verify`: pt-table-checksum's method on a master-master pair. Pure text, no I/O.
//
// pt-table-checksum (https://docs.percona.com/percona-toolkit/pt-table-checksum.html): "It executes checksum queries
// on the master, which produces different results on replicas that are inconsistent with the master … the tool
// sets binlog_format=STATEMENT for its own session … the checksum queries are replicated to the replicas, which
// execute them", then "it updates the master_crc and master_cnt columns" with the master's result, and once the
// replicas have caught up, compares on each replica "WHERE master_cnt <> this_cnt OR master_crc <> this_crc".
// The session needs binlog_format=STATEMENT only for itself; the replica's own binlog_format matters only for a chain
// (https://www.percona.com/blog/caveats-pt-table-checksum-using-row-based-replication-and-filters).
import { ident, literal, stmt, type Statement } from '../../dialect/statement.js';
import { chunkHash, quoteTable, rowText, type Key, type TableShape } from '../compare.js';

export const CHECKSUM_SCHEMA = 'mmrecover';
export const CHECKSUM_TABLE_NAME = 'checksums';
/** "mmrecover.checksums": the only table verify writes to. */
export const CHECKSUM_TABLE = `${CHECKSUM_SCHEMA}.${CHECKSUM_TABLE_NAME}`;
const T = `${ident(CHECKSUM_SCHEMA)}.${ident(CHECKSUM_TABLE_NAME)}`;

/**
 * The checksum table, pt-table-checksum's `percona.checksums` with three more columns: where_sql (the chunk's range,
 * so a chunk can be checked again from the other side and resumed), origin (server_id of the side whose checksum is
 * in master_*), token (set with master_*: the other side has applied the chunk when it reads the same token).
 */
export const CHECKSUM_DDL: Statement[] = [
  stmt(`CREATE DATABASE IF NOT EXISTS ${ident(CHECKSUM_SCHEMA)}`),
  stmt(
    `CREATE TABLE IF NOT EXISTS ${T} (` +
      'db CHAR(64) NOT NULL, tbl CHAR(64) NOT NULL, chunk INT UNSIGNED NOT NULL, ' +
      'lower_boundary TEXT NULL, upper_boundary TEXT NULL, last_chunk TINYINT NOT NULL DEFAULT 0, where_sql TEXT NOT NULL, ' +
      'origin INT UNSIGNED NOT NULL, this_cnt BIGINT UNSIGNED NOT NULL, this_crc VARCHAR(40) NOT NULL, ' +
      'master_cnt BIGINT UNSIGNED NULL, master_crc VARCHAR(40) NULL, token CHAR(32) NULL, ' +
      'ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, ' +
      'PRIMARY KEY (db, tbl, chunk)) ENGINE=InnoDB',
  ),
];

/**
 * Locks: with statement-based logging, "INSERT INTO T SELECT ... FROM S ... InnoDB sets shared next-key locks on rows
 * from S" (REPLACE … SELECT the same), https://dev.mysql.com/doc/refman/8.0/en/innodb-locks-set.html: one chunk's rows,
 * for as long as its statement runs (sized to --chunk-time). No table lock, no FLUSH, replication keeps running.
 *
 * The session that computes checksums. STATEMENT: the REPLACE … SELECT replicates as the statement, so the other side
 * computes its own checksum of the same range at the same point of the stream. REPEATABLE READ: InnoDB refuses
 * statement logging under READ COMMITTED ("InnoDB is limited to row-logging when transaction isolation level is READ
 * COMMITTED", https://mariadb.com/kb/en/binary-log-formats/). innodb_lock_wait_timeout 1 (pt-table-checksum's own
 * --set-vars default): the SELECT's shared locks never keep a writer waiting long; a chunk that times out is retried.
 * lock_wait_timeout 60 (the same): a DDL holding the table does not hang the tool.
 */
export const SESSION_SETTINGS: Statement[] = [
  stmt("SET SESSION binlog_format = 'STATEMENT'"),
  stmt('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ'),
  stmt('SET SESSION innodb_lock_wait_timeout = 1'),
  stmt('SET SESSION lock_wait_timeout = 60'),
];

/** Tables verify never compares: its own. */
export const SKIPPED_TABLES = [CHECKSUM_TABLE];

export interface ChunkRow {
  db: string;
  tbl: string;
  chunk: number;
  lower: Key | null;
  upper: Key | null;
  last: boolean;
  where: string;
}

const keyText = (k: Key | null) => (k === null ? 'NULL' : literal(JSON.stringify(k.map((v) => (v === null || v === undefined ? null : String(v))))));
const at = (c: Pick<ChunkRow, 'db' | 'tbl' | 'chunk'>) => `db = ${literal(c.db)} AND tbl = ${literal(c.tbl)} AND chunk = ${c.chunk}`;

/** The chunk's checksum on this side, written by a statement that the other side runs too (replicated as a statement). */
export function checksumChunk(c: ChunkRow, shape: TableShape, originServerId: number): Statement {
  const table = quoteTable(`${c.db}.${c.tbl}`);
  return stmt(
    `REPLACE INTO ${T} (db, tbl, chunk, lower_boundary, upper_boundary, last_chunk, where_sql, origin, this_cnt, this_crc) ` +
      `SELECT ${literal(c.db)}, ${literal(c.tbl)}, ${c.chunk}, ${keyText(c.lower)}, ${keyText(c.upper)}, ${c.last ? 1 : 0}, ${literal(c.where)}, ` +
      `${originServerId}, x.n, COALESCE(x.h, 0) FROM (SELECT ${chunkHash(rowText(shape))} FROM ${table} FORCE INDEX (PRIMARY) WHERE ${c.where}) AS x`,
  );
}

export function readOwnChecksum(c: Pick<ChunkRow, 'db' | 'tbl' | 'chunk'>): Statement {
  return stmt(`SELECT this_cnt, this_crc FROM ${T} WHERE ${at(c)}`);
}

/** This side's result as master_*, with a token: replicated, so the other side holds both its own and this one. */
export function recordMaster(c: Pick<ChunkRow, 'db' | 'tbl' | 'chunk'>, cnt: number, crc: string, token: string): Statement {
  return stmt(`UPDATE ${T} SET master_cnt = ${cnt}, master_crc = ${literal(crc)}, token = ${literal(token)} WHERE ${at(c)}`);
}

export function readToken(c: Pick<ChunkRow, 'db' | 'tbl' | 'chunk'>): Statement {
  return stmt(`SELECT token FROM ${T} WHERE ${at(c)}`);
}

const tableAt = (db: string, tbl: string) => `db = ${literal(db)} AND tbl = ${literal(tbl)}`;

/** The chunks of a table whose two checksums differ, as the side reading them holds them (pt-table-checksum's check). */
export function differingChunks(db: string, tbl: string): Statement {
  return stmt(
    `SELECT chunk, lower_boundary, upper_boundary, where_sql, origin, this_cnt, this_crc, master_cnt, master_crc FROM ${T} ` +
      `WHERE ${tableAt(db, tbl)} AND (master_cnt IS NULL OR master_cnt <> this_cnt OR master_crc <> this_crc) ORDER BY chunk`,
  );
}

/** Chunks and rows recorded for a table (this side's rows and the origin's). */
export function tableTotals(db: string, tbl: string): Statement {
  return stmt(
    `SELECT COUNT(*) AS chunks, COALESCE(SUM(this_cnt), 0) AS this_rows, COALESCE(SUM(master_cnt), 0) AS master_rows FROM ${T} WHERE ${tableAt(db, tbl)}`,
  );
}

/** Resume: per table, the last chunk whose master checksum was recorded (a chunk cut between its two statements is redone). */
export function resumeState(): Statement {
  return stmt(
    `SELECT c.db, c.tbl, c.chunk, c.upper_boundary, c.last_chunk FROM ${T} c JOIN (SELECT db, tbl, MAX(chunk) AS chunk FROM ${T} ` +
      'WHERE master_crc IS NOT NULL GROUP BY db, tbl) m ON m.db = c.db AND m.tbl = c.tbl AND m.chunk = c.chunk',
  );
}

/** A new run forgets the last one's state (replicated: both sides forget it). */
export function forgetAll(): Statement {
  return stmt(`DELETE FROM ${T}`);
}

/** Resume: rows of a table past the last recorded chunk (cut between REPLACE and UPDATE), redone. */
export function forgetAfter(db: string, tbl: string, chunk: number): Statement {
  return stmt(`DELETE FROM ${T} WHERE ${tableAt(db, tbl)} AND chunk > ${chunk}`);
}

export function parseKey(v: unknown): Key | null {
  if (v === null || v === undefined) return null;
  const parsed = JSON.parse(Buffer.isBuffer(v) ? v.toString('utf8') : String(v)) as unknown;
  return Array.isArray(parsed) ? parsed : null;
}
