// Step 2: BS stops replicating from GS, so nothing changes under the copy; then what only BS holds is kept
// (BS is fenced and static now, and GS is not locked yet: the backup stalls no one). Its data are compared with GS's
// here, once: the preflight read none, and this is what the copy would overwrite. With --backup all they are dumped
// whole instead; with the physical method they are not read at all (step 4 keeps BS's datadir whole).
import type { Step } from '../step.js';
import { backupActions, checkKeptEverything, dataPlan } from '../bs-only.js';
import { compactBsOnly, hasBsOnly } from '../bs-only-text.js';
import { serverName } from '../context.js';
import { formatBytes, formatDuration } from '../../base/format.js';
import { StepFailed } from '../../base/errors.js';
import { heading } from '../step-headings.js';

export const stopBsReplica: Step = {
  ...heading(2),
  after: () => ({ BS: 'replication from GS stopped' }),
  async plan(ctx) {
    const b = ctx.state.bsOnly;
    const backup = await backupActions(ctx);
    const compares = backup.some((a) => a.kind === 'keep-rows' && a.file.endsWith('bs-only-rows.sql'));
    const whole = backup.filter((a) => a.kind === 'export' && a.tool === 'dump-gzip').length;
    const cost = b?.cost ? ` (${formatBytes(b.cost.bsBytes)} on BS, about ${formatDuration(Math.ceil(b.cost.seconds))} by the preflight’s estimate)` : '';
    const measured = b?.afterFence ?? b?.data;
    const keep =
      compares && !measured
        ? `, then compare its data with GS’s once${cost} and keep what differs by key${whole ? ', and the tables that cannot be compared by key whole' : ''}`
        : backup.length && b && hasBsOnly(b)
          ? `, then keep a copy of what only BS holds (${compactBsOnly(b)})`
          : compares
            ? ', then compare its data with GS’s and keep what differs'
            : backup.length
              ? ', then keep the backup shown'
              : '';
    const notes =
      (b?.dataAt ?? dataPlan(ctx)) === 'datadir' && ctx.settings.backup !== 'none'
        ? ['Physical method: BS’s data are not compared; step 4 renames its datadir aside whole, so nothing it held is lost.']
        : [];
    return {
      actions: [{ kind: 'sql', role: 'BS', statement: ctx.dialect.BS.stopReplica() }, ...backup],
      notes,
      question: `Stop replication on ${serverName(ctx, 'BS')}${keep}?`,
    };
  },
  async conclude(ctx) {
    const { stop, notes } = checkKeptEverything(ctx);
    for (const text of notes) ctx.emit({ event: 'note', level: 'warn', step: 2, text });
    if (stop) throw new StepFailed(`${stop}. Nothing on BS was overwritten.`, 2, 'Run again with --resume: step 2 then keeps it whole.');
  },
};
