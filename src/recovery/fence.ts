// BS's fence while the recovery runs, and the two places the tool itself must get through it: super_read_only around
// its own writes on BS (the DROP of schemas only BS has, the import, the proof's marker row), and offline_mode when
// GS's replica logs in to BS in step 10. What a connected run measures, an offline plan shows as a branch.
import { has } from '../dialect/dialect.js';
import { stmt } from '../dialect/statement.js';
import type { Branch, SqlAction } from './actions.js';
import { reachable, type RecoveryContext } from './context.js';

export const isOn = (v: unknown) => v === 1 || v === '1' || String(v).toUpperCase() === 'ON';

/** Why an offline plan could not measure something: said in each branch it shows. */
export function unmeasured(ctx: RecoveryContext): string {
  return ctx.settings.assume ? `not measured: --assume ${ctx.settings.assume} reached no server` : 'not measured: BS did not answer';
}

/** A global variable's value on BS now, or undefined when BS cannot be asked (offline). */
async function variableOnBs(ctx: RecoveryContext, variable: string): Promise<boolean | undefined> {
  if (!reachable(ctx, 'BS')) return undefined;
  const rows = await ctx.read('BS', stmt(`SELECT @@GLOBAL.${variable} AS ${variable}`));
  return isOn(rows[0]?.[variable]);
}

/**
 * Is super_read_only ON on BS when this step runs? Measured by the step (a server that was a passive master usually
 * runs with it already), or switched on by step 1 (a rehearsal only records that it would be). Offline: step 1 makes
 * sure it is on wherever the server has it.
 */
export async function superReadOnlyOn(ctx: RecoveryContext): Promise<boolean> {
  if (!has(ctx.dialect.BS.version, 'superReadOnly')) return false;
  if (ctx.state.fence.some((f) => f.variable === 'super_read_only')) return true;
  return (await variableOnBs(ctx, 'super_read_only')) ?? true;
}

/**
 * super_read_only refuses writes and DDL even to SUPER (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_super_read_only:
 * "If the super_read_only system variable is also enabled, the server prohibits client updates even from users who
 * have SUPER"). Lifted for the tool's own writes whenever it is ON then, read_only stays on; put back after, even when
 * the writes fail (a cleanup action).
 */
export async function aroundOwnWrites(ctx: RecoveryContext, what: string): Promise<{ lift: SqlAction[]; restore: SqlAction[] }> {
  if (!(await superReadOnlyOn(ctx))) return { lift: [], restore: [] };
  return {
    lift: [{ kind: 'sql', role: 'BS', statement: stmt('SET GLOBAL super_read_only = OFF'), note: `for ${what} only; read_only stays on` }],
    restore: [{ kind: 'sql', role: 'BS', statement: stmt('SET GLOBAL super_read_only = ON'), cleanup: true, note: 'back on' }],
  };
}

/**
 * Does the replication account hold CONNECTION_ADMIN or SUPER (on every host row)? Read on GS: since step 4 BS has GS's
 * accounts. Undefined when it cannot be read (taken as "no": lifting offline_mode is harmless, a refused login is not).
 */
async function replicationAccountExempt(ctx: RecoveryContext): Promise<boolean | undefined> {
  if (!reachable(ctx, 'GS')) return undefined;
  const user = ctx.dialect.GS.literal(ctx.settings.replUser);
  // CONNECTION_ADMIN is a dynamic privilege, kept in mysql.global_grants from MySQL 8.0.
  const dynamic = ctx.dialect.GS.version.flavor === 'mysql' && ctx.dialect.GS.version.major >= 8;
  const rows = await ctx
    .read(
      'GS',
      stmt(
        `SELECT u.Host, (u.Super_priv = 'Y'${dynamic ? " OR EXISTS (SELECT 1 FROM mysql.global_grants g WHERE g.USER = u.User AND g.HOST = u.Host AND g.PRIV = 'CONNECTION_ADMIN')" : ''}) AS exempt FROM mysql.user u WHERE u.User = ${user}`,
      ),
    )
    .catch(() => undefined);
  if (!rows) return undefined;
  return rows.length > 0 && rows.every((r) => isOn(r.exempt));
}

/**
 * offline_mode refuses every new login from an account without CONNECTION_ADMIN or SUPER: only the replication threads
 * running on the server are exempt, not another server's replica logging in to it (WL#3836, Func-Req 2.2: "When
 * offline_mode is set to ON, no further non-super user clients will be allowed to connect";
 * https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_offline_mode). In step 10 GS's replica
 * logs in to BS as the replication account, which normally holds neither: offline_mode is lifted first, shown in the
 * plan. BS stays fenced against writes by read_only and super_read_only; offline_mode only kept clients off the
 * half-copied data, which is complete and verified from here on.
 */
export async function offlineModeLift(ctx: RecoveryContext): Promise<SqlAction[]> {
  if (!has(ctx.dialect.BS.version, 'offlineMode')) return [];
  const setByStep1 = ctx.state.fence.some((f) => f.variable === 'offline_mode');
  const lift = (note: string, branch?: Branch): SqlAction => ({
    kind: 'sql',
    role: 'BS',
    statement: stmt('SET GLOBAL offline_mode = OFF'),
    note,
    // A branch may not run: step 11 then shows its own condition (still ON) instead of relying on this one.
    ...(branch
      ? { branch }
      : {
          effect: (s) => {
            s.offlineModeLifted = { setByStep1: s.fence.some((f) => f.variable === 'offline_mode') };
            s.fence = s.fence.filter((f) => f.variable !== 'offline_mode');
          },
        }),
  });
  const why = `GS's replica logs in to BS as ${ctx.settings.replUser}; offline_mode would refuse it (ER_SERVER_OFFLINE_MODE, 3032). read_only${has(ctx.dialect.BS.version, 'superReadOnly') ? ' and super_read_only' : ''} still fence writes`;
  if (!reachable(ctx, 'BS') || !reachable(ctx, 'GS'))
    // Step 1 made sure it is ON; whether the account is exempt only the servers can say.
    return [
      lift(why, {
        text: `if ${ctx.settings.replUser} holds neither CONNECTION_ADMIN nor SUPER (${unmeasured(ctx)})`,
        all: [{ fact: 'replication-account-exempt', is: false }],
      }),
    ];
  const on = setByStep1 || (await variableOnBs(ctx, 'offline_mode'));
  if (!on || (await replicationAccountExempt(ctx))) return [];
  return [lift(setByStep1 ? why : `${why}; it was ON before the recovery and stays OFF (step 11 says so)`)];
}
