// Run the built CLI as a real process: plainly (pipes), or under a pseudo-terminal through util-linux `script`,
// answering questions as they appear, the way an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { shellLine } from '../../src/config/shell-quote.js';

/** One event of `--json` output. */
export interface JsonEvent {
  event: string;
  [k: string]: unknown;
}

/** The events of a run's `--json` stdout: every line is one (a line that is not JSON fails the test). */
export const jsonEvents = (stdout: string): JsonEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonEvent);

export const BIN = fileURLToPath(new URL('../../bin/mmrecover', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  result: Promise<CliResult>;
  output: () => string;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, result, output: () => stdout + stderr };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, env, opts).result;
}

export interface PtySession {
  /** Everything the terminal showed so far (ANSI sequences stripped). */
  screen(): string;
  /** The same, as the program wrote it (escape sequences and carriage returns kept). */
  raw(): string;
  /** Wait until the screen (after `from`) matches. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<number>;
  type(text: string): void;
  /** Answer yes to the next `n` questions, each seen answered before the next; returns where the last answer ends. */
  answerYes(n: number, timeoutMs?: number, from?: number): Promise<number>;
  exit: Promise<number | null>;
  child: ChildProcess;
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][A-Z0-9]/g, '');

/** Run the CLI under a real pseudo-terminal (stdin and stderr are TTYs, as at an operator's terminal). */
export function startPty(args: string[], env: Record<string, string | undefined> = {}, opts: { cols?: number } = {}): PtySession {
  // A wide terminal by default, so that questions are not wrapped across lines.
  const cols = opts.cols ?? 400;
  const command = `stty cols ${cols} rows 50 2>/dev/null; exec ${shellLine([process.execPath, BIN, ...args])}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    // An operator's terminal: not CI (CI=true picks the plain renderer, as a CI log should get), whatever runs the tests.
    env: { ...process.env, CI: undefined, NO_COLOR: '1', TERM: 'xterm', COLUMNS: String(cols), LINES: '50', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout!.on('data', (d) => (raw += d));
  child.stderr!.on('data', (d) => (raw += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const session: PtySession = {
    child,
    exit,
    raw: () => raw,
    screen: () => stripAnsi(raw),
    type: (text) => child.stdin!.write(text),
    async answerYes(n, timeoutMs = 60_000, from = 0) {
      let at = from;
      for (let i = 0; i < n; i++) {
        at = await session.waitFor(/\(y\/N\)/, timeoutMs, at);
        session.type('y\r');
        // Answered: the next "(y/N)" is a new question.
        at = await session.waitFor(/\? Yes/, timeoutMs, at);
      }
      return at;
    },
    async waitFor(pattern, timeoutMs = 60_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = stripAnsi(raw).slice(from);
        const m = pattern.exec(s);
        if (m) return from + m.index + m[0].length;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen so far:\n${stripAnsi(raw).slice(-3000)}`);
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${pattern}; screen:\n${stripAnsi(raw).slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return session;
}
