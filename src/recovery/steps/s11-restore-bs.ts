// Step 11: undo exactly what step 1 changed on BS, so it can go back into production.
import { stmt } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import type { PlannedAction, Step } from './step.js';

function undoStatements(ctx: RecoveryContext) {
  return [...ctx.state.fence].reverse().map((f) => stmt(`SET GLOBAL ${f.variable} = ${/^(0|OFF)$/i.test(f.before) ? 'OFF' : f.before}`));
}

export const restoreBs: Step = {
  id: 11,
  title: 'Put the bad server back into production',
  on: 'BS',
  question: (ctx) =>
    ctx.state.fence.length ? `Undo step 1 on BS (${undoStatements(ctx).map((s) => s.shown).join('; ')})? Do it only when you are ready to send traffic to BS again.` : undefined,
  async plan(ctx): Promise<PlannedAction[]> {
    const undo = undoStatements(ctx);
    if (undo.length) return undo.map((s) => ({ role: 'BS', shown: s.shown, note: 'undo step 1' }));
    return [{ role: 'BS', shown: `SET GLOBAL ${ctx.bsDialect.fenceVariables[0]} = OFF`, note: 'undo whatever step 1 switched on (decided when it runs)' }];
  },
  async run(ctx) {
    const undo = undoStatements(ctx);
    if (undo.length === 0) {
      ctx.ui.info(ctx.exec.live ? '  Step 1 changed nothing on BS; nothing to undo.' : '  (dry run: step 1 changed nothing, so nothing to undo)');
      return;
    }
    for (const s of undo) await ctx.exec.sql('BS', s);
    ctx.state.fence = [];
    ctx.ui.info('  Re-enable what you changed outside this tool (VIP, firewall, application config) to send traffic to BS.');
  },
};
