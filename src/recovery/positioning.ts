// File/position or GTID: how replication resumes after the copy. Decided once by the preflight from what the pair
// used (or --positioning), recorded in the journal, and read by steps 3, 4, 6, 8 and 9.
import type { Flavor } from '../dialect/version.js';
import type { RecoveryContext } from './context.js';

export type Positioning = 'file' | 'gtid';

export interface PairGtidFacts {
  flavor: Flavor;
  /** MySQL @@gtid_mode of each server (undefined on MariaDB). */
  gsGtidMode?: string;
  bsGtidMode?: string;
  /** Whether each server's existing replica channel positions by GTID (Auto_Position=1 / Using_Gtid≠No). */
  gsUsingGtid: boolean;
  bsUsingGtid: boolean;
}

export interface PositioningDecision {
  positioning: Positioning;
  verdict: 'ok' | 'warn' | 'stop';
  detail: string;
}

/** Pure: the choice and its reason, for the preflight table. */
export function decidePositioning(requested: 'auto' | 'file' | 'gtid', f: PairGtidFacts): PositioningDecision {
  const on = (m?: string) => (m ?? '').toUpperCase() === 'ON';
  if (f.flavor === 'mysql') {
    const both = on(f.gsGtidMode) && on(f.bsGtidMode);
    const either = on(f.gsGtidMode) || on(f.bsGtidMode);
    if (requested === 'gtid' && !both)
      return {
        positioning: 'gtid',
        verdict: 'stop',
        detail: `--positioning gtid needs gtid_mode=ON on both servers (GS ${f.gsGtidMode ?? '?'}, BS ${f.bsGtidMode ?? '?'})`,
      };
    if (requested === 'file')
      return {
        positioning: 'file',
        verdict: either ? 'warn' : 'ok',
        detail: either ? 'file/position as asked (--positioning file), although gtid_mode is ON: replication will not auto-position' : 'file/position',
      };
    if (either && !both)
      return {
        positioning: 'file',
        verdict: 'stop',
        detail: `gtid_mode differs (GS ${f.gsGtidMode}, BS ${f.bsGtidMode}): make it the same on both before recovering`,
      };
    return both
      ? {
          positioning: 'gtid',
          verdict: 'ok',
          detail: 'GTID (gtid_mode=ON on both): BS’s GTID history is reset before the import, the dump sets gtid_purged, replication auto-positions',
        }
      : { positioning: 'file', verdict: 'ok', detail: 'file/position (gtid_mode is OFF)' };
  }
  const used = f.gsUsingGtid || f.bsUsingGtid;
  if (requested === 'gtid')
    return {
      positioning: 'gtid',
      verdict: used ? 'ok' : 'warn',
      detail: used ? 'GTID (MASTER_USE_GTID=slave_pos)' : 'GTID as asked (--positioning gtid), although the pair replicated by file/position',
    };
  if (requested === 'file')
    return {
      positioning: 'file',
      verdict: used ? 'warn' : 'ok',
      detail: used ? 'file/position as asked (--positioning file), although the pair replicated by GTID' : 'file/position',
    };
  return used
    ? { positioning: 'gtid', verdict: 'ok', detail: 'GTID, as the pair replicated (MASTER_USE_GTID=slave_pos; gtid_slave_pos set from the recorded positions)' }
    : { positioning: 'file', verdict: 'ok', detail: 'file/position, as the pair replicated (MASTER_USE_GTID=no)' };
}

export function usesGtidPositioning(ctx: RecoveryContext): boolean {
  return ctx.state.positioning === 'gtid';
}

/** MariaDB GTID: positions are carried by value (gtid_binlog_pos → gtid_slave_pos). MySQL GTID auto-positions instead. */
export function mariadbGtid(ctx: RecoveryContext): boolean {
  return usesGtidPositioning(ctx) && ctx.dialect.GS.version.flavor === 'mariadb';
}

export function mysqlGtid(ctx: RecoveryContext): boolean {
  return usesGtidPositioning(ctx) && ctx.dialect.GS.version.flavor === 'mysql';
}
