// Step 9: GS replicates from BS starting after the import (coordinates from step 8), so GS never replays the copy.
import { changeSourceStatement } from './change-source.js';
import type { Step } from './step.js';

export const pointGsAtBs: Step = {
  id: 9,
  title: 'Point the good server at the bad server',
  on: 'GS',
  question: (ctx) => `Run on GS: ${changeSourceStatement(ctx, 'GS', ctx.state.bsCoords).shown}?`,
  async plan(ctx) {
    return [{ role: 'GS', shown: changeSourceStatement(ctx, 'GS', ctx.state.bsCoords).shown, note: 'coordinates recorded in step 8' }];
  },
  async run(ctx) {
    await ctx.exec.sql('GS', changeSourceStatement(ctx, 'GS', ctx.state.bsCoords));
  },
};
