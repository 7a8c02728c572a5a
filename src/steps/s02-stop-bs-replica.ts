// Step 2: BS stops replicating from GS, so nothing changes under the copy.
import type { Step } from './step.js';

export const stopBsReplica: Step = {
  id: 2,
  title: 'Stop replication on the bad server',
  on: 'BS',
  question: (ctx) => `Run ${ctx.bsDialect.stopReplica().shown} on BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}?`,
  async plan(ctx) {
    return [{ role: 'BS', shown: ctx.bsDialect.stopReplica().shown }];
  },
  async run(ctx) {
    await ctx.exec.sql('BS', ctx.bsDialect.stopReplica());
  },
};
