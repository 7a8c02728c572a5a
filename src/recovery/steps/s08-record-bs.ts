// Step 8: BS's coordinates after the import. BS must still be isolated: a client write now would never reach GS.
import { listForeignConnections, describeConnection } from '../connections.js';
import { readBinlogCoordinatesFrom, readGtidBinlogPosFrom } from '../coordinates.js';
import { mariadbGtid, readGtidBinlogPos } from '../positioning.js';
import { ownBsThreadIds } from './s01-isolate.js';
import type { Step } from './step.js';

export const recordBs: Step = {
  id: 8,
  title: 'Record the bad server coordinates',
  on: 'BS',
  async plan(ctx) {
    return [
      { role: 'BS', shown: ctx.bsDialect.showBinlogStatus().shown, note: 'record File and Position (after the import)' },
      ...(mariadbGtid(ctx) ? [{ role: 'BS' as const, shown: readGtidBinlogPos().shown, note: 'GS resumes from here by GTID, after the import' }] : []),
    ];
  },
  async run(ctx) {
    const foreign = await listForeignConnections(ctx.exec, 'BS', ownBsThreadIds(ctx));
    if (foreign.length > 0) {
      ctx.ui.warn(`BS is not isolated any more: ${foreign.length} client connection(s): ${foreign.map(describeConnection).join('; ')}`);
    }
    ctx.state.bsCoords = await readBinlogCoordinatesFrom(ctx, 'BS');
    if (mariadbGtid(ctx)) ctx.state.bsCoords.gtid = await readGtidBinlogPosFrom(ctx, 'BS');
    const gtid = ctx.state.bsCoords.gtid !== undefined ? ` (GTID ${ctx.state.bsCoords.gtid})` : '';
    if (ctx.exec.live || ctx.bs) ctx.ui.ok(`BS coordinates recorded: ${ctx.state.bsCoords.file} / ${ctx.state.bsCoords.position}${gtid}`);
  },
};
