// Preflight: read-only checks before step 1 (also in --dry-run). One table, a verdict per line; any "stop" means
// the run ends before anything on either server is changed.
import type { Row } from '../adapters/mysql/session.js';
import { parseReplicaStatus } from '../adapters/mysql/replication.js';
import { stmt } from '../dialect/statement.js';
import { versionLabel } from '../dialect/version.js';
import { reachable, type RecoveryContext, type Role } from './context.js';
import { copyMethod } from './copy-method.js';
import type { Check, Verdict } from './events.js';
import { dataSizeBytes } from './compare.js';
import { formatBytes } from '../base/format.js';
import { describeBlockers, onlineBlockers } from './online-safety.js';
import { ACCEPT_FILE_ON_GTID, FILE_ON_GTID_CONSEQUENCE, decidePositioning, usesGtidPositioning } from './positioning.js';
import { has } from '../dialect/dialect.js';
import { clientProblem, dumpPlan } from '../adapters/shell/dump-args.js';
import type { Clients } from '../adapters/shell/clients.js';
import { bsOnlyChecks } from './bs-only.js';
import { physicalChecks } from './physical/preflight.js';
import { serverStateChecks } from './server-state.js';
import { decideImportBinlog } from './import-binlog.js';

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

/**
 * What the admin needs on top, by flavor and version, to write on a fenced BS: MySQL's read_only and offline_mode let
 * through CONNECTION_ADMIN or SUPER; MariaDB 10.11.1+ no longer counts SUPER as READ ONLY ADMIN (MDEV-29596;
 * https://mariadb.com/kb/en/grant/#read_only-admin), so an admin with SUPER alone cannot import, drop or write the
 * marker on a read_only BS.
 */
function versionPrivileges(ctx: RecoveryContext, role: Role): Array<string[]> {
  const v = ctx.dialect[role].version;
  if (v.flavor === 'mysql' && has(v, 'offlineMode')) return [['SUPER', 'CONNECTION_ADMIN']];
  if (has(v, 'readOnlyAdminSplit')) return [['READ_ONLY ADMIN', 'READ ONLY ADMIN']];
  return [];
}

export async function missingPrivileges(ctx: RecoveryContext, role: Role): Promise<string[] | undefined> {
  const rows = await ctx.read(
    role,
    stmt(
      "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
    ),
  );
  if (rows.length === 0) return undefined; // granted through roles: cannot tell here
  const have = new Set(rows.map((r) => String(r.PRIVILEGE_TYPE).toUpperCase()));
  return [...REQUIRED_PRIVILEGES, ...versionPrivileges(ctx, role)].filter((alts) => !alts.some((p) => have.has(p))).map((alts) => alts.join(' or '));
}

/**
 * MariaDB's read_only does not fence accounts that may write through it (READ ONLY ADMIN from 10.11.1, SUPER before):
 * the ones this admin can see, for the operator to keep away from BS. (MySQL's super_read_only fences them all.)
 */
export async function readOnlyBypass(ctx: RecoveryContext): Promise<Check | undefined> {
  const v = ctx.dialect.BS.version;
  if (v.flavor !== 'mariadb') return undefined;
  const privilege = has(v, 'readOnlyAdminSplit') ? ['READ_ONLY ADMIN', 'READ ONLY ADMIN'] : ['SUPER'];
  const rows = await ctx
    .read(
      'BS',
      stmt(
        `SELECT DISTINCT GRANTEE FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN (${privilege.map((p) => `'${p}'`).join(', ')}) ORDER BY GRANTEE`,
      ),
    )
    .catch(() => undefined);
  const name = privilege[privilege.length - 1];
  if (!rows) return { verdict: 'warn', check: 'read_only bypass', detail: `read_only does not fence accounts holding ${name}; could not list them` };
  const accounts = rows.map((r) => String(r.GRANTEE));
  return {
    verdict: accounts.length > 1 ? 'warn' : 'ok',
    check: 'read_only bypass',
    detail: `read_only does not fence accounts holding ${name}: ${accounts.join(', ') || 'none visible'}${accounts.length > 1 ? ' (keep them off BS until step 11; the tool uses only its own)' : ''}`,
  };
}

/**
 * Replication on other channels than the default one (MySQL multi-source, MariaDB named connections): STOP/START
 * REPLICA act on all of MySQL's channels and on MariaDB's default connection only, and no statement the tool writes
 * names a channel. Refused, naming what exists.
 */
