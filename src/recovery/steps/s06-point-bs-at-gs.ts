// Step 6: BS replicates from GS starting at the coordinates recorded in step 3 (online: read from the dump's header).
import { pointStep } from '../change-source.js';
import { copyMethod } from '../copy-method.js';

export const pointBsAtGs = pointStep({
  id: 6,
  title: 'Point the bad server at the good server',
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
