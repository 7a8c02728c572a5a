// What a statement reads, for the tests that audit the tool's own statements (issue 26): which tables, and whether it
// reads a whole table rather than a range of its key.

/** The tables a statement names after FROM or JOIN, as "schema.table" (schema-qualified names only, as the tool writes them). */
export function tablesRead(sql: string): string[] {
  const name = '(?:`[^`]+`|\\w+)';
  return [...sql.matchAll(new RegExp(`\\b(?:FROM|JOIN)\\s+(${name}\\.${name})`, 'gi'))].map((m) => m[1].replace(/`/g, ''));
}

/**
 * Whether a statement reads a whole table: CHECKSUM TABLE, or a read with no key range in its WHERE (none at all, or
 * `1 = 1`, what the chunk walk sends for a table that fits in one chunk). A range or a lookup bounds it (<, <=, >, >=,
 * =, BETWEEN, IN on a column; the first chunk's open lower end and the last's open upper end are ranges too), and so
 * does MIN/MAX of the key, which reads the index's two ends.
 */
export function readsWhole(statement: string): boolean {
  // The statement itself, without the session settings some are sent with (SET STATEMENT lock_wait_timeout=5 FOR …).
  const sql = statement.replace(/^\s*SET STATEMENT [\s\S]*? FOR /i, '');
  if (/^\s*CHECKSUM TABLE/i.test(sql)) return true;
  if (/^SELECT MIN\(`[^`]+`\) AS lo, MAX\(`[^`]+`\) AS hi FROM/.test(sql)) return false;
  const where = /\bWHERE\b([\s\S]*)$/i.exec(sql)?.[1];
  return !where || !/(?:`[^`]+`|\b[A-Za-z_]\w*)\)?\s*(?:<=|>=|<|>|=)|\bBETWEEN\b|\bIN\s*\(/i.test(where);
}
