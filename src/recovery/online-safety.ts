// When is the online copy (--single-transaction, no lock on GS) consistent? Only when every table it copies is
// transactional and no DDL runs on GS while it copies. This says which tables or statements stand in the way.
import { stmt } from '../dialect/statement.js';
import type { Query } from './compare.js';
import { SYSTEM_SCHEMAS } from './compare.js';

const TRANSACTIONAL = ['InnoDB', 'XtraDB', 'RocksDB', 'TokuDB', 'ndbcluster'];

export interface OnlineBlockers {
  nonTransactional: Array<{ table: string; engine: string; rows: number }>;
  runningDdl: Array<{ id: number; seconds: number; statement: string }>;
}

export async function onlineBlockers(q: Query): Promise<OnlineBlockers> {
  const system = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');
  const engines = TRANSACTIONAL.map((e) => `'${e}'`).join(', ');
  const tables = await q(
    stmt(
      `SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (${system}) AND ENGINE NOT IN (${engines}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    ),
  );
  const ddl = await q(
    stmt(
      "SELECT ID, TIME, LEFT(INFO, 100) AS INFO FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO REGEXP '^[[:space:]]*(ALTER|CREATE|DROP|RENAME|TRUNCATE|OPTIMIZE)[[:space:]]'",
    ),
  );
  return {
    nonTransactional: tables.map((r) => ({ table: `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`, engine: String(r.ENGINE), rows: Number(r.TABLE_ROWS ?? 0) })),
    runningDdl: ddl.map((r) => ({ id: Number(r.ID), seconds: Number(r.TIME), statement: String(r.INFO) })),
  };
}

export function describeBlockers(b: OnlineBlockers): string | undefined {
  const parts: string[] = [];
  if (b.nonTransactional.length)
    parts.push(
      `non-transactional tables would be copied inconsistently without a lock: ${b.nonTransactional.map((t) => `${t.table} (${t.engine}, ~${t.rows} rows)`).join(', ')}`,
    );
  if (b.runningDdl.length) parts.push(`DDL is running on GS: ${b.runningDdl.map((d) => `thread ${d.id} for ${d.seconds}s: ${d.statement}`).join('; ')}`);
  return parts.length ? parts.join('; ') : undefined;
}
