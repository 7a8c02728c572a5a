// Preflight: read-only checks before step 1 (also in --dry-run). One table, a verdict per line; any "stop" means
// the run ends before anything on either server is changed.
import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { ServerSession, ServerError, type Row } from '../adapters/mysql/session.js';
import { parseReplicaStatus } from '../adapters/mysql/replication.js';
import { endpointFor } from '../config/endpoints.js';
import { stmt } from '../dialect/statement.js';
import { versionLabel } from '../dialect/version.js';
import { reachable, type RecoveryContext, type Role } from './context.js';
import { copyMethod } from './copy-method.js';
import type { Check, Verdict } from './events.js';
import { dataSizeBytes } from './compare.js';
import { formatBytes } from '../base/format.js';
import { describeBlockers, onlineBlockers } from './online-safety.js';
import { decidePositioning, usesGtidPositioning } from './positioning.js';
import { dumpPlan } from '../adapters/shell/dump-args.js';
import { bsOnlyChecks } from './bs-only.js';

export type { Check, Verdict };

const REQUIRED_PRIVILEGES: Array<string[]> = [
  ['SELECT'],
  ['RELOAD'],
  ['LOCK TABLES'],
  ['SHOW VIEW'],
  ['EVENT'],
  ['TRIGGER'],
  ['PROCESS'],
  ['REPLICATION SLAVE'],
  ['REPLICATION CLIENT', 'BINLOG MONITOR', 'SLAVE MONITOR', 'REPLICA MONITOR'],
  // SUPER, or the finer-grained privileges that replaced it for what the steps do.
  ['SUPER', 'REPLICATION_SLAVE_ADMIN', 'REPLICATION SLAVE ADMIN'],
];

async function missingPrivileges(ctx: RecoveryContext, role: Role): Promise<string[] | undefined> {
  const rows = await ctx.read(
    role,
    stmt(
      "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
    ),
  );
  if (rows.length === 0) return undefined; // granted through roles: cannot tell here
  const have = new Set(rows.map((r) => String(r.PRIVILEGE_TYPE).toUpperCase()));
  return REQUIRED_PRIVILEGES.filter((alts) => !alts.some((p) => have.has(p))).map((alts) => alts.join(' or '));
}

/** Does `account` on `s` exist, and does one of its host patterns admit `peerHost`? */
async function replicationAccount(ctx: RecoveryContext, user: string, peerHost: string): Promise<{ exists: boolean; matches: boolean; hosts: string[] }> {
  const q = ctx.dialect.GS.literal;
  const rows = await ctx.read('GS', stmt(`SELECT Host, ${q(peerHost)} LIKE Host AS matches FROM mysql.user WHERE User = ${q(user)}`));
  return { exists: rows.length > 0, matches: rows.some((r) => Number(r.matches) === 1 || r.Host === '%'), hosts: rows.map((r) => String(r.Host)) };
}

function isLocal(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1'].includes(host);
}

/**
 * The dump program against these servers, for the copy and for the backup of BS: the flags chosen from the client and
 * the server together, or why no flag can work (a STOP). Needs only the versions: an offline rehearsal makes it too.
 */
export async function dumpChecks(ctx: RecoveryContext): Promise<Check[]> {
  const c = await ctx.clients().catch(() => undefined);
  if (!c) return [];
  const copy = dumpPlan(c, {
    optionFile: '',
    consistency: copyMethod(ctx).dump,
    server: ctx.dialect.GS.version,
    purpose: 'copy',
    gtid: usesGtidPositioning(ctx),
  });
  const backup = dumpPlan(c, { optionFile: '', consistency: 'lock-all-tables', server: ctx.dialect.BS.version, purpose: 'backup' });
  const against = `${c.dump.command} ${c.dump.version} against ${versionLabel(ctx.dialect.GS.version)}`;
  if (copy.problems.length) return copy.problems.map((p) => ({ verdict: 'stop', check: 'dump program', detail: p }));
  const reasons = [...new Set([...copy.reasons.map((r) => `copy: ${r}`), ...backup.reasons.map((r) => `backup: ${r}`)])];
  return [{ verdict: 'ok', check: 'dump flags', detail: reasons.length ? `${against}: ${reasons.join('; ')}` : `${against}: no version-specific flag needed` }];
}

