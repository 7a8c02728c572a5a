// Step 4 of --method clone (MySQL 8.0.17+): filled in below.
import type { RecoveryContext } from '../context.js';
import type { StepPlan } from '../steps/step.js';

export async function clonePlan(_ctx: RecoveryContext): Promise<StepPlan> {
  return { actions: [], notes: ['Clone method: not implemented yet.'] };
}
