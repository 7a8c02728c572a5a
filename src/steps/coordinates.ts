// Reading binary log coordinates through the executor, so that they appear in the plan and the journal.
import type { ServerSession } from '../adapters/mysql/session.js';
import type { BinlogCoordinates } from '../adapters/mysql/replication.js';
import type { RecoveryContext, Role } from '../engine/context.js';
import { dialect } from '../engine/context.js';
import { StepFailed } from '../engine/errors.js';
import { placeholder } from './step.js';

export async function readBinlogCoordinatesFrom(ctx: RecoveryContext, role: Role, via?: ServerSession): Promise<BinlogCoordinates> {
  const s = dialect(ctx, role).showBinlogStatus();
  const rows = await ctx.exec.sql(role, s, { via });
  const r = rows[0];
  if (!r?.File) {
    if (!ctx.exec.live && !(role === 'GS' ? ctx.gs : ctx.bs)) return { file: placeholder(`${role} File`), position: -1 };
    throw new StepFailed(`${role}: ${s.shown} returned nothing: binary logging is off, so it cannot be a master`, undefined, 'Enable log-bin on it and restart it.');
  }
  return { file: String(r.File), position: Number(r.Position) };
}

export function showCoords(c: BinlogCoordinates | undefined, role: Role): { file: string; position: string } {
  return c && c.position >= 0 ? { file: c.file, position: String(c.position) } : { file: placeholder(`${role} File`), position: placeholder(`${role} Position`) };
}