export async function otherChannels(ctx: RecoveryContext, role: Role): Promise<Check> {
  const d = ctx.dialect[role];
  const rows = await ctx.read(role, d.showAllReplicasStatus());
  const named = [...new Set(rows.map((r) => String(r[d.replicaColumns.channel] ?? '')).filter((c) => c !== ''))];
  const what = d.version.flavor === 'mariadb' ? 'connection' : 'channel';
  if (named.length === 0) return { verdict: 'ok', check: `${role} replication channels`, detail: `the default ${what} only` };
  return {
    verdict: 'stop',
    check: `${role} replication channels`,
    detail: `${role} also replicates on ${what}(s) ${named.map((n) => `'${n}'`).join(', ')}: mmrecover recovers a pair on the default ${what} only (its statements name no ${what}, and STOP/START REPLICA would act on ${d.version.flavor === 'mariadb' ? 'the default connection only' : 'every channel'}); stop and remove the other ${what}(s), or recover by hand`,
  };
}

/** What a connected run checks for this version, said in an offline rehearsal (--assume), where nothing is measured. */
function assumedVersionNotes(ctx: RecoveryContext): Check[] {
  const v = ctx.dialect.BS.version;
  const why = `not made: --assume ${ctx.settings.assume} reaches no server`;
  const out: Check[] = [
    {
      verdict: 'not-made',
      check: 'replication channels',
      detail: `${why}; a connected run stops if either server replicates on another ${v.flavor === 'mariadb' ? 'named connection' : 'channel'} than the default one`,
    },
  ];
  if (v.flavor === 'mysql' && ctx.settings.positioning === 'file')
    out.push({
      verdict: ctx.settings.acceptFilePositioningOnGtid ? 'warn' : 'not-made',
      check: 'positioning',
      detail: ctx.settings.acceptFilePositioningOnGtid
        ? `file/position as asked (${ACCEPT_FILE_ON_GTID}); if gtid_mode is ON: ${FILE_ON_GTID_CONSEQUENCE}`
        : `${why}; a connected run stops if gtid_mode is ON (${FILE_ON_GTID_CONSEQUENCE}) unless given ${ACCEPT_FILE_ON_GTID}`,
    });
  if (v.flavor === 'mysql')
    out.push({
      verdict: 'not-made',
      check: 'fence',
      detail: `${why}; each fence variable is shown with the branch a connected run would take (if it is OFF before step 1, if the replication account is exempt from offline_mode)`,
    });
  if (has(v, 'readOnlyAdminSplit'))
    out.push({
      verdict: 'not-made',
      check: 'READ ONLY ADMIN',
      detail: `${why}; a connected run stops unless the admin holds READ ONLY ADMIN (SUPER no longer includes it) and lists the accounts read_only does not fence`,
    });
  if (v.flavor === 'mariadb' && usesGtidPositioning(ctx))
    out.push({
      verdict: 'not-made',
      check: 'GTID domains',
      detail: `${why}; a connected run stops if both servers share a gtid_domain_id with gtid_strict_mode ON`,
    });
  if (ctx.settings.replicationSsl && has(v, 'channelVerifiesCertByDefault') && !ctx.settings.tls)
    out.push({ verdict: 'warn', check: 'replication TLS', detail: channelVerifyWarning });
  return out;
}

const channelVerifyWarning =
  'MariaDB 11.4+ replicas verify their source’s certificate by default (MASTER_SSL_VERIFY_SERVER_CERT): give --ssl-ca for it, or --ssl-mode REQUIRED to encrypt without verifying';

const vendorOf = (c: Clients['dump']) => (c.flavor === 'mysql' ? 'MySQL' : 'MariaDB');

/**
 * An offline rehearsal's client line: which programs it assumed (the assumed server's vendor's own at its version, or
 * --client-version's) and whether this machine has them: the runbook is for the host it will run on.
 */
