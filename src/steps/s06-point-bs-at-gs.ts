// Step 6: BS replicates from GS starting at the coordinates recorded in step 3.
import { changeSourceStatement } from './change-source.js';
import type { Step } from './step.js';

export const pointBsAtGs: Step = {
  id: 6,
  title: 'Point the bad server at the good server',
  on: 'BS',
  question: (ctx) => `Run on BS: ${changeSourceStatement(ctx, 'BS', ctx.state.gsCoords).shown}?`,
  async plan(ctx) {
    return [{ role: 'BS', shown: changeSourceStatement(ctx, 'BS', ctx.state.gsCoords).shown, note: 'coordinates recorded in step 3' }];
  },
  async run(ctx) {
    await ctx.exec.sql('BS', changeSourceStatement(ctx, 'BS', ctx.state.gsCoords));
  },
};
