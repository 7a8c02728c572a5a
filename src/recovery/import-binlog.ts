// Whether the import is written to BS's binary log. The pair never needs it: step 8 records BS's coordinates after the
// import and GS starts replicating from there (step 9), so GS never replays it. Replicas of BS (a reporting replica, a
// backup replica, a CDC reader) would: they get the copy only from BS's binary log. So the import runs unlogged (its
// session's sql_log_bin = 0, https://mariadb.com/kb/en/set-sql_log_bin/,
// https://dev.mysql.com/doc/refman/8.0/en/set-sql-log-bin.html) unless BS serves binary log readers other than the
// pair's own members, or --log-import is given. Unlogged, BS writes no GTID for the import either: its gtid_binlog_pos
// stays where it was, and step 8 reads the position GS resumes from after the import, whatever it holds.
import { stmt } from '../dialect/statement.js';
import { reachable, type RecoveryContext } from './context.js';
import { mysqlGtid } from './positioning.js';
import type { Check } from './events.js';

export interface ImportBinlog {
  logged: boolean;
  /** Why, for the plan and the preflight. */
  why: string;
  /** The other binary log readers BS served at the preflight (server_id host:port, or a thread), if any. */
  readers?: string[];
}

const REPLICA_HOST_COLUMNS = { id: ['Server_id', 'Server_Id'], host: ['Host'], port: ['Port'] };
const col = (r: Record<string, unknown>, names: string[]) => names.map((n) => r[n]).find((v) => v !== undefined && v !== null);

/**
 * The binary log readers BS serves besides the pair's own members (GS, and D in a ring): the replicas registered with
 * BS (SHOW REPLICA HOSTS) whose server_id is not a member's, plus the dump threads no registration accounts for (a
 * reader that does not register, such as mysqlbinlog --read-from-remote-server, or a MySQL replica before 8.0 without
 * report_host). A reader disconnected at this moment is not seen: --log-import covers it.
 */
export async function otherBinlogReaders(ctx: RecoveryContext): Promise<string[]> {
  const d = ctx.dialect.BS;
  const [hosts, threads] = await Promise.all([
    ctx.read('BS', d.showReplicaHosts()),
    ctx.read(
      'BS',
      stmt("SELECT ID AS id, USER AS user, HOST AS host FROM information_schema.PROCESSLIST WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID')"),
    ),
  ]);
  const members = new Set([ctx.identity.GS?.serverId, ctx.identity.D?.serverId].filter((x): x is number => x !== undefined));
  const registered = hosts.map((r) => ({
    id: Number(col(r, REPLICA_HOST_COLUMNS.id)),
    host: String(col(r, REPLICA_HOST_COLUMNS.host) ?? ''),
    port: col(r, REPLICA_HOST_COLUMNS.port),
  }));
  const others = registered
    .filter((r) => !members.has(r.id))
    .map((r) => `server_id ${r.id}${r.host ? ` (${r.host}${r.port ? `:${String(r.port)}` : ''})` : ''}`);
  const unregistered = threads.length - registered.length;
  if (unregistered > 0)
    others.push(
      `${unregistered} binary log reader(s) that did not register (threads ${threads
        .map((t) => `${String(t.id)} ${String(t.user)}@${String(t.host)}`)
        .join(', ')})`,
    );
  return others;
}

/** The decision offline (no server to ask): from the flag alone, saying what a connected run would measure. */
function unmeasured(ctx: RecoveryContext): ImportBinlog {
  if (ctx.settings.logImport) return { logged: true, why: 'logged on BS (--log-import)' };
  return { logged: false, why: 'not logged on BS (not measured: a connected run logs it when BS serves replicas of its own)' };
}

/** The preflight's decision and its line. A resumed run keeps the first run's decision (the journal's state). */
export async function decideImportBinlog(ctx: RecoveryContext): Promise<{ decision: ImportBinlog; check: Check }> {
  const check = (verdict: Check['verdict'], d: ImportBinlog): { decision: ImportBinlog; check: Check } => ({
    decision: d,
    check: { verdict, check: 'import binary log', detail: d.why },
  });
  if (!reachable(ctx, 'BS')) return check('not-made', unmeasured(ctx));
  const readers = await otherBinlogReaders(ctx).catch((err: Error) => err);
  // MySQL GTID: the dump itself switches the import's sql_log_bin off (--set-gtid-purged=ON writes
  // SET @@SESSION.SQL_LOG_BIN = 0 with GTID_PURGED, https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_set-gtid-purged).
  if (mysqlGtid(ctx)) {
    const some = Array.isArray(readers) && readers.length > 0;
    return check(some ? 'warn' : 'ok', {
      logged: false,
      why: `not logged on BS: with gtid_mode=ON the dump sets gtid_purged and switches the import's binary log off itself${some ? `; BS's replicas (${readers.join('; ')}) do not get the copy: rebuild them from BS after the recovery` : ''}`,
      ...(some ? { readers } : {}),
    });
  }
  if (ctx.settings.logImport)
    return check('ok', { logged: true, why: 'logged on BS (--log-import): BS’s replicas get the copy; GS never replays it (step 9 starts after it)' });
  if (readers instanceof Error)
    return check('warn', { logged: true, why: `logged on BS: could not tell whether BS has replicas of its own (${readers.message})` });
  if (readers.length)
    return check('ok', {
      logged: true,
      why: `logged on BS: BS has replicas of its own (${readers.join('; ')}), which get the copy from BS’s binary log`,
      readers,
    });
  // Setting sql_log_bin takes SUPER (or BINLOG ADMIN, MariaDB 10.5.2+; SYSTEM_VARIABLES_ADMIN, MySQL 8): the tool
  // already needs it for its own unlogged statements on BS (the drops of what only BS holds).
  return check('ok', {
    logged: false,
    why: 'not logged on BS (sql_log_bin = 0 for the import): no replica of BS reads its binary log and the pair never replays the import (step 8 records BS’s coordinates after it); --log-import logs it',
  });
}

/** The decision the plan shows and the copy runs with (the preflight's, or the flag's when it did not run). */
export function importBinlog(ctx: RecoveryContext): ImportBinlog {
  return ctx.state.importBinlog ?? unmeasured(ctx);
}
