// A ring of n masters (--ring): BS is rebuilt from its upstream U, which plays GS for the eleven steps; D, the member
// that replicated from BS, gets the extra actions (stopped before the import, caught up from U, pointed at BS). In a
// ring of four and more, the members after D (E, F, …) are not touched: they are read by the preflight and the proof,
// which also writes its marker row on each. A pair is the ring of two (U = D = GS): it has no RingContext and its
// steps are untouched.
import type { Row, ServerIdentity } from '../adapters/mysql/session.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Statement } from '../dialect/statement.js';
import type { Member, RingOther } from './actions.js';

export interface HostPort {
  host: string;
  port: number;
}

/** A member the procedure does not change (E, F, … after D). */
export interface RingBystander {
  label: RingOther;
  /** Index into RingContext.members. */
  index: number;
  /** Its dialect (an offline default when it did not answer: a dry run only). */
  dialect: Dialect;
  /** Absent when it did not answer (a dry run only). */
  identity?: ServerIdentity;
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
  /** A read-only query on any member (the proof's and the preflight's reads of D and the bystanders). */
  read: (m: RingMember, s: Statement) => Promise<Row[]>;
  /** The members after D, in replication order (a ring of four and more). */
  bystanders: RingBystander[];
}

/** A ring member's label: GS (BS's upstream), BS, D (BS's downstream), E, F, … */
export type RingMember = Exclude<Member, 'R'>;

export const hostPortText = (h: HostPort): string => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

/** "D 10.0.0.3:3306" for messages. */
export function downstreamName(r: RingContext): string {
  return `D ${hostPortText(r.members[r.downstream])}`;
}

/** Every member, in replication order from GS: GS → BS → D → E → … (and back to GS). */
export function ringOrder(r: RingContext): RingMember[] {
  return ['GS', 'BS', 'D', ...r.bystanders.map((b) => b.label)];
}

/** The member `m` replicates from: the one before it in ring order (GS's is the last one). */
export function sourceOf(r: RingContext, m: RingMember): RingMember {
  const order = ringOrder(r);
  return order[(order.indexOf(m) + order.length - 1) % order.length];
}

export function bystanderOf(r: RingContext, m: RingMember): RingBystander {
  const b = r.bystanders.find((x) => x.label === m);
  if (!b) throw new Error(`internal: ${m} is not a member of this ring`);
  return b;
}

/** Where `m` is, as given in --ring. */
export function addressOf(r: RingContext, m: RingMember): HostPort {
  if (m === 'GS') return r.members[r.upstream];
  if (m === 'BS') return r.members[r.bad];
  if (m === 'D') return r.members[r.downstream];
  return r.members[bystanderOf(r, m).index];
}

/** "E 10.0.0.5:3306" for messages. */
export function memberName(r: RingContext, m: RingMember): string {
  return `${m} ${hostPortText(addressOf(r, m))}`;
}
