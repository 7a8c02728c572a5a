// When a run stops: where, why, what state each server is in, and the exact command to go on.
import { resumeLine } from '../config/options.js';
import type { Settings } from '../config/settings.js';
import type { RecoveryContext } from './context.js';

export function resumeCommand(s: Settings, journalPath: string): string {
  return resumeLine(s, journalPath);
}

/** What each server looks like after stopping at `step` (the steps before it done, it possibly half done). */
export function serverStates(ctx: RecoveryContext, step: number): { GS: string; BS: string } {
  const gs: string[] = [];
  const bs: string[] = [];
  if (step >= 3) gs.push('not locked (the read lock was released)', 'replication from BS stopped');
  else gs.push('untouched: accepting writes, replication as it was');
  if (ctx.state.fence.length) bs.push(`fenced (${ctx.state.fence.map((f) => f.variable).join(', ')} on)`);
  if (step >= 2) bs.push('replication from GS stopped');
  if (step === 3 || step === 4) bs.push(ctx.state.copy?.complete ? 'holds a complete copy' : step === 4 ? 'may hold a PARTIAL copy; no replication configured on it' : 'not yet copied');
  if (step >= 6 && step <= 7) bs.push('replication from GS configured (step 6)');
  if (step >= 8) bs.push('replicating from GS');
  if (step >= 10) gs.push('replication from BS configured');
  return { GS: gs.join('; '), BS: bs.join('; ') || 'untouched' };
}

export function describeStop(ctx: RecoveryContext, o: { stoppedAt: number; reason: string; next?: string; journalPath?: string; resume?: string }): void {
  const ui = ctx.ui;
  const states = serverStates(ctx, o.stoppedAt);
  ui.fatal('');
  ui.fatal(ui.c.red(`Stopped${o.stoppedAt ? ` at step ${o.stoppedAt}` : ' before step 1'}: ${o.reason}`));
  if (o.stoppedAt > 0) {
    ui.fatal(`  GS: ${states.GS}`);
    ui.fatal(`  BS: ${states.BS}`);
  }
  if (o.next) ui.fatal(`  Next: ${o.next}`);
  if (o.resume && o.stoppedAt > 0) ui.fatal(`  To continue: ${o.resume}`);
}
