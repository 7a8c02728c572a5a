// Reading binary log coordinates through the executor, so that they appear in the plan and the journal.
import type { ServerSession } from '../adapters/mysql/session.js';
import type { BinlogCoordinates } from '../adapters/mysql/replication.js';
import type { RecoveryContext, Role } from './context.js';
import { dialect } from './context.js';
import { StepFailed } from '../base/errors.js';
import { placeholder } from './steps/step.js';
import { readGtidBinlogPos } from './positioning.js';

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

/** MariaDB: the GTID position of `role`'s binary log end (read on the lock session for GS, so it matches File/Position). */
export async function readGtidBinlogPosFrom(ctx: RecoveryContext, role: Role, via?: ServerSession): Promise<string> {
  const rows = await ctx.exec.sql(role, readGtidBinlogPos(), { via });
  const v = rows[0]?.gtid_binlog_pos;
  if (v === undefined || v === null) return placeholder(`${role} gtid_binlog_pos`);
  return String(v);
}

export function showCoords(c: BinlogCoordinates | undefined, role: Role): { file: string; position: string } {
  return c && c.position >= 0 ? { file: c.file, position: String(c.position) } : { file: placeholder(`${role} File`), position: placeholder(`${role} Position`) };
}
