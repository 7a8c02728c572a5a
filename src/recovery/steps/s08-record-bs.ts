// Step 8: BS's coordinates after the import. BS must still be isolated: a client write now would never reach GS.
import { reachable } from '../context.js';
import { describeConnection, foreignConnectionsQuery, parseConnections } from '../connections.js';
import { recordCoordinates } from '../coordinates.js';
import type { Step } from '../step.js';
import { heading } from '../step-headings.js';

export const recordBs: Step = {
  ...heading(8),
  async plan(ctx) {
    const notes: string[] = [];
    if (reachable(ctx, 'BS')) {
      const foreign = parseConnections(await ctx.read('BS', foreignConnectionsQuery(ctx.ownThreadIds.BS)));
      if (foreign.length) notes.push(`BS is not isolated any more: ${foreign.length} client connection(s): ${foreign.map(describeConnection).join('; ')}`);
    }
    return { actions: recordCoordinates(ctx, 'BS', 'bsCoords', { note: 'record File and Position (after the import)' }), notes };
  },
};
