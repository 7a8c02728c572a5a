// bs-only-rows.sql: the rows of BS that GS lacks (INSERT) or holds otherwise (REPLACE, BS's version), read from BS by
// the keys the data comparison found, as SQL an operator can review and replay on the recovered pair.
import { ident, stmt } from '../dialect/statement.js';
import { quoteTable, readExpr, writeValue, type Column, type Key, type Query, type SecondSideKeys } from './compare.js';

/** Keys per SELECT when reading the rows back from BS, and rows per INSERT/REPLACE statement written. */
const READ_BATCH = 500;
const ROWS_PER_STATEMENT = 100;

/** "key IN (…)" for one column, an OR of equalities over the columns otherwise. */
function keyIn(key: Column[], keys: Key[]): string {
  if (key.length === 1) return `${ident(key[0].name)} IN (${keys.map((k) => writeValue(key[0], k[0])).join(', ')})`;
  return keys.map((k) => `(${key.map((c, i) => `${ident(c.name)} = ${writeValue(c, k[i])}`).join(' AND ')})`).join(' OR ');
}

/** The statements that put BS's rows back: INSERT for rows only on BS, REPLACE for rows that differ; in key order. */
export async function* rowStatements(bs: Query, table: string, k: SecondSideKeys): AsyncGenerator<{ text: string; verb: 'INSERT' | 'REPLACE'; rows: number }> {
  const byName = new Map(k.shape.columns.map((c) => [c.name, c]));
  const key = k.shape.key.map((n) => byName.get(n)!);
  const cols = k.shape.columns.filter((c) => !c.generated);
  const select = cols.map((c, i) => `${readExpr(c)} AS c${i}`).join(', ');
  const order = key.map((c) => ident(c.name)).join(', ');
  const names = cols.map((c) => ident(c.name)).join(', ');
  for (const [verb, keys] of [
    ['INSERT', k.onlyOnSecond],
    ['REPLACE', k.differ],
  ] as const) {
    for (let i = 0; i < keys.length; i += READ_BATCH) {
      const rows = await bs(stmt(`SELECT ${select} FROM ${quoteTable(table)} WHERE ${keyIn(key, keys.slice(i, i + READ_BATCH))} ORDER BY ${order}`));
      for (let r = 0; r < rows.length; r += ROWS_PER_STATEMENT) {
        const batch = rows.slice(r, r + ROWS_PER_STATEMENT);
        const values = batch.map((row) => `(${cols.map((c, j) => writeValue(c, row[`c${j}`])).join(', ')})`).join(',\n');
        yield { text: `${verb} INTO ${quoteTable(table)} (${names}) VALUES\n${values};\n`, verb, rows: batch.length };
      }
    }
  }
}

/** The session settings the file starts with, so that it replays the same on any server (time stamps are written in UTC). */
export const ROWS_PREAMBLE = [
  'SET NAMES utf8mb4;',
  "SET time_zone = '+00:00';",
  "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';",
  'SET SESSION foreign_key_checks = 0;',
  '',
].join('\n');
