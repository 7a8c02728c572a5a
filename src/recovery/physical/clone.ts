// Step 4 of --method clone (MySQL 8.0.17+), over SQL connections only: the clone plugin installed where it is missing,
// BS told that GS is a valid donor, CLONE INSTANCE run on BS (BS replaces its data with GS's and restarts), then GS's
// coordinates read from performance_schema.clone_status and BS's server_uuid checked to have survived. The rules it
// relies on are in ../rules/clone-rules.ts, with the manual's words.
import { clonePluginStatus, cloneInstance, installClonePlugin, readCloneStatus, setCloneDonorList } from '../../dialect/clone.js';
import { literal, stmt } from '../../dialect/statement.js';
import { grantsInclude, matchingAccount, parseRoleList, showGrantsUsing } from '../../dialect/grants.js';
import type { Row } from '../../adapters/mysql/session.js';
import { StepFailed } from '../../base/errors.js';
import type { Action, Role, SqlAction } from '../actions.js';
import { reachable, type RecoveryContext } from '../context.js';
import type { Check } from '../events.js';
import { aroundOwnWrites, unmeasured } from '../fence.js';
import { mysqlGtid } from '../positioning.js';
import { cloneVerdicts } from './clone-rules.js';
import type { StepPlan } from '../step.js';

async function pluginMissing(ctx: RecoveryContext, role: Role): Promise<boolean | undefined> {
  if (!reachable(ctx, role)) return undefined;
  const rows = await ctx.read(role, clonePluginStatus());
  return String(rows[0]?.status ?? '').toUpperCase() !== 'ACTIVE';
}

async function installWhereMissing(ctx: RecoveryContext, role: Role): Promise<SqlAction[]> {
  const missing = await pluginMissing(ctx, role);
  const action: SqlAction = { kind: 'sql', role, statement: installClonePlugin(), note: 'the clone plugin is not active there' };
  if (missing === undefined)
    return [
      {
        ...action,
        branch: {
          text: `if the clone plugin is not active on ${role} (${unmeasured(ctx)})`,
          all: [{ fact: 'plugin-missing', role, plugin: 'clone', is: true }],
        },
      },
    ];
  return missing ? [action] : [];
}

export async function clonePlan(ctx: RecoveryContext): Promise<StepPlan> {
  const s = ctx.settings;
  const donor = ctx.members.GS.replication;
  const timeoutSeconds = Math.max(600, s.stallTimeout * 10);
  const { lift, restore } = await aroundOwnWrites(ctx, 'installing the clone plugin and the clone');
  const gtid = mysqlGtid(ctx);
  const uuid = ctx.identity.BS?.serverUuid;
  const actions: Action[] = [
    ...(await installWhereMissing(ctx, 'GS')),
    // INSTALL PLUGIN writes mysql.plugin, which super_read_only refuses even to SUPER
    // (https://dev.mysql.com/doc/refman/5.7/en/server-system-variables.html#sysvar_super_read_only: "Client updates
    // prevented when super_read_only is enabled include operations that do not necessarily appear to be updates, such
    // as CREATE FUNCTION (to install a UDF) and INSTALL PLUGIN"): step 1's super_read_only is lifted before it, not
    // only around the clone. read_only stays on; the restore below is a cleanup action.
    ...lift,
    ...(await installWhereMissing(ctx, 'BS')),
    { kind: 'sql', role: 'BS', statement: setCloneDonorList(donor.host, donor.port, ctx.dialect.BS.quoting), note: 'BS accepts GS as its donor' },
    {
      kind: 'clone',
      role: 'BS',
      statement: cloneInstance({ user: s.user, host: donor.host, port: donor.port, password: s.password }, ctx.dialect.BS.quoting),
      timeoutSeconds,
      note: 'replaces all data on BS with GS’s InnoDB data (accounts and grants become GS’s); BS restarts itself',
    },
    {
      kind: 'sql',
      role: 'BS',
      statement: readCloneStatus(),
      note: `GS’s coordinates at the clone’s point: file, position${gtid ? ', GTID set' : ''}`,
      capture: (rows, state) => {
        const r = rows[0];
        if (!r || String(r.state).toLowerCase() !== 'completed' || !r.binlog_file)
          throw new StepFailed(
            `the clone did not complete (clone_status: ${String(r?.state ?? 'no row')}${r?.error_message ? `, ${String(r.error_message)}` : ''})`,
            4,
            'Run again with --resume: it restarts from step 3.',
          );
        state.gsCoords = { file: String(r.binlog_file), position: Number(r.binlog_position), ...(gtid ? { gtid: String(r.gtid_executed ?? '') } : {}) };
      },
    },
    {
      kind: 'sql',
      role: 'BS',
      statement: stmt('SELECT @@GLOBAL.server_uuid AS server_uuid'),
      note: 'BS keeps its own server_uuid (auto.cnf is not cloned)',
      capture: (rows) => {
        const now = String(rows[0]?.server_uuid ?? '');
        if (uuid && now !== uuid)
          throw new StepFailed(
            `BS came back with server_uuid ${now}, not its own ${uuid}: replication between them would break`,
            4,
            'Restore BS’s auto.cnf, restart it, then --resume.',
          );
      },
    },
  ];
  // The restart cleared what step 1 set on BS: back on, even after a failure (BS came back unfenced).
  for (const f of ctx.state.fence)
    actions.push({ kind: 'sql', role: 'BS', statement: stmt(`SET GLOBAL ${f.variable} = ON`), note: 'the restart cleared what step 1 set', cleanup: true });
  actions.push(...restore);
  return {
    actions,
    notes: [`Clone method: CLONE INSTANCE from ${donor.host}:${donor.port} on BS, over SQL only; GS takes no lock that blocks its writes.`],
  };
}

