// Client connections on a server that are neither ours nor replication: the ones that could still write.
import type { Row } from '../adapters/mysql/session.js';
import { stmt } from '../dialect/statement.js';

export interface ClientConnection {
  id: number;
  user: string;
  host: string;
  db: string;
  command: string;
  time: number;
  info: string;
}

const REPLICATION_COMMANDS = ['Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Connect', 'Killed'];

/** The WHERE clause of the client connections: not ours, not replication, not the server's own threads. */
function foreignFilter(ownIds: number[], p = ''): string {
  const ids = ownIds.filter((n) => n > 0);
  return (
    `WHERE ${p}ID <> CONNECTION_ID()${ids.length ? ` AND ${p}ID NOT IN (${ids.join(', ')})` : ''} ` +
    `AND ${p}COMMAND NOT IN (${REPLICATION_COMMANDS.map((c) => `'${c}'`).join(', ')}) ` +
    `AND ${p}USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user') ORDER BY ${p}ID`
  );
}

export function foreignConnectionsQuery(ownIds: number[]) {
  return stmt(`SELECT ID, USER, HOST, DB, COMMAND, TIME, LEFT(INFO, 100) AS INFO FROM information_schema.PROCESSLIST ${foreignFilter(ownIds)}`);
}

export function parseConnections(rows: Row[]): ClientConnection[] {
  return rows.map((r) => ({
    id: Number(r.ID),
    user: String(r.USER ?? ''),
    host: String(r.HOST ?? ''),
    db: String(r.DB ?? ''),
    command: String(r.COMMAND ?? ''),
    time: Number(r.TIME ?? 0),
    info: String(r.INFO ?? ''),
  }));
}

export function describeConnection(c: ClientConnection): string {
  return `#${c.id} ${c.user}@${c.host}${c.db ? ` db=${c.db}` : ''} ${c.command} ${c.time}s${c.info ? ` "${c.info}"` : ''}`;
}

/**
 * The sessions a fence waited on, when read_only could not be set within its bound: the same client connections as
 * the list above, each with its open InnoDB transaction if it has one (rows changed, since when), and the tables
 * in use or locked (SHOW OPEN TABLES cannot say by whom: a LOCK TABLES holder shows only as "in use").
 */
export function fenceHoldersQueries(ownIds: number[]) {
  const sessions =
    'SELECT p.ID, p.USER, p.HOST, p.DB, p.COMMAND, p.TIME, LEFT(p.INFO, 100) AS INFO, t.trx_rows_modified AS TRX_ROWS, ' +
    'TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS TRX_AGE FROM information_schema.PROCESSLIST p ' +
    `LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID ${foreignFilter(ownIds, 'p.')}`;
  return { sessions: stmt(sessions), tables: stmt('SHOW OPEN TABLES WHERE In_use > 0') };
}

/** "#12 app@10.0.0.5:5123 (open transaction, 1 row changed, 40 s; idle 38 s)" for the fence's stop line. */
export function describeHolder(r: Row): string {
  const c = parseConnections([r])[0];
  const what: string[] = [];
  if (r.TRX_ROWS !== null && r.TRX_ROWS !== undefined)
    what.push(`open transaction, ${Number(r.TRX_ROWS)} row${Number(r.TRX_ROWS) === 1 ? '' : 's'} changed, ${Number(r.TRX_AGE ?? 0)} s`);
  what.push(c.info ? `running "${c.info}" for ${c.time} s` : `${c.command === 'Sleep' ? 'idle' : c.command} ${c.time} s`);
  return `#${c.id} ${c.user}@${c.host} (${what.join('; ')})`;
}

/** "shop.orders" for each table SHOW OPEN TABLES says is in use or locked. */
export function tablesInUse(rows: Row[]): string[] {
  return rows.map((r) => `${String(r.Database ?? '')}.${String(r.Table ?? '')}`);
}

/**
 * The stop of a fence that waited out its bound, in one line for the operator: which server, what did not get set,
 * who is still there (undefined: they could not be read) and what to do.
 */
export function lockBoundText(o: { server: string; statement: string; seconds: number; sessions?: Row[]; tables?: Row[] }): { reason: string; next: string } {
  const variable = /SET GLOBAL (\w+) = ON/.exec(o.statement)?.[1] ?? 'the fence';
  const who =
    o.sessions === undefined
      ? 'the sessions could not be listed'
      : o.sessions.length
        ? o.sessions.map(describeHolder).join('; ')
        : 'no client session is left (it ended meanwhile)';
  const tables = o.tables?.length ? `; tables in use or locked: ${tablesInUse(o.tables).join(', ')}` : '';
  const ids = (o.sessions ?? []).map((r) => Number(r.ID));
  return {
    reason: `${o.server}: ${variable} was not set: other sessions held their locks past the ${o.seconds} s bound (--lock-wait-timeout): ${who}${tables}. ${variable} is as it was; nothing was written`,
    next: `end those sessions (${ids.length ? ids.map((id) => `KILL ${id}`).join(', ') : 'KILL <id>'} on BS, or stop the client that holds LOCK TABLES or the open transaction), or answer Yes to the KILL question, then run the same command again; --lock-wait-timeout <seconds> waits longer.`,
  };
}
