// A statement the tool runs, with the text shown to people (secrets masked) kept beside the text sent.
import mysql from 'mysql2';

export interface Statement {
  /** Exactly what is sent to the server. */
  sql: string;
  /** What the plan, the questions, the logs and the journal show: same as sql with secrets masked. */
  shown: string;
}

export const MASK = "'********'";

export function stmt(sql: string): Statement {
  return { sql, shown: sql };
}

/** How the server reads a string literal: with backslash escapes (the default) or, under sql_mode NO_BACKSLASH_ESCAPES, without. */
export interface Quoting {
  noBackslashEscapes: boolean;
}

export const DEFAULT_QUOTING: Quoting = { noBackslashEscapes: false };

/** Whether an sql_mode value ("STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES") reads backslashes as plain characters. */
export function quotingFor(sqlMode: string | undefined): Quoting {
  return { noBackslashEscapes: (sqlMode ?? '').toUpperCase().split(',').includes('NO_BACKSLASH_ESCAPES') };
}

/**
 * A SQL string literal, written the way the server will parse it. By default with backslash escapes (quotes,
 * backslashes, NUL, newlines; unicode kept as is). Under NO_BACKSLASH_ESCAPES a backslash is an ordinary character
 * and the only escape is the doubled quote ('it''s'): https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sqlmode_no_backslash_escapes
 * ("Disable the use of the backslash character (\) as an escape character within strings and identifiers. With this
 * mode enabled, backslash becomes an ordinary character like any other"); MariaDB reads it the same way.
 */
export function literal(value: string, q: Quoting = DEFAULT_QUOTING): string {
  if (!q.noBackslashEscapes) return mysql.escape(value);
  // A NUL cannot be escaped in this mode, and no name, password or position the tool writes has one.
  if (value.includes('\0')) throw new Error('a value with a NUL character cannot be written as a literal under NO_BACKSLASH_ESCAPES');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Build a statement from parts where some parts are secret: the secret parts are masked in `shown`. */
export function withSecrets(parts: Array<string | { secret: string }>, q: Quoting = DEFAULT_QUOTING): Statement {
  let sql = '';
  let shown = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      sql += p;
      shown += p;
    } else {
      sql += literal(p.secret, q);
      shown += MASK;
    }
  }
  return { sql, shown };
}

/** Backtick-quote an identifier. */
export function ident(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
