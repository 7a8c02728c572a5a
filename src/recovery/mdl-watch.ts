// Issue 28, the metadata-lock watch: while an online copy reads GS, its dump holds a metadata lock on the table it is
// reading until it moves on (its snapshot's transaction). A DDL on GS (ALTER TABLE …) waits for that lock, and every
// query on the table then queues behind the DDL: a production table blocked for as long as the copy reads it. The
// watch polls GS's processlist for sessions waiting on a table metadata lock, attributes the wait to the copy only as
// far as GS shows it, and stops the copy after --max-mdl-wait seconds (the executor runs it: src/engine/copy-watch.ts).
// This file is the pure part: the plan's value, the statements, the reading of their rows, and the words.
//
// Where the statements come from (MySQL could not be run here; MariaDB 10.11 is tested live): the waiting state's text
// is MySQL's and MariaDB's thread state "Waiting for table metadata lock"
// (https://dev.mysql.com/doc/refman/8.0/en/general-thread-states.html); the holders are MySQL's
// performance_schema.metadata_locks, joined to threads by OWNER_THREAD_ID, LOCK_STATUS 'GRANTED' for a held lock
// (https://dev.mysql.com/doc/refman/8.0/en/performance-schema-metadata-locks-table.html), and MariaDB's
// METADATA_LOCK_INFO plugin (https://mariadb.com/kb/en/metadata-lock-info-plugin/).
//
// Which copies are watched: the online method (one stream or --parallel), the only one that reads GS without locking
// it. Not the classic method (GS is under FLUSH TABLES WITH READ LOCK for the whole copy by design: DDL waits anyway),
// not --donor (the copy does not read GS), not clone (no dump on GS). The physical method is left out for now: its
// mariadb-backup takes BACKUP STAGE locks of its own (a DDL waits on those too), which this watch does not attribute.
import type { Flavor } from '../dialect/version.js';
import { stmt, type Statement } from '../dialect/statement.js';
import type { Settings } from '../config/settings.js';
import { copyMethod } from './copy-method.js';

/** What the plan carries for the executor: how often, how long a wait may last, and the statements it runs on GS. */
export interface MdlWatchPlan {
  maxWaitSeconds: number;
  pollMs: number;
  /** Sessions waiting for a table metadata lock, with their statement and how long they have been waiting. */
  waiters: Statement;
  /** Who holds which table's metadata lock (MariaDB's METADATA_LOCK_INFO plugin, MySQL's performance_schema), when readable. */
  holders: Statement;
  /** The connections of the tool's own account: those that appear after the copy started are the copy's. */
  ownAccount: Statement;
}

export const MDL_POLL_MS = 500;
export const MDL_WAIT_STATE = 'Waiting for table metadata lock';
/** Schemas no copy reads: a wait there is never the copy's. */
const NOT_COPIED = new Set(['information_schema', 'performance_schema', 'sys']);

/** Does this run's copy read GS without locking it (the watch's only case)? */
export function copyReadsGsOnline(s: Pick<Settings, 'method' | 'donor'>): boolean {
  return copyMethod({ settings: s }).snapshotOnGs;
}

