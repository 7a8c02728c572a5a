// Step 7: BS starts replicating from GS; the tool waits until it has caught up with no error.
import { waitForReplica } from '../replica-wait.js';
import type { Step } from './step.js';

export const startBsReplica: Step = {
  id: 7,
  title: 'Start replication on the bad server',
  on: 'BS',
  question: (ctx) => `Run ${ctx.bsDialect.startReplica().shown} on BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}?`,
  async plan(ctx) {
    return [
      { role: 'BS', shown: ctx.bsDialect.startReplica().shown },
      { role: 'BS', shown: ctx.bsDialect.showReplicaStatus().shown, note: 'until both threads run, no error, lag 0' },
    ];
  },
  async run(ctx) {
    await ctx.exec.sql('BS', ctx.bsDialect.startReplica());
    await waitForReplica(ctx, 'BS', 7);
  },
};
