// Step 6: BS replicates from GS starting at the coordinates recorded in step 3 (online: read from the dump's header).
import { changeSourceStatement } from './change-source.js';
import type { Step } from './step.js';

export const pointBsAtGs: Step = {
  id: 6,
  title: 'Point the bad server at the good server',
  on: 'BS',
  question: (ctx) => `Run on BS: ${changeSourceStatement(ctx, 'BS', ctx.state.gsCoords).shown}?`,
  async plan(ctx) {
    return [{ role: 'BS', shown: changeSourceStatement(ctx, 'BS', ctx.state.gsCoords).shown, note: ctx.settings.method === 'online' ? 'coordinates from the dump header (its consistent snapshot, step 4)' : 'coordinates recorded in step 3' }];
  },
  async run(ctx) {
    await ctx.exec.sql('BS', changeSourceStatement(ctx, 'BS', ctx.state.gsCoords));
  },
};