/** The watch for this run, or undefined when the copy does not read GS online or --max-mdl-wait is 0. */
export function mdlWatchPlan(s: Pick<Settings, 'method' | 'donor' | 'maxMdlWait'>, flavor: Flavor): MdlWatchPlan | undefined {
  if (!copyReadsGsOnline(s) || !(s.maxMdlWait > 0)) return undefined;
  // MariaDB's TIME_MS says the wait to the millisecond; MySQL's TIME only in whole seconds.
  const time = flavor === 'mariadb' ? 'TIME_MS / 1000' : 'TIME';
  return {
    maxWaitSeconds: s.maxMdlWait,
    pollMs: MDL_POLL_MS,
    waiters: stmt(
      `SELECT ID AS id, USER AS user, HOST AS host, DB AS db, ${time} AS seconds, LEFT(INFO, 300) AS info FROM information_schema.PROCESSLIST WHERE STATE = '${MDL_WAIT_STATE}'`,
    ),
    holders:
      flavor === 'mariadb'
        ? stmt(`SELECT THREAD_ID AS id, TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.METADATA_LOCK_INFO WHERE TABLE_NAME <> ''`)
        : stmt(
            `SELECT t.PROCESSLIST_ID AS id, m.OBJECT_SCHEMA AS db, m.OBJECT_NAME AS tbl FROM performance_schema.metadata_locks m JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED'`,
          ),
    ownAccount: stmt(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(USER(), '@', 1)`),
  };
}

export interface TableName {
  schema: string;
  table: string;
}

const NAME = '(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const QUALIFIED = `${NAME}(?:\\s*\\.\\s*${NAME})?`;
const LEADS = [
  'ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE(?:\\s+IF\\s+EXISTS)?',
  'TRUNCATE(?:\\s+TABLE)?',
  'DROP\\s+(?:TEMPORARY\\s+)?TABLES?(?:\\s+IF\\s+EXISTS)?',
  'RENAME\\s+TABLES?',
  '(?:OPTIMIZE|ANALYZE|REPAIR|CHECK)\\s+(?:NO_WRITE_TO_BINLOG\\s+|LOCAL\\s+)?TABLES?',
  '(?:INSERT|REPLACE)(?:\\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*(?:\\s+INTO)?',
  'UPDATE(?:\\s+(?:LOW_PRIORITY|IGNORE))*',
  'DELETE(?:\\s+(?:LOW_PRIORITY|QUICK|IGNORE))*\\s+FROM',
  'LOCK\\s+TABLES?',
  'CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ONLINE\\s+)?(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\\S+\\s+ON',
  'DROP\\s+INDEX\\s+(?:IF\\s+EXISTS\\s+)?\\S+\\s+ON',
  'CREATE\\s+(?:OR\\s+REPLACE\\s+)?TRIGGER\\s+.*?\\s+ON',
];
const LEADING = new RegExp(`^(?:${LEADS.join('|')})\\s+${QUALIFIED}`, 'is');
const FROM = new RegExp(`\\bFROM\\s+${QUALIFIED}`, 'is');

const unquote = (n: string) => (n.startsWith('`') ? n.slice(1, -1).replace(/``/g, '`') : n);

/**
 * The table a waiting statement is about, from its text (the processlist's INFO) and its session's default schema:
 * `ALTER TABLE shop.orders …`, `INSERT INTO orders …` with db shop, `SELECT … FROM shop.orders`. Undefined when the
 * text names no table the watch can read (a statement it does not know, or no default schema for a bare name).
 */
export function statementTable(info: string | null | undefined, db: string | null | undefined): TableName | undefined {
  if (!info) return undefined;
  const text = info.replace(/^\s*(?:\/\*.*?\*\/\s*)*/s, '').trimStart();
  const m = LEADING.exec(text) ?? (/^(?:SELECT|WITH)\b/i.test(text) ? FROM.exec(text) : null);
  if (!m) return undefined;
  const [first, second] = [m[1], m[2]];
  if (second !== undefined) return { schema: unquote(first), table: unquote(second) };
  if (!db) return undefined;
  return { schema: db, table: unquote(first) };
}

export const tableText = (t: TableName) => `${t.schema}.${t.table}`;

export interface Waiter {
  id: number;
  user: string;
  host: string;
  seconds: number;
  info: string;
  table?: TableName;
}

/** The waiters' rows as read (values may come as strings or numbers). */
export function parseWaiters(rows: Array<Record<string, unknown>>): Waiter[] {
  return rows.map((r) => {
    const info = r.info === null || r.info === undefined ? '' : String(r.info);
    const db = r.db === null || r.db === undefined ? undefined : String(r.db);
    const table = statementTable(info, db);
    return {
      id: Number(r.id),
      user: String(r.user ?? ''),
      host: String(r.host ?? ''),
      seconds: Number(r.seconds ?? 0) || 0,
      info,
      ...(table ? { table } : {}),
    };
  });
}

/** Holders' rows → table text → the session ids holding a metadata lock on it. */
export function parseHolders(rows: Array<Record<string, unknown>>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const r of rows) {
    if (r.db === null || r.tbl === null || r.db === undefined || r.tbl === undefined) continue;
    const key = tableText({ schema: String(r.db), table: String(r.tbl) });
    const set = out.get(key) ?? new Set<number>();
    set.add(Number(r.id));
    out.set(key, set);
  }
  return out;
}

/** One table that sessions wait on, as far as it is the copy's doing. */
export interface MdlPileUp {
  table: string;
  /** How many sessions wait on the table. */
  waiting: number;
  /** The longest wait, in seconds. */
  longestSeconds: number;
  /** The session waiting longest (usually the DDL): what the stop names. */
  first: Waiter;
  /** measured: GS showed a connection of the copy holding the table's lock; probably: GS cannot show holders. */
  attribution: 'measured' | 'probably';
  /** The copy's connections GS showed holding it (measured only). */
  holders: number[];
}

/**
 * Group the waiters by table and keep the tables the copy holds: measured when GS shows the holders of the table's
 * metadata locks (one is a connection of the copy), else "probably" for any table of a copied schema (the copy runs, and
 * nothing else can be measured). A table whose holders GS shows, none of them the copy's, is another session's business.
 * `waitedSince`: when the watch first saw each waiter (ms), for a wait longer than the server's own clock says.
 */
export function attribute(
  waiters: Waiter[],
  holders: Map<string, Set<number>> | undefined,
  copyIds: ReadonlySet<number>,
  now: number,
  waitedSince: ReadonlyMap<number, number> = new Map(),
): MdlPileUp[] {
  const byTable = new Map<string, Waiter[]>();
  for (const w of waiters) {
    if (!w.table || NOT_COPIED.has(w.table.schema.toLowerCase())) continue;
    const key = tableText(w.table);
    byTable.set(key, [...(byTable.get(key) ?? []), w]);
  }
  const out: MdlPileUp[] = [];
  for (const [table, ws] of byTable) {
    const held = holders?.get(table);
    const ours = held ? [...held].filter((id) => copyIds.has(id) && !ws.some((w) => w.id === id)) : [];
    // Holders shown, none the copy's: a lock of someone else's (another DDL, a long transaction), not ours to end.
    const others = held ? [...held].filter((id) => !ws.some((w) => w.id === id)) : [];
    if (held && others.length && !ours.length) continue;
    const seconds = (w: Waiter) => Math.max(w.seconds, waitedSince.has(w.id) ? (now - waitedSince.get(w.id)!) / 1000 : 0);
    const sorted = [...ws].sort((x, y) => seconds(y) - seconds(x) || x.id - y.id);
    out.push({
      table,
      waiting: ws.length,
      longestSeconds: Math.round(seconds(sorted[0]) * 10) / 10,
      first: sorted[0],
      attribution: ours.length ? 'measured' : 'probably',
      holders: ours,
    });
  }
  return out.sort((x, y) => y.longestSeconds - x.longestSeconds);
}

/** A statement cut for one line: whitespace folded, at most `max` characters. */
export function truncateStatement(info: string, max = 120): string {
  const one = info.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const whose = (p: MdlPileUp) =>
  p.attribution === 'measured'
    ? `held by the copy’s ${p.holders.length > 1 ? 'dumps (sessions' : 'dump (session'} #${p.holders.join(', #')} on GS)`
    : 'probably held by the copy’s snapshot (GS does not show who holds metadata locks: no METADATA_LOCK_INFO plugin / performance_schema.metadata_locks)';

/** The live line and the JSON event's text: which table, how many wait, how long the longest, and when the copy stops. */
export function pileUpText(p: MdlPileUp, maxWaitSeconds: number): string {
  return `metadata lock on GS: ${p.waiting} session(s) waiting on ${p.table}, longest ${p.longestSeconds.toFixed(1)} s, ${whose(p)}; the copy stops at ${maxWaitSeconds} s (--max-mdl-wait)`;
}

/** The live line's words while sessions wait (the copy's progress line carries them, as it carries the throttle's). */
export function pileUpShort(p: MdlPileUp, maxWaitSeconds: number): string {
  return `metadata lock: ${p.waiting} waiting on ${p.table}, longest ${p.longestSeconds.toFixed(1)} s; the copy stops at ${maxWaitSeconds} s`;
}

/** The stop: what waited, on what, for how long; that GS was released and nothing on it changed; what to do next. */
export function pileUpStop(p: MdlPileUp, maxWaitSeconds: number, released: boolean): { reason: string; next: string } {
  const w = p.first;
  const others = p.waiting > 1 ? ` (${p.waiting - 1} other session(s) queued behind it)` : '';
  return {
    reason:
      `metadata lock pile-up on GS: "${truncateStatement(w.info)}" (session #${w.id} ${w.user}@${w.host}) waited ${p.longestSeconds.toFixed(1)} s for the metadata lock on ${p.table}${others}, ${whose(p)}; ` +
      `the copy was stopped after --max-mdl-wait ${maxWaitSeconds} s so that production can use ${p.table}: ` +
      (released
        ? `GS was released (session #${w.id} no longer waits for the lock) and nothing on GS was changed by the tool`
        : `the copy’s programs were ended, but session #${w.id} still waited for the lock 5 s later: look in SHOW PROCESSLIST on GS for a connection of the copy still reading ${p.table} and KILL it; nothing on GS was changed by the tool`) +
      '. BS holds a partial copy; replication was NOT configured on it.',
    next:
      'Let the statement on GS finish (a DDL is best run after the recovery), then run again with --resume: it copies again from step 3. ' +
      'Or add --donor <a replica of GS> to --resume: the copy then reads the replica, not GS, and no DDL on GS waits for it.',
  };
}

/** The plan's header line for the watch. */
export function watchHeaderLine(p: MdlWatchPlan): string {
  return `Metadata-lock watch: every ${p.pollMs / 1000} s, on a session of its own, GS’s sessions waiting for a table metadata lock held by the copy; one waiting ${p.maxWaitSeconds} s (--max-mdl-wait) stops the copy at once (GS released, nothing changed on it) and the run; --resume copies again`;
}
