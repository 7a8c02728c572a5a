// Walk the procedure the way a run does, without running anything: each step computes its plan from what is known
// then, the plan's statement effects are applied to the recovery state (as the executors do after each action), and
// the plan becomes trace entries for the rules checker. With a context that reached no server the plans carry their
// branches; with one whose reads answer from a model, they are what a connected run would compute.
import type { RecoveryContext } from '../context.js';
import { STEPS } from '../procedure.js';
import { traceAction, type TraceEntry } from './trace.js';

/** Every step's plan as trace entries, in order; `each` sees a step's entries before the next step plans. */
export async function rehearse(ctx: RecoveryContext, each?: (step: number, entries: TraceEntry[]) => void): Promise<TraceEntry[]> {
  const out: TraceEntry[] = [];
  for (const step of STEPS) {
    const plan = await step.plan(ctx);
    const entries = plan.actions.flatMap((a) => traceAction(step.id, a));
    each?.(step.id, entries);
    for (const a of plan.actions) if (a.kind === 'sql') a.effect?.(ctx.state);
    out.push(...entries);
  }
  return out;
}
