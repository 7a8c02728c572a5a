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

/** A SQL string literal, escaped the way the server parses it (quotes, backslashes, NUL, unicode kept as is). */
export function literal(value: string): string {
  return mysql.escape(value);
}

/** Build a statement from parts where some parts are secret: the secret parts are masked in `shown`. */
export function withSecrets(parts: Array<string | { secret: string }>): Statement {
  let sql = '';
  let shown = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      sql += p;
      shown += p;
    } else {
      sql += literal(p.secret);
      shown += MASK;
    }
  }
  return { sql, shown };
}

/** Backtick-quote an identifier. */
export function ident(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
