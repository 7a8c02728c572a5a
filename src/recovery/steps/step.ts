// A step of the procedure: its statements for the plan and the question, and the code that runs them through the executor.
import type { RecoveryContext, Role } from '../context.js';

export interface PlannedAction {
  role: Role;
  /** The statement or `$ command` as shown (secrets masked). */
  shown: string;
  /** Why, in a few words, when the statement alone does not say it. */
  note?: string;
}

export interface Step {
  id: number;
  title: string;
  /** Who it acts on, for the header. */
  on: string;
  /**
   * The question asked before the step runs (default answer No). Undefined: the step is read-only or was
   * confirmed together with an earlier one (steps 4 and 5 are confirmed with 3, so nobody is asked while GS is locked).
   */
  question?: (ctx: RecoveryContext) => string | undefined;
  /** Steps confirmed by this step's question together with it (3 → [4, 5]). */
  confirms?: number[];
  /** What the question shows, when it covers more than this step (3 shows 3–5). Defaults to plan(). */
  questionPlan?(ctx: RecoveryContext): Promise<PlannedAction[]>;
  /** What the step will run, computed from what is known now (placeholders for what is not). */
  plan(ctx: RecoveryContext): Promise<PlannedAction[]>;
  run(ctx: RecoveryContext): Promise<void>;
}

/** Placeholder shown in a plan for a value that an earlier step will record. */
export function placeholder(what: string): string {
  return `<${what}>`;
}
