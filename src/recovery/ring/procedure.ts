// The procedure of a ring: the pair's eleven steps, with steps 2, 6, 9 and 10 in their ring form (see ./steps.ts).
// Ids, questions and resume points are the pair's, so the runner walks either list the same way.
import { STEPS } from '../procedure.js';
import type { Step } from '../steps/step.js';
import { ringCatchUpD, ringPointBsAtGs, ringStartReplicas, ringStopBsReplica } from './steps.js';

const RING_FORM = new Map<number, Step>([ringStopBsReplica, ringPointBsAtGs, ringCatchUpD, ringStartReplicas].map((s) => [s.id, s]));

export const RING_STEPS: readonly Step[] = STEPS.map((s) => RING_FORM.get(s.id) ?? s);

/** The steps a run walks: the pair's, or the ring's when --ring was given. */
export function stepsFor(ring: boolean): readonly Step[] {
  return ring ? RING_STEPS : STEPS;
}
