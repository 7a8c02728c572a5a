// The procedure, in the seed's order, as data: the runner walks this list and knows no step by number. Which steps a
// question covers, where a resumed run restarts and what a stop leaves are read from the steps themselves.
import { isolate } from './steps/s01-isolate.js';
import { stopBsReplica } from './steps/s02-stop-bs-replica.js';
import { lockGs } from './steps/s03-lock-gs.js';
import { copyData } from './steps/s04-copy.js';
import { unlockGs } from './steps/s05-unlock-gs.js';
import { pointBsAtGs } from './steps/s06-point-bs-at-gs.js';
import { startBsReplica } from './steps/s07-start-bs-replica.js';
import { recordBs } from './steps/s08-record-bs.js';
import { pointGsAtBs } from './steps/s09-point-gs-at-bs.js';
import { startGsReplica } from './steps/s10-start-gs-replica.js';
import { restoreBs } from './steps/s11-restore-bs.js';
import type { RecoveryContext } from './context.js';
import type { Role } from './actions.js';
import type { Step } from './step.js';
import { refenceTraffic, withTrafficFence } from './traffic-fence.js';
import { refencePlan as refenceBs } from './steps/s01-isolate.js';
import type { StepPlan } from './step.js';

export const STEPS: readonly Step[] = (
  [isolate, stopBsReplica, lockGs, copyData, unlockGs, pointBsAtGs, startBsReplica, recordBs, pointGsAtBs, startGsReplica, restoreBs] as Step[]
).map(withTrafficFence);

/** The step whose question covers `id`, if an earlier one does (3 covers 4 and 5). */
export function confirmedBy(id: number): number | undefined {
  return STEPS.find((s) => s.covers?.includes(id))?.id;
}

/** Where a resumed run starts: the first step not known complete, or the earlier step it must restart from. */
export function resumeAt(firstIncomplete: number): number {
  return STEPS.find((s) => s.id === firstIncomplete)?.restartAt ?? firstIncomplete;
}

/** What each server is in when a run stops at `stoppedAt` (the steps before it done, it possibly half done). */
export function serverStates(ctx: RecoveryContext, stoppedAt: number, steps: readonly Step[] = STEPS): Record<Role, string> {
  const facts: Record<Role, string[]> = { GS: [], BS: [] };
  const add = (states: Partial<Record<Role, string>> | undefined) => {
    for (const role of ['GS', 'BS'] as Role[]) if (states?.[role]) facts[role].push(states[role]!);
  };
  // The run's own steps: a ring's steps 9 and 10 leave GS replicating from its upstream, not from BS.
  for (const s of steps) {
    if (s.id < stoppedAt) add(s.after?.(ctx));
    if (s.id === stoppedAt) add(s.during?.(ctx));
  }
  return { GS: facts.GS.join('; ') || 'untouched: accepting writes, replication as it was', BS: facts.BS.join('; ') || 'untouched' };
}

/** On --resume: HAProxy entries back into maint, then step 1's fence switched back on where it is off. */
export async function refencePlan(ctx: RecoveryContext): Promise<StepPlan> {
  const bs = await refenceBs(ctx);
  return { ...bs, actions: [...refenceTraffic(ctx), ...bs.actions] };
}
export type { Step, StepPlan } from './step.js';
