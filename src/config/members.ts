// The servers a run talks to, resolved once from the settings (issue 27, "members first-class"): each with its label,
// its address and the endpoint every session and client program reaches it by. The engine connects, locks, copies
// and probes through these; nothing else works a server's endpoint out from the settings again.
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { endpointFor, memberEndpoint } from './endpoints.js';
import { ringOthers, type RingOther, type Settings } from './settings.js';

export type MemberLabel = 'GS' | 'BS' | 'R' | 'D' | RingOther;

export interface ServerMember {
  label: MemberLabel;
  address: { host: string; port: number };
  /** How the other servers reach it for replication (--good-address, --bad-address); its address otherwise. */
  replication: { host: string; port: number };
  endpoint: Endpoint;
  /** "GS 10.0.0.1:3306", for messages. */
  name: string;
  /** A ring's member: its place in --ring as given (the ring's preflight says the order as the operator wrote it). */
  ringIndex?: number;
}

export interface Members {
  GS: ServerMember;
  BS: ServerMember;
  /** --donor: the replica of GS the copy reads (the pair's account and TLS, over TCP). */
  R?: ServerMember;
  /** A ring's members besides GS and BS, in replication order from BS: D (BS's downstream), then E, F, … */
  ring: ServerMember[];
}

const member = (label: MemberLabel, address: { host: string; port: number }, endpoint: Endpoint, replication = address, ringIndex?: number): ServerMember => ({
  label,
  address,
  replication,
  endpoint,
  name: `${label} ${address.host}:${address.port}`,
  ...(ringIndex !== undefined ? { ringIndex } : {}),
});

export function resolveMembers(s: Settings): Members {
  const ring = s.ring;
  const inRing = (label: 'D' | RingOther, index: number) =>
    member(label, ring!.members[index], memberEndpoint(s, ring!.members[index], label), undefined, index);
  return {
    GS: member('GS', s.good, endpointFor(s, 'GS'), s.goodAddress, ring?.upstream),
    BS: member('BS', s.bad, endpointFor(s, 'BS'), s.badAddress, ring?.bad),
    ...(s.donor ? { R: member('R', s.donor, memberEndpoint(s, s.donor, 'R')) } : {}),
    ring: ring ? [inRing('D', ring.downstream), ...ringOthers(ring).map((o) => inRing(o.label, o.index))] : [],
  };
}

/** The member named `label`; a label the run has no server for is a bug, not an operator's mistake. */
export function memberOf(m: Members, label: MemberLabel): ServerMember {
  const found = label === 'GS' || label === 'BS' ? m[label] : label === 'R' ? m.R : m.ring.find((x) => x.label === label);
  if (!found) throw new Error(`internal: no ${label} in this run`);
  return found;
}
