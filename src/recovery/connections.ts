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

export function foreignConnectionsQuery(ownIds: number[]) {
  const ids = ownIds.filter((n) => n > 0);
  return stmt(
    'SELECT ID, USER, HOST, DB, COMMAND, TIME, LEFT(INFO, 100) AS INFO FROM information_schema.PROCESSLIST ' +
      `WHERE ID <> CONNECTION_ID()${ids.length ? ` AND ID NOT IN (${ids.join(', ')})` : ''} ` +
      `AND COMMAND NOT IN (${REPLICATION_COMMANDS.map((c) => `'${c}'`).join(', ')}) ` +
      "AND USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user') ORDER BY ID",
  );
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
