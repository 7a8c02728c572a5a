// Step 5: UNLOCK TABLES on the session that took the lock, the moment the copy ends (or fails).
import type { RecoveryContext } from '../context.js';
import type { PlannedAction, Step } from './step.js';

export function unlockPlan(ctx: RecoveryContext): PlannedAction[] {
  if (ctx.settings.method === 'online') return [];
  return [{ role: 'GS', shown: 'UNLOCK TABLES', note: 'on the session that holds the lock; GS accepts writes again' }];
}

export const unlockGs: Step = {
  id: 5,
  title: 'Unlock the good server',
  on: 'GS',
  async plan(ctx) {
    return unlockPlan(ctx);
  },
  async run(ctx) {
    if (ctx.settings.method === 'online') {
      ctx.ui.info('  Online method: GS was never locked; nothing to release.');
      return;
    }
    if (!ctx.exec.live) {
      await ctx.exec.sql('GS', 'UNLOCK TABLES');
      return;
    }
    if (!ctx.lock) return; // released already (abort path) — nothing is locked
    await ctx.lock.release(ctx.exec);
    ctx.lock = undefined;
    ctx.ui.ok('GS unlocked: production writes flow again.');
  },
};
