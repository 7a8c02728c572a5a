// Typed errors: the CLI maps them to exit codes; nothing below the CLI calls process.exit.

/** Bad flags, config or environment: exit 2. Nothing on the servers was touched. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A step could not complete: exit 1. Carries where it stopped and what to do next. */
export class StepFailed extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly stepId?: number,
    readonly nextAction?: string,
  ) {
    super(message);
    this.name = 'StepFailed';
  }
}

/** The operator said no, or pressed Ctrl-C: exit 130 for a signal, 1 for a No. */
export class Interrupted extends Error {
  constructor(
    message: string,
    readonly exitCode: 130 | 1 = 130,
  ) {
    super(message);
    this.name = 'Interrupted';
  }
}

export function exitCodeOf(err: unknown): number {
  const code = (err as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}
