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

/** Ctrl-C or SIGTERM: exit 130. */
export class Interrupted extends Error {
  readonly exitCode = 130;
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

export function exitCodeOf(err: unknown): number {
  const code = (err as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}

/** The operator answered No: exit 1, an outcome of its own (not an interruption, not a failure). */
export class Declined extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'Declined';
  }
}

/** An error's first line, for a message of one line (a server's or a program's error can run to several). */
export const firstLine = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0];
