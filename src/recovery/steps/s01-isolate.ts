// Step 1: the bad server must process no queries but ours. The tool cannot reach firewalls or VIPs, so it
// shows the checklist, fences BS with read_only (and super_read_only/offline_mode where the server has them),
// and refuses to go on while foreign client connections remain, unless the operator says so.
import { stmt } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import { Interrupted } from '../../base/errors.js';
import { describeConnection, listForeignConnections } from '../connections.js';
import type { PlannedAction, Step } from './step.js';

async function fenceChanges(ctx: RecoveryContext): Promise<Array<{ variable: string; before: string }>> {
  const vars = ctx.bsDialect.fenceVariables;
  const rows = await ctx.exec.sql('BS', stmt(`SELECT ${vars.map((v) => `@@GLOBAL.${v} AS ${v}`).join(', ')}`), { quiet: true });
  const current = rows[0] ?? {};
  return vars
    .map((variable) => ({ variable, before: String(current[variable] ?? 'unknown') }))
    .filter((v) => v.before !== '1' && v.before.toUpperCase() !== 'ON');
}

const fenceStatement = (variable: string) => stmt(`SET GLOBAL ${variable} = ON`);

export function ownBsThreadIds(ctx: RecoveryContext): number[] {
  return [ctx.bs?.threadId ?? -1];
}

export const isolate: Step = {
  id: 1,
  title: 'Isolate the bad server',
  on: 'BS',
  question: (ctx) => `Fence BS ${ctx.settings.bad.host}:${ctx.settings.bad.port} (read_only) and check that no client is connected to it?`,
  async plan(ctx) {
    const changes = await fenceChanges(ctx);
    const actions: PlannedAction[] = changes.map((c) => ({ role: 'BS', shown: fenceStatement(c.variable).shown, note: `was ${c.before}; step 11 sets it back` }));
    actions.push({ role: 'BS', shown: 'SELECT … FROM information_schema.PROCESSLIST', note: 'client connections that are neither ours nor replication must be gone (KILL offered)' });
    return actions;
  },
  async run(ctx) {
    const ui = ctx.ui;
    ui.info('  Checklist, outside this tool (it cannot reach these):');
    ui.info('    - the virtual IP / VRRP / load balancer no longer sends traffic to BS');
    ui.info('    - application hosts and cron jobs are not configured to write to BS');
    ui.info('    - a firewall rule blocks client ports on BS if anything else could connect');
    const changes = await fenceChanges(ctx);
    for (const c of changes) {
      await ctx.exec.sql('BS', fenceStatement(c.variable));
      ctx.state.fence.push(c); // also in a dry run, so that its step 11 shows the undo
    }
    if (changes.length === 0) ui.ok('BS is already fenced (read_only is on); step 11 will leave it as it was.');
    await clearForeignConnections(ctx);
  },
};

/** Loop until BS has no foreign client connections, offering to KILL them; the operator may also go on knowingly. */
export async function clearForeignConnections(ctx: RecoveryContext): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const foreign = await listForeignConnections(ctx.exec, 'BS', ownBsThreadIds(ctx));
    if (foreign.length === 0) {
      ctx.ui.ok('No client connections on BS other than ours and replication.');
      return;
    }
    ctx.ui.warn(`${foreign.length} client connection(s) on BS could still write:`);
    for (const c of foreign) ctx.ui.info(`    ${describeConnection(c)}`);
    ctx.ui.event('foreign_connections', { server: 'BS', connections: foreign });
    if (!ctx.exec.live) {
      ctx.ui.info('  (dry run: would ask whether to KILL them)');
      return;
    }
    if (await ctx.prompter.confirm(`KILL these ${foreign.length} connection(s) on BS? (${foreign.map((c) => `KILL CONNECTION ${c.id}`).join('; ')})`)) {
      for (const c of foreign) {
        await ctx.exec.sql('BS', stmt(`KILL CONNECTION ${c.id}`)).catch((err: Error) => ctx.ui.warn(err.message)); // it may have gone by itself
        ctx.state.killed.push({ id: c.id, user: c.user, host: c.host });
      }
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    if (await ctx.prompter.confirm(`Go on although ${foreign.length} client connection(s) remain on BS? Their writes will be lost or break replication.`)) return;
    throw new Interrupted('stopped at step 1: foreign client connections remain on BS', 1);
  }
  throw new Interrupted('stopped at step 1: client connections on BS keep coming back; block them at the firewall and run again', 1);
}

/** On --resume: switch back on whatever fence step 1 recorded and that is off now (a restarted BS forgets it). */
export async function refence(ctx: RecoveryContext): Promise<void> {
  if (ctx.state.fence.length === 0) return;
  const rows = await ctx.exec.sql('BS', stmt(`SELECT ${ctx.state.fence.map((f) => `@@GLOBAL.${f.variable} AS ${f.variable}`).join(', ')}`), { quiet: true });
  for (const f of ctx.state.fence) {
    const v = String(rows[0]?.[f.variable] ?? '');
    if (v !== '1' && v.toUpperCase() !== 'ON') {
      ctx.ui.warn(`BS lost its fence (${f.variable} is off again, a restart?): switching it back on.`);
      await ctx.exec.sql('BS', fenceStatement(f.variable));
    }
  }
}