export async function runPreflight(ctx: RecoveryContext): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (verdict: Verdict, check: string, detail: string) => checks.push({ verdict, check, detail });
  // Servers that do not answer (a dry run only): show the path that was asked for, file/position by default.
  ctx.state.positioning = ctx.settings.positioning === 'gtid' ? 'gtid' : 'file';
  if (!reachable(ctx, 'GS') || !reachable(ctx, 'BS')) {
    const down = (['GS', 'BS'] as Role[]).filter((r) => !reachable(ctx, r));
    const why = `not made: ${down.join(' and ')} did not answer`;
    for (const check of [
      'privileges',
      'two different servers',
      'binary log',
      'replication account',
      'long transactions on GS',
      'disk space on BS',
      'what only BS holds',
      'positioning',
    ])
      add('not-made', check, why);
    return checks;
  }
  const g = ctx.identity.GS!;
  const b = ctx.identity.BS!;
  const read = (role: Role) => (sql: string) => ctx.read(role, stmt(sql));

  for (const role of ['GS', 'BS'] as Role[]) {
    const id = ctx.identity[role]!;
    add('ok', `${role} reachable`, `${versionLabel(id.version)}, server_id ${id.serverId}, as ${ctx.settings.user}`);
    const missing = await missingPrivileges(ctx, role).catch(() => undefined);
    if (missing === undefined) add('warn', `${role} privileges`, 'could not list them (granted through a role?); steps may fail on a missing privilege');
    else if (missing.length) add('stop', `${role} privileges`, `${ctx.settings.user} lacks: ${missing.join(', ')}`);
    else add('ok', `${role} privileges`, 'all the steps need');
  }

  const same = g.serverUuid === b.serverUuid || g.serverId === b.serverId;
  add(
    same ? 'stop' : 'ok',
    'two different servers',
    same
      ? `GS and BS are the same server or share server_id ${g.serverId} (wrong port, or a VIP pointing at the other node?)`
      : `server_id ${g.serverId} vs ${b.serverId}`,
  );

  for (const role of ['GS', 'BS'] as Role[]) {
    const id = ctx.identity[role]!;
    add(id.logBin ? 'ok' : 'stop', `${role} binary log`, id.logBin ? `on, format ${id.binlogFormat}` : 'log_bin is OFF: it is not configured as a master');
    add(
      id.logSlaveUpdates ? 'ok' : 'warn',
      `${role} log_slave_updates`,
      id.logSlaveUpdates ? 'on' : 'off: changes replicated into it are not written to its binary log',
    );
  }
  const paired = g.autoIncrementIncrement >= 2 && b.autoIncrementIncrement >= 2 && g.autoIncrementOffset !== b.autoIncrementOffset;
  add(
    paired ? 'ok' : 'warn',
    'auto_increment pairing',
    `GS increment ${g.autoIncrementIncrement} offset ${g.autoIncrementOffset}; BS increment ${b.autoIncrementIncrement} offset ${b.autoIncrementOffset}${paired ? '' : ' (not set as a master-master pair: both sides may generate the same keys)'}`,
  );

  // The replication account is read on GS only: step 4 copies GS's accounts over BS's, so GS's account must admit
  // BS (BS replicates from GS) and, once copied, GS (GS replicates from BS). BS's own mysql schema is never read: after
  // a crash in the middle of an import it may be damaged (MariaDB 10.11 has been seen to crash reading it).
  for (const [label, peer] of [
    ['GS replication account', ctx.settings.badAddress.host],
    ['BS replication account', ctx.settings.goodAddress.host],
  ] as Array<[string, string]>) {
    const acct = await replicationAccount(ctx, ctx.settings.replUser, peer).catch(() => undefined);
    const after = label.startsWith('BS') ? ' (BS gets GS’s accounts with the copy)' : '';
    if (!acct) add('warn', label, 'could not read mysql.user on GS');
    else if (!acct.exists) add('stop', label, `${ctx.settings.replUser} does not exist on GS${after}`);
    else if (!acct.matches) add('warn', label, `${ctx.settings.replUser}@{${acct.hosts.join(',')}} may not admit connections from ${peer}${after}`);
    else add('ok', label, `${ctx.settings.replUser} admits ${peer}${after}`);
  }
  const login = await ServerSession.connect(
    { ...endpointFor(ctx.settings, 'GS'), user: ctx.settings.replUser, password: ctx.settings.replPassword, label: 'GS' },
    { connectTimeoutMs: 5000 },
  )
    .then(async (s) => (await s.close(), undefined))
    .catch((err: ServerError) => err);
  if (!login) add('ok', 'replication login', `${ctx.settings.replUser} logs in to GS with MMRECOVER_REPL_PASSWORD`);
  else add('warn', 'replication login', `${ctx.settings.replUser} could not log in to GS from here: ${login.message}`);

  try {
    const c = await ctx.clients();
    add('ok', 'client programs', `${c.dump.command} ${c.dump.version} | ${c.load.command} ${c.load.version}`);
    if (c.dump.flavor !== g.version.flavor)
      add('warn', 'client flavor', `${c.dump.command} is a ${c.dump.flavor} client and GS is ${versionLabel(g.version)}; prefer the server's own client`);
  } catch (err) {
    add('stop', 'client programs', (err as Error).message);
  }

  const trx: Row[] = await read('GS')(
    "SELECT trx_mysql_thread_id AS id, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS age, LEFT(COALESCE(trx_query, ''), 80) AS query FROM information_schema.INNODB_TRX WHERE trx_started <= NOW() - INTERVAL 2 SECOND ORDER BY trx_started",
  ).catch(() => []);
  const longQueries: Row[] = await read('GS')(
    "SELECT ID AS id, TIME AS age, LEFT(COALESCE(INFO, ''), 80) AS query FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND TIME >= 2 AND ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler')",
  ).catch(() => []);
  // A long statement inside a transaction shows in both lists: once per thread, at its longest age.
  const byThread = new Map<string, { id: unknown; age: number; query: string }>();
  for (const t of [...trx, ...longQueries]) {
    const seen = byThread.get(String(t.id));
    const age = Math.max(Number(t.age), seen?.age ?? 0);
    byThread.set(String(t.id), { id: t.id, age, query: String(t.query ?? '') || seen?.query || '' });
  }
  const long = [...byThread.values()];
  if (long.length)
    add(
      'warn',
      'GS long transactions',
      `${long.length} open for ${long.map((t) => `${t.age}s (thread ${t.id}${t.query ? `: ${t.query}` : ''})`).join('; ')}; FLUSH TABLES WITH READ LOCK will wait at most ${ctx.settings.lockWaitTimeout}s, then ask`,
    );
  else add('ok', 'GS long transactions', 'none');

  const need = await dataSizeBytes((s) => ctx.read('GS', s)).catch(() => 0);
  if ((isLocal(ctx.settings.bad.host) || ctx.settings.badSocket) && existsSync(b.datadir)) {
    const fs = await statfs(b.datadir);
    const free = fs.bavail * fs.bsize;
    const verdict: Verdict = free < need * 1.2 ? 'stop' : 'ok';
    add(verdict, 'BS disk space', `${formatBytes(free)} free in ${b.datadir}; GS holds about ${formatBytes(need)}`);
  } else {
    add('ok', 'BS disk space', `cannot see BS's disk from here; make sure it has room for about ${formatBytes(need)}`);
  }

  if (copyMethod(ctx).needsTransactionalTables) {
    const blockers = await onlineBlockers((q) => ctx.read('GS', q));
    const why = describeBlockers(blockers);
    add(
      why ? 'stop' : 'ok',
      'online copy is safe',
      why ? `${why}. Use --method classic (GS locked during the copy)` : 'all user tables are transactional and no DDL is running on GS',
    );
  }

  const [gsRepl, bsRepl] = await Promise.all(
    (['GS', 'BS'] as Role[]).map(async (r) => parseReplicaStatus(await ctx.read(r, ctx.dialect[r].showReplicaStatus()), ctx.dialect[r])),
  );
  const decision = decidePositioning(ctx.settings.positioning, {
    flavor: g.version.flavor,
    gsGtidMode: g.gtidMode,
    bsGtidMode: b.gtidMode,
    gsUsingGtid: gsRepl.usingGtid,
    bsUsingGtid: bsRepl.usingGtid,
  });
  ctx.state.positioning = decision.positioning;
  // A resumed run keeps what the first run measured (and kept): by now BS may hold a partial copy of GS.
  if (ctx.settings.resume) add('ok', 'only on BS', 'as measured (and kept) by the run being resumed');
  else await bsOnlyChecks(ctx, add).catch((err: Error) => add('warn', 'only on BS', `could not tell (${err.message}); --backup all keeps every schema`));
  add(decision.verdict, 'positioning', decision.detail);
  for (const c of await dumpChecks(ctx)) checks.push(c);
  if (decision.positioning === 'gtid' && g.version.flavor === 'mariadb') {
    const domains = await Promise.all(
      (['GS', 'BS'] as Role[]).map((r) =>
        read(r)('SELECT @@GLOBAL.gtid_domain_id AS d').then(
          (rows) => rows[0]?.d,
          () => undefined,
        ),
      ),
    );
    add(
      domains[0] === domains[1] ? 'warn' : 'ok',
      'GTID domains',
      domains[0] === domains[1]
        ? `both servers write GTIDs in domain ${String(domains[0])}: with writes on both sides, positions can collide; give each master its own gtid_domain_id`
        : `GS writes in domain ${String(domains[0])}, BS in domain ${String(domains[1])}`,
    );
  }
  return checks;
}
