// Step 7: BS starts replicating from GS; the tool waits until it has caught up with no error.
import { serverName } from '../context.js';
import { waitForReplica } from '../replica-wait.js';
import type { Step } from '../step.js';
import { heading } from '../step-headings.js';

export const startBsReplica: Step = {
  ...heading(7),
  after: () => ({ BS: 'replicating from GS' }),
  async plan(ctx) {
    return {
      actions: [{ kind: 'sql', role: 'BS', statement: ctx.dialect.BS.startReplica() }, waitForReplica(ctx, 'BS', 7)],
      question: `Start replication on ${serverName(ctx, 'BS')}?`,
    };
  },
};
