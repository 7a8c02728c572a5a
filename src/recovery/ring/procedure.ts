// The procedure of a ring: the pair's eleven steps, with steps 2, 6, 9 and 10 in their ring form (see ./steps.ts).
// Ids, questions and resume points are the pair's, so the runner walks either list the same way.
import { STEPS } from '../procedure.js';
import type { Step } from '../step.js';
import { hostPortText, sourceOf, type Members, type RingMember } from '../ring-topology.js';
import { ringCatchUpD, ringPointBsAtGs, ringStartReplicas, ringStopBsReplica } from './steps.js';

const RING_FORM = new Map<number, Step>([ringStopBsReplica, ringPointBsAtGs, ringCatchUpD, ringStartReplicas].map((s) => [s.id, s]));

export const RING_STEPS: readonly Step[] = STEPS.map((s) => RING_FORM.get(s.id) ?? s);

/** What BS's downstream D is left in when a ring's run stops at `stoppedAt` (said with GS's and BS's states). */
export function downstreamState(stoppedAt: number): string {
  if (stoppedAt <= 2) return 'replicating from BS as before (stopped only if step 2 got that far)';
  if (stoppedAt < 9) return 'replication stopped since step 2 (it must not replicate the import); --resume catches it up and restarts it';
  if (stoppedAt === 9) return 'stopped, or replicating from GS up to the copy’s coordinates (its catch-up); --resume does the catch-up again';
  if (stoppedAt === 10) return 'pointed at BS after the import; started only if step 10 got that far';
  return 'replicating from BS';
}

/**
 * What D and the members after it are left in (said with GS's and BS's states). The members after D are never
 * changed by a step; only the proof (step 10) writes a marker row on each.
 */
export function ringStates(members: Members, stoppedAt: number): Record<string, string> {
  const out: Record<string, string> = { D: downstreamState(stoppedAt) };
  for (const b of members.ring.slice(1))
    out[b.label] =
      `${hostPortText(b.address)}: not changed by the run${stoppedAt >= 10 ? ' (apart from the proof’s marker row)' : ''}; replicating from ${sourceOf(members, b.label as RingMember)} as before`;
  return out;
}

/** The steps a run walks: the pair's, or the ring's when --ring was given. */
export function stepsFor(ring: boolean): readonly Step[] {
  return ring ? RING_STEPS : STEPS;
}
