// A ring member's dialect and identity, whichever member it is (GS and BS from the context, D and the bystanders from
// the ring), and the two reads every ring wait makes of a member: its replica status and where its binary log ends.
import { parseReplicaStatus, type Coordinates, type ReplicaStatus } from '../../adapters/mysql/replication.js';
import type { Row, ServerIdentity } from '../../adapters/mysql/session.js';
import type { Dialect } from '../../dialect/dialect.js';
import type { Statement } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import { coordinatesFrom } from '../coordinates.js';
import { bystanderOf, type RingContext, type RingMember } from '../ring-topology.js';

export function dialectOf(ctx: RecoveryContext, r: RingContext, m: RingMember): Dialect {
  if (m === 'GS' || m === 'BS') return ctx.dialect[m];
  if (m === 'D') return r.dialect;
  return bystanderOf(r, m).dialect;
}

export function identityOf(ctx: RecoveryContext, r: RingContext, m: RingMember): ServerIdentity | undefined {
  if (m === 'GS' || m === 'BS') return ctx.identity[m];
  if (m === 'D') return r.identity;
  return bystanderOf(r, m).identity;
}

/** Read-only access to any member: the ring's own, or a wait's. */
type MemberRead = (m: RingMember, s: Statement) => Promise<Row[]>;

export async function memberReplicaStatus(ctx: RecoveryContext, r: RingContext, read: MemberRead, m: RingMember): Promise<ReplicaStatus> {
  const d = dialectOf(ctx, r, m);
  return parseReplicaStatus(await read(m, d.showReplicaStatus()), d);
}

/** Where the member's binary log ends now. */
export async function memberBinlogEnd(ctx: RecoveryContext, r: RingContext, read: MemberRead, m: RingMember): Promise<Coordinates> {
  const show = dialectOf(ctx, r, m).showBinlogStatus();
  return coordinatesFrom(await read(m, show), m, show.shown);
}

/** Where a replica has executed its source's binary log up to. */
export const executedOf = (r: ReplicaStatus): Coordinates => ({ file: r.execFile, position: r.execPos });
