// The names of a lab's servers: the masters a, b, c… in ring order (a pair is a and b), and the replica r.
import { UsageError } from '../base/errors.js';
/** Every member a lab can have, in replication order: a lab of n masters has the first n. */
export const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type Which = (typeof MEMBERS)[number];
/** A lab server: a member, or the replica r. */
export type LabName = Which | 'r';

/** The largest ring the lab makes. */
export const MAX_MASTERS = MEMBERS.length;

export function isMember(name: string): name is Which {
  return (MEMBERS as readonly string[]).includes(name);
}

/**
 * `--masters <n>`: 2 (a master-master pair) or 3 to MAX_MASTERS (a ring a → b → … → a). A UsageError of one line
 * naming the value otherwise.
 */
export function parseMasters(text: string | number): number {
  const v = String(text).trim();
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 2 || n > MAX_MASTERS)
    throw new UsageError(`--masters must be 2 (a pair) or 3 to ${MAX_MASTERS} (a ring), not ${/^\d+$/.test(v) ? v : JSON.stringify(v)}`);
  return n;
}
