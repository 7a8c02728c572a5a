// Table-by-table comparison of two servers: the proof after recovery, and evidence in `status`.
import type { Row } from '../adapters/mysql/session.js';
import { ident, literal, stmt, type Statement } from '../dialect/statement.js';

/** Runs one read-only statement somewhere (an executor bound to a role, or a session). */
export type Query = (s: Statement) => Promise<Row[]>;

/** Schemas that belong to the server itself, never compared. `mysql` differs by design (each server's own replica state). */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const systemList = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');

export async function listUserTables(q: Query): Promise<string[]> {
  const rows = await q(
    stmt(
      `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (${systemList}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
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

/** A table whose contents differ between two servers, with its row count on each (null: absent there). */
export interface DifferingTable {
  table: string;
  rows: [number | null, number | null];
}

/**
 * Tables that differ between two servers (by CHECKSUM TABLE, or present on one side only), with row counts: what
 * one side holds that the other lacks, measured on the data. `only` limits it to some tables. Used by the recovery
 * (what only BS holds) and by `status` (the evidence when both directions are broken).
 */
export async function differingTables(first: Query, second: Query, only?: string[]): Promise<{ compared: number; differing: DifferingTable[] }> {
  const [a, b] = await Promise.all([listUserTables(first), listUserTables(second)]);
  const keep = only ? new Set(only) : undefined;
  const [fa, fb] = keep ? [a.filter((t) => keep.has(t)), b.filter((t) => keep.has(t))] : [a, b];
  const both = tablesOnBoth(fa, fb);
  const [ca, cb] = await Promise.all([checksumTables(first, both), checksumTables(second, both)]);
  const cmp = diffChecksums(fa, fb, ca, cb);
  const [setA, setB] = [new Set(fa), new Set(fb)];
  const differing: DifferingTable[] = [];
  for (const table of cmp.mismatched)
    differing.push({ table, rows: [setA.has(table) ? await rowCount(first, table) : null, setB.has(table) ? await rowCount(second, table) : null] });
  return { compared: cmp.compared, differing };
}
