// What the CLI layer hands to commands: the process, kept at arm's length so commands stay testable.
export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  setExitCode: (code: number) => void;
}
