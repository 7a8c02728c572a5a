// Commands on a server's host: run here, or through the system `ssh` when the server lives elsewhere. ssh runs
// non-interactively (BatchMode: keys or an agent, never a password prompt). A file with credentials is created on
// that host through ssh's standard input (0600 in a 0700 directory), never on a command line, and removed by the
// caller on every exit path. Nothing here knows what the commands are for.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientEnv } from './client-env.js';
import { host } from '../../base/host.js';
import { redact, type Command } from './pipe.js';

/** `[user@]host[:port]`, as --good-ssh/--bad-ssh give it. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

/** Where a server's commands run: this machine, or its host over ssh. */
export type HostAccess = { kind: 'local' } | { kind: 'ssh'; target: SshTarget; configFile?: string };

export const LOCAL: HostAccess = { kind: 'local' };

export function parseSshTarget(text: string): SshTarget {
  const m = /^(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not [user@]host[:port]`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`port ${port} is out of range 1-65535`);
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2].replace(/^\[|\]$/g, ''), ...(port ? { port } : {}) };
}

export function sshTargetText(t: SshTarget): string {
  const h = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user ? `${t.user}@` : ''}${h}${t.port ? `:${t.port}` : ''}`;
}

/** "this machine" or "ssh root@db2:2222", for the plan's lines. */
export function describeHost(h: HostAccess): string {
  return h.kind === 'local' ? 'local' : `ssh ${sshTargetText(h.target)}`;
}

/** A word as a POSIX shell reads it back (the remote side of ssh is always a shell). */
export function shWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The ssh options every call uses: no prompt, a bounded connect, no forwarding of anything. */
export function sshArgs(h: Extract<HostAccess, { kind: 'ssh' }>, connectTimeoutSeconds = 10): string[] {
  return [
    ...(h.configFile ? ['-F', h.configFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${connectTimeoutSeconds}`,
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-T',
    '-a',
    '-x',
    ...(h.target.port ? ['-p', String(h.target.port)] : []),
    ...(h.target.user ? ['-l', h.target.user] : []),
    '--',
    h.target.host,
  ];
}

/** The process to spawn for argv on that host (no local shell; the remote one gets each word quoted). */
export function onHost(h: HostAccess, argv: readonly string[]): Command {
  if (h.kind === 'local') return { command: argv[0], args: argv.slice(1), env: clientEnv() };
  return { command: 'ssh', args: [...sshArgs(h), argv.map(shWord).join(' ')], env: clientEnv() };
}

export interface HostResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class HostCommandFailed extends Error {
  constructor(
    message: string,
    readonly result?: HostResult,
  ) {
    super(message);
    this.name = 'HostCommandFailed';
  }
}

export interface RunOnHostOptions {
  stdin?: string;
  signal?: AbortSignal;
  /** Killed (SIGKILL) after this long; the promise rejects. */
  timeoutMs?: number;
  secrets?: string[];
  /**
   * In a process group of its own: a Ctrl-C at the operator's terminal (sent to the whole foreground group) does not
   * reach it. For the commands that must finish once begun (BS's stop, the datadir swap, BS's start).
   */
  detached?: boolean;
  /** Added to the child's environment (which never holds the tool's passwords: see client-env.ts). */
  env?: Record<string, string>;
}

const KEEP = 64 * 1024;

/** Run argv on the host and collect its output; resolves whatever the exit code (see `check`). */
export function runOnHost(h: HostAccess, argv: readonly string[], o: RunOnHostOptions = {}): Promise<HostResult> {
  const c = onHost(h, argv);
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new HostCommandFailed(`not started: interrupted (${argv[0]})`));
    const env = o.env ? { ...c.env, ...o.env } : c.env;
    const child = spawn(c.command, c.args, { stdio: ['pipe', 'pipe', 'pipe'], env, shell: false, detached: o.detached ?? false });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout = (stdout + s).slice(-KEEP)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-KEEP)));
    // A detached command leads its own group: the whole group goes (a shell's children with it).
    const kill = () => {
      try {
        if (o.detached && child.pid) host().kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    };
    o.signal?.addEventListener('abort', kill, { once: true });
    const timer = o.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, o.timeoutMs)
      : undefined;
    child.stdin.on('error', () => undefined); // a command that does not read its input
    child.stdin.end(o.stdin ?? '');
    child.once('error', (err) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      reject(new HostCommandFailed(`could not start ${c.command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      const r = { code, signal, stdout, stderr: redact(stderr, o.secrets) };
      if (timedOut) return reject(new HostCommandFailed(`${argv[0]} did not finish within ${Math.round((o.timeoutMs ?? 0) / 1000)} s and was killed`, r));
      resolve(r);
    });
  });
}

/** The last line of stderr that says something (ssh's own "Warning: Permanently added" lines skipped). */
export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Warning: Permanently added/.test(l))
      .pop() ?? ''
  );
}

/** Run and require exit 0; the error names the host and the last stderr line. */
export async function checkOnHost(h: HostAccess, argv: readonly string[], o: RunOnHostOptions = {}): Promise<HostResult> {
  const r = await runOnHost(h, argv, o);
  if (r.code !== 0) {
    const how = r.signal ? `was killed (${r.signal})` : `exited ${r.code}`;
    const sshFailed = h.kind === 'ssh' && r.code === 255;
    const line = lastLine(r.stderr);
    throw new HostCommandFailed(
      `${sshFailed ? `ssh to ${sshTargetText(h.target)} failed` : `${argv[0]} ${how}`}${line ? `: ${line}` : ''} (${describeHost(h)})`,
      r,
    );
  }
  return r;
}

export interface PrivateFile {
  path: string;
  dispose: () => Promise<void>;
}

/**
 * A 0600 file with `text` on that host, in a fresh 0700 directory. Over ssh the text travels on ssh's standard
 * input: it is on no command line, here or there.
 */
export async function writePrivateFile(h: HostAccess, text: string, name = 'client.cnf', secrets: string[] = []): Promise<PrivateFile> {
  if (h.kind === 'local') {
    const dir = await mkdtemp(join(tmpdir(), 'mmrecover-host-'));
    const path = join(dir, name);
    const dispose = () => rm(dir, { recursive: true, force: true });
    try {
      await writeFile(path, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      await dispose();
      throw err;
    }
    return { path, dispose };
  }
  const script = `umask 077 && d=$(mktemp -d /tmp/mmrecover-host-XXXXXXXX) && cat > "$d"/${shWord(name)} && echo "$d"`;
  const r = await checkOnHost(h, ['sh', '-c', script], { stdin: text, timeoutMs: 30_000, secrets });
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  if (!/^\/tmp\/mmrecover-host-[A-Za-z0-9]+$/.test(dir)) throw new HostCommandFailed(`could not create a private file on ${describeHost(h)}`);
  return {
    path: `${dir}/${name}`,
    dispose: async () => {
      await runOnHost(h, ['rm', '-rf', '--', dir], { timeoutMs: 30_000 }).catch(() => undefined);
    },
  };
}
