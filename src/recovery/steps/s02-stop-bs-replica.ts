// Step 2: BS stops replicating from GS, so nothing changes under the copy; then what only BS holds is kept
// (BS is fenced and static now, and GS is not locked yet: the backup stalls no one).
import type { Step } from './step.js';
import { backupPlan, compactBsOnly, hasBsOnly, keepBsOnly } from '../bs-only.js';

export const stopBsReplica: Step = {
  id: 2,
  title: 'Stop replication on the bad server',
  on: 'BS',
  question: (ctx) => {
    const b = ctx.state.bsOnly;
    const keep = b && hasBsOnly(b) && ctx.settings.backup !== 'none' ? `, then keep a copy of what only BS holds (${compactBsOnly(b)})` : '';
    return `Run ${ctx.bsDialect.stopReplica().shown} on BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}${keep}?`;
  },
  async plan(ctx) {
    return [{ role: 'BS', shown: ctx.bsDialect.stopReplica().shown }, ...(await backupPlan(ctx))];
  },
  async run(ctx) {
    await ctx.exec.sql('BS', ctx.bsDialect.stopReplica());
    await keepBsOnly(ctx);
  },
};
