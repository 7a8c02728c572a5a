// Step 2: BS stops replicating from GS, so nothing changes under the copy; then what only BS holds is kept
// (BS is fenced and static now, and GS is not locked yet: the backup stalls no one). Its data are compared with GS's
// again first: the preflight measured before the fence, this is what the copy would overwrite.
import type { Step } from './step.js';
import { backupActions, checkKeptEverything, compactBsOnly, hasBsOnly } from '../bs-only.js';
import { serverName } from '../context.js';
import { StepFailed } from '../../base/errors.js';

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
        : backup.some((a) => a.kind === 'keep-rows')
          ? ', then compare its data with GS’s again and keep what differs'
          : backup.length
            ? ', then keep the backup shown'
            : '';
    return {
      actions: [{ kind: 'sql', role: 'BS', statement: ctx.dialect.BS.stopReplica() }, ...backup],
      question: `Stop replication on ${serverName(ctx, 'BS')}${keep}?`,
    };
  },
  async conclude(ctx) {
    const { stop, notes } = checkKeptEverything(ctx);
    for (const text of notes) ctx.emit({ event: 'note', level: 'warn', step: 2, text });
    if (stop) throw new StepFailed(`${stop}. Nothing on BS was overwritten.`, 2, 'Run again with --resume: step 2 then keeps it too.');
  },
};
