// A ring member's dialect and identity, whichever member it is (all on the context, filled for every member the run
// connects), and the two reads every ring wait makes of a member: its replica status and where its binary log ends.
import { parseReplicaStatus, type Coordinates, type ReplicaStatus } from '../../adapters/mysql/replication.js';
import type { Row, ServerIdentity } from '../../adapters/mysql/session.js';
import type { Dialect } from '../../dialect/dialect.js';
import type { Statement } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import { coordinatesFrom } from '../coordinates.js';
import type { RingMember } from '../ring-topology.js';

export function dialectOf(ctx: RecoveryContext, m: RingMember): Dialect {
  const d = ctx.dialect[m];
  if (!d) throw new Error(`internal: no dialect for ${m} in this run`);
  return d;
}

export const identityOf = (ctx: RecoveryContext, m: RingMember): ServerIdentity | undefined => ctx.identity[m];

/** Read-only access to any member: the context's, or a wait's. */
type MemberRead = (m: RingMember, s: Statement) => Promise<Row[]>;

export async function memberReplicaStatus(ctx: RecoveryContext, read: MemberRead, m: RingMember): Promise<ReplicaStatus> {
  const d = dialectOf(ctx, m);
  return parseReplicaStatus(await read(m, d.showReplicaStatus()), d);
}

/** Where the member's binary log ends now. */
export async function memberBinlogEnd(ctx: RecoveryContext, read: MemberRead, m: RingMember): Promise<Coordinates> {
  const show = dialectOf(ctx, m).showBinlogStatus();
  return coordinatesFrom(await read(m, show), m, show.shown);
}

/** Where a replica has executed its source's binary log up to. */
export const executedOf = (r: ReplicaStatus): Coordinates => ({ file: r.execFile, position: r.execPos });
