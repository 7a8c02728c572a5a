// Step 1: the bad server must process no queries but ours. The tool cannot reach firewalls or VIPs, so it shows the
// checklist, lists BS's client connections and offers to KILL them, then fences BS with read_only (and
// super_read_only where the server has it), and refuses to go on while foreign client connections remain, unless the
// operator says so.
//
// The order and the bound come from the manuals (rule fence-bounded-after-client-list): SET GLOBAL read_only = ON
// takes the global read lock, so it waits for other sessions' table locks (MySQL: and open transactions), and while
// it waits, new writes and transactions queue behind it (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_read_only;
// https://mariadb.com/kb/en/read-only-replicas/: "The statement will wait for other sessions that hold table locks.
// While the attempt to set read_only is waiting, other requests for table locks or transactions will also wait until
// read_only has been set."). So the clients are listed and offered a KILL first, and the wait is bounded by
// lock_wait_timeout (--lock-wait-timeout, the bound this tool uses for every lock it waits for): past it the run
// stops naming the sessions still there, read_only as it was. On MySQL offline_mode goes on before the list: it
// disconnects the clients that lack CONNECTION_ADMIN, releasing their locks, and waits for none itself.
import { stmt } from '../../dialect/statement.js';
import { slot, type Action, type SqlAction } from '../actions.js';
import { reachable, serverName, type RecoveryContext } from '../context.js';
import { fenceHoldersQueries, foreignConnectionsQuery } from '../connections.js';
import { isOn, unmeasured } from '../fence.js';
import type { Step, StepPlan } from '../step.js';
import { heading } from '../step-headings.js';

/** The lock-wait bound of the fence, in whole seconds (lock_wait_timeout takes no fraction and 0 would not wait at all). */
export const fenceLockWait = (ctx: RecoveryContext) => Math.max(1, Math.ceil(ctx.settings.lockWaitTimeout));

const boundNote = (ctx: RecoveryContext, variable: string) =>
  ctx.dialect.BS.fenceWaitsForLocks(variable)
    ? `waits at most ${fenceLockWait(ctx)} s (--lock-wait-timeout) for other sessions' locks, then stops naming them`
    : undefined;

function fenceStatement(ctx: RecoveryContext, variable: string) {
  return ctx.dialect.BS.fenceOn(variable, fenceLockWait(ctx));
}

function lockBound(ctx: RecoveryContext, variable: string): SqlAction['lockBound'] {
  if (!ctx.dialect.BS.fenceWaitsForLocks(variable)) return undefined;
  return { seconds: fenceLockWait(ctx), holders: fenceHoldersQueries(ctx.ownThreadIds.BS) };
}

/** Fence variables that are off now, with their values; undefined when BS did not answer (nothing measured). */
async function fenceChanges(ctx: RecoveryContext, vars: string[]): Promise<Array<{ variable: string; before: string }> | undefined> {
  if (!reachable(ctx, 'BS') || vars.length === 0) return undefined;
  const rows = await ctx.read('BS', stmt(`SELECT ${vars.map((v) => `@@GLOBAL.${v} AS ${v}`).join(', ')}`));
  return vars.map((variable) => ({ variable, before: String(rows[0]?.[variable] ?? '') })).filter((v) => !isOn(v.before));
}

const joinNotes = (...notes: Array<string | undefined>) => notes.filter(Boolean).join('; ');

function fenceActions(ctx: RecoveryContext, changes: Array<{ variable: string; before: string }> | undefined, vars: string[], refence = false): SqlAction[] {
  if (!changes)
    return vars.map((variable) => ({
      kind: 'sql',
      role: 'BS',
      statement: fenceStatement(ctx, variable),
      branch: { text: `if it is OFF (${unmeasured(ctx)})`, all: [{ fact: 'variable', role: 'BS', variable, is: 'OFF' }] },
      note: joinNotes('step 11 sets it back', boundNote(ctx, variable)),
      lockBound: lockBound(ctx, variable),
      effect: (s) => void s.fence.push({ variable, before: 'OFF', unmeasured: true }),
    }));
  return changes.map((c) => ({
    kind: 'sql',
    role: 'BS',
    statement: fenceStatement(ctx, c.variable),
    note: joinNotes(
      refence ? 'off again since the run stopped (a restart?): switched back on' : `was ${c.before}; step 11 sets it back`,
      boundNote(ctx, c.variable),
    ),
    lockBound: lockBound(ctx, c.variable),
    effect: refence ? undefined : (s) => void s.fence.push(c),
  }));
}

/**
 * The fence in the manuals' order: what cuts clients without waiting (MySQL's offline_mode), then `between` (the
 * client list and its KILL question), then what waits for locks (read_only, super_read_only) under the bound: in the
 * statement itself (MariaDB), or on the session, put back to the server's default after (MySQL; a cleanup).
 */
function orderedFence(ctx: RecoveryContext, actions: SqlAction[], between: Action[]): Action[] {
  const waits = (a: SqlAction) => Boolean(a.lockBound);
  const bound = actions.some(waits) ? ctx.dialect.BS.sessionLockWait(fenceLockWait(ctx)) : undefined;
  return [
    ...actions.filter((a) => !waits(a)),
    ...between,
    ...(bound ? [{ kind: 'sql', role: 'BS', statement: bound.set, note: 'bounds the fence’s wait for other sessions’ locks' } satisfies SqlAction] : []),
    ...actions.filter(waits),
    ...(bound ? [{ kind: 'sql', role: 'BS', statement: bound.reset, cleanup: true, note: 'the server’s default again' } satisfies SqlAction] : []),
  ];
}

export const CHECKLIST = [
  'the virtual IP / VRRP / load balancer no longer sends traffic to BS',
  'application hosts and cron jobs are not configured to write to BS',
  'a firewall rule blocks client ports on BS if anything else could connect',
];

export const isolate: Step = {
  ...heading(1),
  after: (ctx) => ({ BS: ctx.state.fence.length ? `fenced (${ctx.state.fence.map((f) => f.variable).join(', ')} on)` : 'fenced (read_only was already on)' }),
  during: (ctx) => ({
    BS: [
      ctx.state.fence.length ? `${ctx.state.fence.map((f) => f.variable).join(', ')} switched on by step 1` : 'read_only as it was before the run',
      ctx.state.killed.length ? `${ctx.state.killed.length} client connection(s) killed` : '',
    ]
      .filter(Boolean)
      .join('; '),
  }),
  async plan(ctx): Promise<StepPlan> {
    const vars = ctx.dialect.BS.fenceVariables;
    const changes = await fenceChanges(ctx, vars);
    const actions = orderedFence(ctx, fenceActions(ctx, changes, vars), [
      {
        kind: 'connections',
        role: 'BS',
        list: foreignConnectionsQuery(ctx.ownThreadIds.BS),
        kill: stmt(`KILL CONNECTION ${slot('connection id', 'int')}`),
      },
    ]);
    return {
      checklist: CHECKLIST,
      notes: changes && changes.length === 0 ? ['BS is already fenced (read_only is on); step 11 will leave it as it was.'] : [],
      question: `Fence ${serverName(ctx, 'BS')} and check that no client is connected to it?`,
      actions,
    };
  },
};

/** On --resume: switch back on whatever fence step 1 recorded and that is off now (a restarted BS forgets it). */
export async function refencePlan(ctx: RecoveryContext): Promise<StepPlan> {
  const recorded = ctx.state.fence.map((f) => f.variable);
  const off = await fenceChanges(ctx, recorded);
  return { actions: orderedFence(ctx, fenceActions(ctx, off ?? [], recorded, true), []) };
}
