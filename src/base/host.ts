// The process the tool runs in, handed down by the CLI (the only layer that touches process.*): the environment,
// signals to other processes, who we are. Lower layers ask here instead of reaching for the global.
export interface Host {
  env: NodeJS.ProcessEnv;
  /** Send a signal to a process (0: does it exist?); throws like process.kill. */
  kill(pid: number, signal?: NodeJS.Signals | 0): void;
  /** The effective user id, where the platform has one. */
  uid?: number;
  /** This process's id. */
  pid: number;
}

let current: Host | undefined;

export function setHost(h: Host): void {
  current = h;
}

export function host(): Host {
  if (!current) throw new Error('internal: the host process was not handed down (the CLI, the bench and the tests set it at start)');
  return current;
}
