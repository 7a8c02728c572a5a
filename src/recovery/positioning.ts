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
  /** The stop is a missing flag (bad input: exit 2), not a state of the servers. */
  missingFlag?: string;
}

/** The flag that accepts file/position on a MySQL pair with gtid_mode=ON (rule file-positioning-on-gtid-server). */
export const ACCEPT_FILE_ON_GTID = '--accept-file-positioning-on-gtid';

/**
 * Why file/position on a gtid_mode=ON MySQL pair is not just a warning: the dump carries no GTID_PURGED
 * (--set-gtid-purged=OFF), so the import is logged on BS with new GTIDs under BS's own server_uuid; if either channel
 * later switches to auto-positioning, GS asks BS for every transaction it lacks, and that is the whole import
 * (https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html).
 */
export const FILE_ON_GTID_CONSEQUENCE =
  'the import is logged on BS under BS’s own server_uuid (the dump sets no gtid_purged), so a later switch to auto-positioning makes GS fetch and re-apply the whole import';

/** Pure: the choice and its reason, for the preflight table. */
export function decidePositioning(requested: 'auto' | 'file' | 'gtid', f: PairGtidFacts, o: { acceptFileOnGtid?: boolean } = {}): PositioningDecision {
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
    if (requested === 'file' && either && !o.acceptFileOnGtid)
      return {
        positioning: 'file',
        verdict: 'stop',
        missingFlag: ACCEPT_FILE_ON_GTID,
        detail: `--positioning file on a pair with gtid_mode=ON (GS ${f.gsGtidMode ?? '?'}, BS ${f.bsGtidMode ?? '?'}): ${FILE_ON_GTID_CONSEQUENCE}; give ${ACCEPT_FILE_ON_GTID} to recover by file anyway, or use --positioning gtid`,
      };
    if (requested === 'file')
      return {
        positioning: 'file',
        verdict: either ? 'warn' : 'ok',
        detail: either
          ? `file/position as asked (--positioning file, ${ACCEPT_FILE_ON_GTID}), although gtid_mode is ON: ${FILE_ON_GTID_CONSEQUENCE}`
          : 'file/position',
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
