// A ring of n masters (--ring): BS is rebuilt from its upstream U, which plays GS for the eleven steps; D, the member
// that replicated from BS, gets the extra actions (stopped before the import, caught up from U, pointed at BS). In a
// ring of four and more, the members after D (E, F, …) are not touched: they are read by the preflight and the proof,
// which also writes its marker row on each. A pair is the ring of two (U = D = GS): its members have no ring and its
// steps are untouched. Every member comes from the context's members (config/members.ts), never from the settings.
import { memberOf, type Members } from '../config/members.js';
import type { Member } from './actions.js';

export type { Members };

export interface HostPort {
  host: string;
  port: number;
}

/** A ring member's label: GS (BS's upstream), BS, D (BS's downstream), E, F, … */
export type RingMember = Exclude<Member, 'R'>;

export const hostPortText = (h: HostPort): string => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

/** A ring (--ring): BS has a downstream D besides GS. */
export const isRing = (m: Members): boolean => m.ring.length > 0;

/** How many masters the ring has. */
export const ringSize = (m: Members): number => 2 + m.ring.length;

/** Every member, in replication order from GS: GS → BS → D → E → … (and back to GS). */
export function ringOrder(m: Members): RingMember[] {
  return ['GS', 'BS', ...m.ring.map((x) => x.label as RingMember)];
}

/** The member `m` replicates from: the one before it in ring order (GS's is the last one). */
export function sourceOf(members: Members, m: RingMember): RingMember {
  const order = ringOrder(members);
  return order[(order.indexOf(m) + order.length - 1) % order.length];
}

/** Where `m` is, as given in --ring. */
export const addressOf = (members: Members, m: RingMember): HostPort => memberOf(members, m).address;

/** The members' addresses in the order --ring gave them. */
export function givenOrder(members: Members): HostPort[] {
  const all = [members.GS, members.BS, ...members.ring];
  return all.sort((a, b) => (a.ringIndex ?? 0) - (b.ringIndex ?? 0)).map((x) => x.address);
}

/** "E 10.0.0.5:3306" for messages. */
export function memberName(members: Members, m: RingMember): string {
  return `${m} ${hostPortText(addressOf(members, m))}`;
}

/** "D 10.0.0.3:3306" for messages. */
export const downstreamName = (members: Members): string => memberName(members, 'D');
