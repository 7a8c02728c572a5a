// Step 1: the bad server must process no queries but ours. The tool cannot reach firewalls or VIPs, so it shows the
// checklist, fences BS with read_only (and super_read_only/offline_mode where the server has them), and refuses to go
// on while foreign client connections remain, unless the operator says so.
import { stmt } from '../../dialect/statement.js';
import { slot, type Action, type SqlAction } from '../actions.js';
import { reachable, serverName, type RecoveryContext } from '../context.js';
import { foreignConnectionsQuery } from '../connections.js';
import { isOn, unmeasured } from '../fence.js';
import type { Step, StepPlan } from './step.js';

const fenceStatement = (variable: string) => stmt(`SET GLOBAL ${variable} = ON`);

/** Fence variables that are off now, with their values; undefined when BS did not answer (nothing measured). */
async function fenceChanges(ctx: RecoveryContext, vars: string[]): Promise<Array<{ variable: string; before: string }> | undefined> {
  if (!reachable(ctx, 'BS') || vars.length === 0) return undefined;
  const rows = await ctx.read('BS', stmt(`SELECT ${vars.map((v) => `@@GLOBAL.${v} AS ${v}`).join(', ')}`));
  return vars.map((variable) => ({ variable, before: String(rows[0]?.[variable] ?? '') })).filter((v) => !isOn(v.before));
}

function fenceActions(ctx: RecoveryContext, changes: Array<{ variable: string; before: string }> | undefined, vars: string[], refence = false): SqlAction[] {
  if (!changes)
    return vars.map((variable) => ({
      kind: 'sql',
      role: 'BS',
      statement: fenceStatement(variable),
      branch: { text: `if it is OFF (${unmeasured(ctx)})`, all: [{ fact: 'variable', role: 'BS', variable, is: 'OFF' }] },
      note: 'step 11 sets it back',
      effect: (s) => void s.fence.push({ variable, before: 'OFF', unmeasured: true }),
    }));
  return changes.map((c) => ({
    kind: 'sql',
    role: 'BS',
    statement: fenceStatement(c.variable),
    note: refence ? 'off again since the run stopped (a restart?): switched back on' : `was ${c.before}; step 11 sets it back`,
    effect: refence ? undefined : (s) => void s.fence.push(c),
  }));
}

export const CHECKLIST = [
  'the virtual IP / VRRP / load balancer no longer sends traffic to BS',
  'application hosts and cron jobs are not configured to write to BS',
  'a firewall rule blocks client ports on BS if anything else could connect',
];

export const isolate: Step = {
  id: 1,
  title: 'Isolate the bad server',
  on: 'BS',
  after: (ctx) => ({ BS: ctx.state.fence.length ? `fenced (${ctx.state.fence.map((f) => f.variable).join(', ')} on)` : 'fenced (read_only was already on)' }),
  async plan(ctx): Promise<StepPlan> {
    const vars = ctx.dialect.BS.fenceVariables;
    const changes = await fenceChanges(ctx, vars);
    const actions: Action[] = fenceActions(ctx, changes, vars);
    actions.push({
      kind: 'connections',
      role: 'BS',
      list: foreignConnectionsQuery(ctx.ownThreadIds.BS),
      kill: stmt(`KILL CONNECTION ${slot('connection id', 'int')}`),
    });
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
  return { actions: fenceActions(ctx, off ?? [], recorded, true) };
}