async function assumedClientsLine(ctx: RecoveryContext, c: Clients): Promise<string> {
  const s = ctx.settings;
  const assumed = `assumed ${vendorOf(c.dump)}'s ${c.dump.command} ${c.dump.version} | ${c.load.command} ${c.load.version} (${s.clientVersion ? `--client-version ${s.clientVersion}` : `--assume ${s.assume}; --client-version picks others`})`;
  const here = await ctx.localClients?.().catch(() => undefined);
  if (!here) return `${assumed}; none found on this machine`;
  const same = here.dump.flavor === c.dump.flavor && here.dump.version === c.dump.version && here.load.flavor === c.load.flavor;
  const found = `${here.dump.command} ${here.dump.version} (${vendorOf(here.dump)}'s) | ${here.load.command} ${here.load.version}`;
  const problem = clientProblem(here, [ctx.dialect.GS.version, ctx.dialect.BS.version]);
  if (same) return `${assumed}; installed here (${here.dump.path})`;
  return `${assumed}; not installed here: this machine has ${found}${problem ? ', which a run against these servers would refuse' : ''}`;
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
  // The servers' vendor's own client programs (MySQL's at or above the server's version): rule dump-client-of-server-vendor.
  const wrongClient = clientProblem(c, [ctx.dialect.GS.version, ctx.dialect.BS.version]);
  if (wrongClient) return [{ verdict: 'stop', check: 'dump program', detail: wrongClient }];
  const copy = dumpPlan(c, {
    optionFile: '',
    consistency: copyMethod(ctx).dump,
    server: ctx.dialect.GS.version,
    target: ctx.dialect.BS.version,
    purpose: 'copy',
    gtid: usesGtidPositioning(ctx),
  });
  const backup = dumpPlan(c, { optionFile: '', consistency: 'lock-all-tables', server: ctx.dialect.BS.version, purpose: 'backup' });
  const against = `${c.dump.command} ${c.dump.version} against ${versionLabel(ctx.dialect.GS.version)}`;
  // The physical and clone methods copy without the dump program: it only keeps what BS alone holds (step 2).
  const dumpCopies = copyMethod(ctx).logical;
  if (!dumpCopies) copy.reasons = [];
  if (dumpCopies && copy.problems.length) return copy.problems.map((p) => ({ verdict: 'stop', check: 'dump program', detail: p }));
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
    const why = ctx.settings.assume ? `not made: --assume ${ctx.settings.assume} reaches no server` : `not made: ${down.join(' and ')} did not answer`;
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
    // With --assume the versions are known: the client programs found here can be judged against them.
    if (ctx.settings.assume) {
      const c = await ctx.clients().catch((err: Error) => err);
      if (c instanceof Error) add('stop', 'client programs', c.message);
      else add('ok', 'client programs', await assumedClientsLine(ctx, c));
      checks.push(...(await dumpChecks(ctx)));
      checks.push(...assumedVersionNotes(ctx));
    }
    const imported = await decideImportBinlog(ctx);
    ctx.state.importBinlog = imported.decision;
    if (copyMethod(ctx).logical) checks.push(imported.check);
    checks.push(...(await physicalChecks(ctx)));
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
  for (const role of ['GS', 'BS'] as Role[])
    checks.push(
      await otherChannels(ctx, role).catch((err: Error) => ({ verdict: 'warn' as const, check: `${role} replication channels`, detail: err.message })),
    );
  const bypass = await readOnlyBypass(ctx);
  if (bypass) checks.push(bypass);
  for (const role of ['GS', 'BS'] as Role[])
    if (ctx.dialect[role].quoting.noBackslashEscapes)
      add('ok', `${role} sql_mode`, 'NO_BACKSLASH_ESCAPES: the statements write their literals with doubled quotes, no backslash escapes');
  if (ctx.settings.replicationSsl && has(b.version, 'channelVerifiesCertByDefault') && !ctx.settings.tls) add('warn', 'replication TLS', channelVerifyWarning);

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
    ['GS replication account', ctx.members.BS.replication.host],
    ['BS replication account', ctx.members.GS.replication.host],
  ] as Array<[string, string]>) {
    const acct = await replicationAccount(ctx, ctx.settings.replUser, peer).catch(() => undefined);
    const after = label.startsWith('BS') ? ' (BS gets GS’s accounts with the copy)' : '';
    if (!acct) add('warn', label, 'could not read mysql.user on GS');
    else if (!acct.exists) add('stop', label, `${ctx.settings.replUser} does not exist on GS${after}`);
    else if (!acct.matches) add('warn', label, `${ctx.settings.replUser}@{${acct.hosts.join(',')}} may not admit connections from ${peer}${after}`);
    else add('ok', label, `${ctx.settings.replUser} admits ${peer}${after}`);
  }
  const login = await ctx.host.loginToGs(ctx.settings.replUser, ctx.settings.replPassword);
  if (!login) add('ok', 'replication login', `${ctx.settings.replUser} logs in to GS with MMRECOVER_REPL_PASSWORD`);
  else add('warn', 'replication login', `${ctx.settings.replUser} could not log in to GS from here: ${login.message}`);

  try {
    const c = await ctx.clients();
    // Whether they are the servers' vendor's own (and recent enough) is the 'dump program' line (dumpChecks).
    add('ok', 'client programs', `${c.dump.command} ${c.dump.version} | ${c.load.command} ${c.load.version}`);
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
  const free = isLocal(ctx.members.BS.address.host) || ctx.members.BS.endpoint.socket ? await ctx.host.freeBytes(b.datadir) : undefined;
  if (free !== undefined) {
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
  const decision = decidePositioning(
    ctx.settings.positioning,
    {
      flavor: g.version.flavor,
      gsGtidMode: g.gtidMode,
      bsGtidMode: b.gtidMode,
      gsUsingGtid: gsRepl.usingGtid,
      bsUsingGtid: bsRepl.usingGtid,
    },
    { acceptFileOnGtid: ctx.settings.acceptFilePositioningOnGtid },
  );
  ctx.state.positioning = decision.positioning;
  // A resumed run keeps what the first run measured (and kept): by now BS may hold a partial copy of GS.
  if (ctx.settings.resume) add('ok', 'only on BS', 'as measured (and kept) by the run being resumed');
  else
    await bsOnlyChecks(ctx, add).catch((err: Error) =>
      add('warn', 'only on BS', `could not tell (${err.message}); step 2 still compares BS’s data with GS’s; --backup all keeps every schema whole instead`),
    );
  await serverStateChecks(ctx, add).catch((err: Error) =>
    add('warn', 'server state', `could not compare GS’s and BS’s settings, events and plugins: ${err.message}`),
  );
  checks.push({
    verdict: decision.verdict,
    check: 'positioning',
    detail: decision.detail,
    ...(decision.missingFlag ? { missingFlag: decision.missingFlag } : {}),
  });
  for (const c of await dumpChecks(ctx)) checks.push(c);
  const imported = await decideImportBinlog(ctx);
  ctx.state.importBinlog = imported.decision;
  if (copyMethod(ctx).logical) checks.push(imported.check);
  if (decision.positioning === 'gtid' && g.version.flavor === 'mariadb') {
    const domains = await Promise.all(
      (['GS', 'BS'] as Role[]).map((r) =>
        read(r)('SELECT @@GLOBAL.gtid_domain_id AS d').then(
          (rows) => rows[0]?.d,
          () => undefined,
        ),
      ),
    );
    const strict = (['GS', 'BS'] as Role[]).filter((r) => ctx.identity[r]?.gtidStrictMode);
    if (domains[0] === domains[1] && strict.length)
      // The import is binlogged on BS in the shared domain, with sequence numbers past GS's: with gtid_strict_mode BS
      // then refuses GS's position in step 6 ("conflicts with the binary log which contains a more recent GTID") or
      // GS's next transaction in step 7 (ER_GTID_STRICT_OUT_OF_ORDER, 1950). Seen on MariaDB 10.11; by file/position
      // (MASTER_USE_GTID=no) the same pair recovered. https://mariadb.com/kb/en/gtid/#gtid_strict_mode
      add(
        'stop',
        'GTID domains',
        `both servers write GTIDs in domain ${String(domains[0])} and gtid_strict_mode is ON on ${strict.join(' and ')}: BS would refuse GS's GTID position after the import (ER_GTID_STRICT_OUT_OF_ORDER, 1950). Give each master its own gtid_domain_id, or switch gtid_strict_mode off on both for the recovery, or run with --positioning file`,
      );
    else
      add(
        domains[0] === domains[1] ? 'warn' : 'ok',
        'GTID domains',
        domains[0] === domains[1]
          ? `both servers write GTIDs in domain ${String(domains[0])}: with writes on both sides, positions can collide; give each master its own gtid_domain_id`
          : `GS writes in domain ${String(domains[0])}, BS in domain ${String(domains[1])}`,
      );
  }
  checks.push(...(await physicalChecks(ctx)));
  return checks;
}
