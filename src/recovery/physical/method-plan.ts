// Step 4 for the methods that copy data files instead of a logical dump: one entry point, so that the logical copy's
// step stays as it is and knows nothing of them.
import type { RecoveryContext } from '../context.js';
import { copyMethod } from '../copy-method.js';
import type { StepPlan } from '../step.js';
import { physicalCopyPlan } from './plan.js';
import { clonePlan } from './clone.js';

export async function otherCopyPlan(ctx: RecoveryContext): Promise<StepPlan | undefined> {
  switch (copyMethod(ctx).coordinatesFrom) {
    case 'backup':
      return physicalCopyPlan(ctx);
    case 'clone':
      return clonePlan(ctx);
    default:
      return undefined;
  }
}
