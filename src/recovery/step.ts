// A step of the procedure. When its turn comes it computes its plan once, from what is known then: the actions the
// executor runs and everything shown about them are that one value. The runner knows no step by number: which
// steps a question covers, where a resumed run restarts and what state a stop leaves are properties of the steps.
import type { Action, Role } from './actions.js';
import type { RecoveryContext } from './context.js';

export interface StepPlan {
  actions: Action[];
  /** Asked before the actions run (default answer No); it also covers the steps in `covers`. */
  question?: string;
  /** What the operator must do outside the tool (it cannot reach VIPs or firewalls). */
  checklist?: string[];
  /** Facts worth a line before the actions (a decision the step made, why it has nothing to do). */
  notes?: string[];
  /** Who it acts on, when the plan knows better than the step (a copy from the donor reads R, not GS). */
  on?: string;
}

export type ServerStates = Partial<Record<Role, string>>;

export interface Step {
  id: number;
  title: string;
  /** Who it acts on, for the header. */
  on: string;
  /** Later steps confirmed by this step's question (3 → 4, 5: nobody is asked while GS is locked). */
  covers?: number[];
  /** Where --resume restarts when this step did not complete (a copy restarts at the lock: the lock is gone). */
  restartAt?: number;
  /** What each server is left in once this step is done. */
  after?: (ctx: RecoveryContext) => ServerStates;
  /** What each server may be in when a run stops inside this step. */
  during?: (ctx: RecoveryContext) => ServerStates;
  plan(ctx: RecoveryContext): Promise<StepPlan>;
  /** After its actions ran: judge what they measured (it may read, and fail the step). */
  conclude?(ctx: RecoveryContext): Promise<void>;
}
