// Step 2: BS stops replicating from GS, so nothing changes under the copy; then what only BS holds is kept
// (BS is fenced and static now, and GS is not locked yet: the backup stalls no one).
import type { Step } from './step.js';
import { backupActions, compactBsOnly, hasBsOnly } from '../bs-only.js';
import { serverName } from '../context.js';

export const stopBsReplica: Step = {
  id: 2,
  title: 'Stop replication on the bad server',
  on: 'BS',
  after: () => ({ BS: 'replication from GS stopped' }),
  async plan(ctx) {
    const b = ctx.state.bsOnly;
    const backup = await backupActions(ctx);
    const keep =
      backup.length && b && hasBsOnly(b)
        ? `, then keep a copy of what only BS holds (${compactBsOnly(b)})`
        : backup.length
          ? ', then keep the backup shown'
          : '';
    return {
      actions: [{ kind: 'sql', role: 'BS', statement: ctx.dialect.BS.stopReplica() }, ...backup],
      question: `Stop replication on ${serverName(ctx, 'BS')}${keep}?`,
    };
  },
};
