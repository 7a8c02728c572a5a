// Step 5: UNLOCK TABLES on the session that took the lock, the moment the copy ends (or fails).
import { stmt } from '../../dialect/statement.js';
import type { Step } from '../step.js';
import { copyMethod } from '../copy-method.js';
import { donorName, releaseDonorAction } from '../donor.js';
import { heading } from '../step-headings.js';

export const unlockGs: Step = {
  ...heading(5),
  restartAt: 3,
  after: () => ({ GS: 'not locked: accepting writes' }),
  async plan(ctx) {
    const m = copyMethod(ctx);
    if (m.fromDonor && ctx.donor)
      return {
        actions: [releaseDonorAction(ctx)],
        notes: [`GS was never locked nor read by the copy; the donor ${donorName(ctx)} replicates again.`],
        on: 'R',
      };
    if (!m.locksGs) return { actions: [], notes: [`${m.name[0].toUpperCase()}${m.name.slice(1)} method: GS was never locked; nothing to release.`] };
    return { actions: [{ kind: 'unlock', role: 'GS', statement: stmt('UNLOCK TABLES'), note: 'on the session that holds the lock; GS accepts writes again' }] };
  },
};
