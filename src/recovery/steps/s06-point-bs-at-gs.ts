// Step 6: BS replicates from GS starting at the coordinates recorded in step 3 (online: read from the dump's header).
// With --keep-bs-accounts, BS's own accounts (kept by step 2) are put back first, on BS alone: BS holds GS's copy now
// and does not replicate yet, so nothing else changes under them.
import { stmt } from '../../dialect/statement.js';
import type { SqlAction } from '../actions.js';
import { maskedStatement, parseAccountsFile } from '../bs-objects.js';
import { pointStep } from '../change-source.js';
import { serverName, type RecoveryContext } from '../context.js';
import { copyMethod } from '../copy-method.js';
import { aroundOwnWrites } from '../fence.js';
import type { Step } from '../step.js';

const point = pointStep({
  id: 6,
  replica: 'BS',
  coords: (ctx) => ctx.state.gsCoords,
  note: (ctx) =>
    copyMethod(ctx).coordinatesFrom !== 'dump'
      ? 'coordinates recorded in step 3'
      : (ctx.state.copy?.streams ?? 0) > 1
        ? 'coordinates recorded in step 4 under the read lock the copy’s streams opened their snapshots under'
        : 'coordinates from the dump header (its consistent snapshot, step 4)',
  after: 'replication from GS configured (not started)',
});

/**
 * --keep-bs-accounts: the statements of bs-accounts.sql, run on BS with sql_log_bin=0 (GS keeps its own accounts).
 * Their password hashes are masked wherever the plan is shown or journaled.
 */
async function replayAccounts(ctx: RecoveryContext): Promise<{ actions: SqlAction[]; notes: string[] }> {
  if (!ctx.settings.keepBsAccounts) return { actions: [], notes: [] };
  const file = ctx.state.backup?.accounts?.file;
  if (!file) {
    const measured = ctx.state.bsOnly?.accounts ?? [];
    return {
      actions: [],
      notes: [
        measured.length
          ? `--keep-bs-accounts: ${measured.map((a) => a.name).join(', ')}, once step 2 keeps them in bs-accounts.sql, are put back here on BS alone (sql_log_bin=0)`
          : '--keep-bs-accounts: no account only on BS or with other grants there was kept; nothing to put back',
      ],
    };
  }
  const statements = parseAccountsFile(await ctx.host.readKept(file));
  const { lift, restore } = await aroundOwnWrites(ctx, 'BS’s own accounts');
  const note = `BS’s own account, from ${file} (--keep-bs-accounts)`;
  return {
    actions: [
      ...lift,
      { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 0'), note: 'the accounts below are BS’s alone: not written to its binary log' },
      ...statements.map((s): SqlAction => ({ kind: 'sql', role: 'BS', statement: maskedStatement(s), note })),
      { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 1'), cleanup: true },
      ...restore,
    ],
    notes: [`--keep-bs-accounts: ${ctx.state.backup!.accounts!.names.join(', ')} put back on BS alone, as step 2 kept them`],
  };
}

export const pointBsAtGs: Step = {
  ...point,
  async plan(ctx) {
    const p = await point.plan(ctx);
    const accounts = await replayAccounts(ctx);
    if (!accounts.actions.length) return { ...p, notes: [...(p.notes ?? []), ...accounts.notes] };
    return {
      ...p,
      actions: [...accounts.actions, ...p.actions],
      notes: [...(p.notes ?? []), ...accounts.notes],
      question: `Put BS’s own accounts back on ${serverName(ctx, 'BS')} alone (--keep-bs-accounts), then point it at GS?`,
    };
  },
};
