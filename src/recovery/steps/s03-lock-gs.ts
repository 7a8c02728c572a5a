// Step 3: GS stops replicating from BS, takes the global read lock on a dedicated session and records its
// binary log coordinates: the point BS will replicate from. Steps 3–5 are confirmed by one question, asked
// before the lock is taken, because nobody may be kept waiting for a person while production cannot write.
import { stmt } from '../../dialect/statement.js';
import { endpointFor } from '../../config/endpoints.js';
import { readBinlogCoordinatesFrom, readGtidBinlogPosFrom } from '../coordinates.js';
import { mariadbGtid, readGtidBinlogPos } from '../positioning.js';
import { GlobalReadLock, LockNotGranted } from '../../adapters/mysql/read-lock.js';
import { StepFailed } from '../../base/errors.js';
import type { RecoveryContext } from '../context.js';
import type { PlannedAction, Step } from './step.js';
import { copyPlan } from './s04-copy.js';
import { compactBsOnly, hasBsOnly } from '../bs-only.js';
import { unlockPlan } from './s05-unlock-gs.js';

export function lockStatements(ctx: RecoveryContext) {
  return [stmt(`SET SESSION lock_wait_timeout = ${ctx.settings.lockWaitTimeout}`), stmt('FLUSH TABLES WITH READ LOCK')];
}

async function lockPlan(ctx: RecoveryContext): Promise<PlannedAction[]> {
  if (ctx.settings.method === 'online')
    return [{ role: 'GS', shown: ctx.gsDialect.stopReplica().shown, note: 'online method: no lock; the dump takes a consistent snapshot and carries GS coordinates' }];
  return [
    { role: 'GS', shown: ctx.gsDialect.stopReplica().shown },
    ...lockStatements(ctx).map((s) => ({ role: 'GS' as const, shown: s.shown, note: 'on a dedicated session, held until step 5' })),
    { role: 'GS', shown: ctx.gsDialect.showBinlogStatus().shown, note: 'record File and Position' },
    ...(mariadbGtid(ctx) ? [{ role: 'GS' as const, shown: readGtidBinlogPos().shown, note: 'record the GTID position of the same point' }] : []),
  ];
}

export const lockGs: Step = {
  id: 3,
  title: 'Lock the good server and record its coordinates',
  on: 'GS',
  confirms: [4, 5],
  question: (ctx) =>
    ctx.settings.method === 'online'
      ? `Stop replication on GS ${ctx.settings.good.host}:${ctx.settings.good.port} and copy all its data over BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}${lossNotice(ctx)} from a consistent snapshot, without locking GS (steps 3–5)?`
      : `Lock GS ${ctx.settings.good.host}:${ctx.settings.good.port} with FLUSH TABLES WITH READ LOCK, copy all its data over BS ${ctx.settings.bad.host}:${ctx.settings.bad.port}${lossNotice(ctx)}, then unlock (steps 3–5, no question in between)?`,
  plan: lockPlan,
  questionPlan: (ctx) => lockCopyUnlockPlan(ctx),
  async run(ctx) {
    await ctx.exec.sql('GS', ctx.gsDialect.stopReplica());
    if (ctx.settings.method === 'online') return; // coordinates arrive with the dump in step 4
    if (!ctx.exec.live) {
      for (const s of lockStatements(ctx)) await ctx.exec.sql('GS', s);
      ctx.state.gsCoords = await readBinlogCoordinatesFrom(ctx, 'GS');
      if (mariadbGtid(ctx)) ctx.state.gsCoords.gtid = await readGtidBinlogPosFrom(ctx, 'GS');
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const task = ctx.ui.task(`GS: waiting for the global read lock (at most ${ctx.settings.lockWaitTimeout}s)`);
        ctx.lock = await GlobalReadLock.acquire(endpointFor(ctx.settings, 'GS'), ctx.exec, ctx.settings.lockWaitTimeout, ctx.signal).catch((err) => {
          task.fail();
          throw err;
        });
        task.succeed('GS: global read lock held; GS writes are blocked until step 5');
        break;
      } catch (err) {
        if (!(err instanceof LockNotGranted)) throw err;
        ctx.ui.warn(err.message);
        // Unattended (--yes) runs retry a few times, then stop: an endless retry would just be a slower stall.
        const retry = ctx.prompter.interactive || attempt < UNATTENDED_LOCK_ATTEMPTS;
        if (!retry || !(await ctx.prompter.confirm('Try the read lock on GS again?'))) {
          throw new StepFailed('GS did not grant the read lock; nothing was copied', 3, 'Find the long query or transaction on GS (SHOW PROCESSLIST), end it, and run the same command again.');
        }
      }
    }
    ctx.state.gsCoords = await readBinlogCoordinatesFrom(ctx, 'GS', ctx.lock.session);
    if (mariadbGtid(ctx)) ctx.state.gsCoords.gtid = await readGtidBinlogPosFrom(ctx, 'GS', ctx.lock.session);
    ctx.ui.ok(`GS coordinates recorded: ${ctx.state.gsCoords.file} / ${ctx.state.gsCoords.position}${ctx.state.gsCoords.gtid !== undefined ? ` (GTID ${ctx.state.gsCoords.gtid})` : ''}`);
  },
};

const UNATTENDED_LOCK_ATTEMPTS = 3;

/** What the copy overwrites that only BS had, and whether it was kept: said in the question before the copy. */
function lossNotice(ctx: RecoveryContext): string {
  const b = ctx.state.bsOnly;
  if (!b || !hasBsOnly(b)) return '';
  const kept = ctx.state.backup;
  const where = kept?.skipped || (!kept && ctx.settings.backup === 'none') ? 'NOT kept (--no-backup)' : 'kept by step 2';
  return ` (overwriting ${compactBsOnly(b)}, ${where})`;
}

/** The plan of steps 3–5 together, for the one question that covers them. */
export async function lockCopyUnlockPlan(ctx: RecoveryContext): Promise<PlannedAction[]> {
  return [...(await lockPlan(ctx)), ...(await copyPlan(ctx)), ...unlockPlan(ctx)];
}