/** The preflight lines of --method clone: the manual's rules (clone-rules.ts) over what can be measured. */
export async function cloneChecks(ctx: RecoveryContext): Promise<Check[]> {
  const connected = reachable(ctx, 'GS') && reachable(ctx, 'BS');
  const lines = (rows: Row[]) => rows.map((r) => String(Object.values(r)[0]));
  // BS: CLONE INSTANCE runs in the tool's own session there, with the roles active in it (CURRENT_ROLE()).
  const recipient = async (): Promise<boolean | undefined> => {
    if (!connected) return undefined;
    const q = ctx.dialect.BS.quoting;
    const active = await ctx.read('BS', stmt('SELECT CURRENT_ROLE() AS roles')).catch(() => undefined);
    const rows = await ctx.read('BS', showGrantsUsing('CURRENT_USER()', parseRoleList(active?.[0]?.roles as string | undefined), q)).catch(() => undefined);
    return rows ? grantsInclude(lines(rows), 'CLONE_ADMIN') : undefined;
  };
  // GS: the donor account is the one the clone logs in as, from BS's address (not the account this tool reaches GS
  // with), with the roles that become active at its login (its default roles, or all it holds with
  // activate_all_roles_on_login).
  const donor = async (): Promise<boolean | undefined> => {
    if (!connected) return undefined;
    const q = ctx.dialect.GS.quoting;
    const user = ctx.settings.user;
    const hosts = await ctx.read('GS', stmt(`SELECT Host AS host FROM mysql.user WHERE User = ${literal(user, q)}`)).catch(() => undefined);
    const acct =
      hosts &&
      matchingAccount(
        user,
        hosts.map((r) => String(r.host)),
        ctx.members.BS.replication.host,
      );
    if (!acct) return hosts ? false : undefined;
    const all = await ctx.read('GS', stmt('SELECT @@GLOBAL.activate_all_roles_on_login AS all_roles')).catch(() => undefined);
    const roleRows = await ctx
      .read(
        'GS',
        Number(all?.[0]?.all_roles) === 1
          ? stmt(`SELECT FROM_USER AS u, FROM_HOST AS h FROM mysql.role_edges WHERE TO_USER = ${literal(acct.user, q)} AND TO_HOST = ${literal(acct.host, q)}`)
          : stmt(
              `SELECT DEFAULT_ROLE_USER AS u, DEFAULT_ROLE_HOST AS h FROM mysql.default_roles WHERE USER = ${literal(acct.user, q)} AND HOST = ${literal(acct.host, q)}`,
            ),
      )
      .catch(() => []);
    const roles = roleRows.map((r) => ({ user: String(r.u), host: String(r.h) }));
    const rows = await ctx.read('GS', showGrantsUsing(acct, roles, q)).catch(() => undefined);
    return rows ? grantsInclude(lines(rows), 'BACKUP_ADMIN') : undefined;
  };
  const nonInnodb = connected
    ? await ctx
        .read(
          'GS',
          stmt(
            "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, ENGINE AS e, TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB' AND TABLE_ROWS > 0 AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema')",
          ),
        )
        .then(
          (rows) => rows.map((r) => `${String(r.s)}.${String(r.t)} (${String(r.e)}, ${String(r.n)} rows)`),
          () => undefined,
        )
    : undefined;
  const verdicts = cloneVerdicts({
    gs: ctx.dialect.GS.version,
    bs: ctx.dialect.BS.version,
    gsBackupAdmin: await donor(),
    bsCloneAdmin: await recipient(),
    nonInnodbWithRows: nonInnodb,
  });
  return verdicts.map((v) => ({ verdict: v.verdict, check: `clone: ${v.rule.replace(/^clone-/, '')}`, detail: v.detail }));
}
