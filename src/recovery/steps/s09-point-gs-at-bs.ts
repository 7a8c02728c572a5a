// Step 9: GS replicates from BS starting at BS's coordinates after the import (step 8), so GS never replays the copy.
import { pointStep } from '../change-source.js';

export const pointGsAtBs = pointStep({
  id: 9,
  replica: 'GS',
  coords: (ctx) => ctx.state.bsCoords,
  note: () => 'coordinates recorded in step 8, after the import',
  after: 'replication from BS configured (not started)',
});
