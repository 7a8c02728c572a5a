// A ring of n masters (--ring): BS is rebuilt from its upstream U, which plays GS for the eleven steps; D, the member
// that replicated from BS, gets the extra actions (stopped before the import, caught up from U, pointed at BS). A pair
// is the ring of two (U = D = GS): it has no RingContext and its steps are untouched.
import type { Row, ServerIdentity } from '../../adapters/mysql/session.js';
import type { Dialect } from '../../dialect/dialect.js';
import type { Statement } from '../../dialect/statement.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface RingContext {
  /** The members in replication order (each replicates from the one before it, the first from the last). */
  members: HostPort[];
  /** Indexes into members: the bad one, its upstream (GS) and its downstream (D). */
  bad: number;
  upstream: number;
  downstream: number;
  /** D's dialect (an offline default when D did not answer: a dry run only). */
  dialect: Dialect;
  /** D's identity; absent when it did not answer (a dry run only). */
  identity?: ServerIdentity;
  /** A read-only query on D. */
  read: (s: Statement) => Promise<Row[]>;
  /** The session id the tool holds on D. */
  ownThreadIds: number[];
}

export const hostPortText = (h: HostPort): string => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

/** "D 10.0.0.3:3306" for messages. */
export function downstreamName(r: RingContext): string {
  return `D ${hostPortText(r.members[r.downstream])}`;
}
