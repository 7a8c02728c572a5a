// Recording binary log coordinates: actions that read File/Position (and the MariaDB GTID position) and capture
// them into the state, on the role's session or on GS's read-lock session.
import { stmt, type Statement } from '../dialect/statement.js';
import { StepFailed } from '../base/errors.js';
import type { Row } from '../adapters/mysql/session.js';
import { parseCoordinates, type Coordinates } from '../adapters/mysql/replication.js';
import type { Member, Role, SqlAction } from './actions.js';
import type { RecoveryContext } from './context.js';
import { mariadbGtid } from './positioning.js';
import type { RecoveryState } from './state.js';

/** The GTID position matching a server's current binary log end (MariaDB). */
export const readGtidBinlogPos = (): Statement => stmt('SELECT @@GLOBAL.gtid_binlog_pos AS gtid_binlog_pos');

/** The coordinates in a SHOW MASTER STATUS result, or a stop: a server without a binary log cannot be a master. */
export function coordinatesFrom(rows: Row[], role: Member, shown: string): Coordinates {
  const c = parseCoordinates(rows);
  if (!c)
    throw new StepFailed(
      `${role}: ${shown} returned nothing: binary logging is off, so it cannot be a master`,
      undefined,
      'Enable log-bin on it and restart it.',
    );
  return c;
}

/** Actions that record `role`'s coordinates into state[key]. */
export function recordCoordinates(ctx: RecoveryContext, role: Role, key: 'gsCoords' | 'bsCoords', o: { onLockSession?: boolean; note: string }): SqlAction[] {
  const show = ctx.dialect[role].showBinlogStatus();
  const set = (state: RecoveryState, c: Coordinates) => void (state[key] = c);
  const actions: SqlAction[] = [
    {
      kind: 'sql',
      role,
      statement: show,
      onLockSession: o.onLockSession,
      note: o.note,
      capture: (rows, state) => set(state, coordinatesFrom(rows, role, show.shown)),
    },
  ];
  if (mariadbGtid(ctx))
    actions.push({
      kind: 'sql',
      role,
      statement: readGtidBinlogPos(),
      onLockSession: o.onLockSession,
      note: 'the GTID position of the same point',
      capture: (rows, state) => {
        const c = state[key];
        if (c) c.gtid = String(rows[0]?.gtid_binlog_pos ?? '');
      },
    });
  return actions;
}
