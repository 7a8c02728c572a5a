// `lab up --haproxy`: Debian's HAProxy in TCP mode in front of the pair (one backend with both servers, round robin),
// its stats socket (runtime API, level admin) in the lab directory, run as a daemon so that it outlives `lab up`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { host } from '../base/host.js';

export interface LabHaproxy {
  /** The stats socket (level admin). */
  socket: string;
  /** Where clients connect (TCP, both servers behind it). */
  port: number;
  backend: string;
  /** Each lab server's name in the backend. */
  servers: Record<string, string>;
  pidFile: string;
  config: string;
}

export const LAB_BACKEND = 'mysql_pair';

/** The haproxy binary: Debian's package puts it in /usr/sbin, which a user's PATH may lack. */
export function haproxyBinary(): string {
  for (const p of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(p)) return p;
  return 'haproxy';
}

export function haproxyConfig(h: LabHaproxy, servers: Array<{ name: string; port: number }>): string {
  return [
    'global',
    // Without it HAProxy binds with SO_REUSEPORT, and two labs' HAProxies given the same free port both listen on it:
    // the kernel then hands this lab's clients to the other lab's servers. A clash now fails the start (retried).
    '  noreuseport',
    `  stats socket ${h.socket} mode 600 level admin`,
    `  pidfile ${h.pidFile}`,
    '  daemon',
    '',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 10m',
    '  timeout server 10m',
    '',
    'frontend mysql_front',
    `  bind 127.0.0.1:${h.port}`,
    `  default_backend ${h.backend}`,
    '',
    `backend ${h.backend}`,
    '  balance roundrobin',
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
    '',
  ].join('\n');
}

/** Start HAProxy for the lab in `dir`; resolves once its stats socket exists. */
export async function startHaproxy(dir: string, port: number, servers: Array<{ name: string; port: number }>): Promise<LabHaproxy> {
  const h: LabHaproxy = {
    socket: join(dir, 'haproxy.sock'),
    port,
    backend: LAB_BACKEND,
    servers: Object.fromEntries(servers.map((s) => [s.name, s.name])),
    pidFile: join(dir, 'haproxy.pid'),
    config: join(dir, 'haproxy.cfg'),
  };
  writeFileSync(h.config, haproxyConfig(h, servers), { mode: 0o600 });
  const r = spawnSync(haproxyBinary(), ['-f', h.config, '-D'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) throw new Error(`lab: could not start haproxy (${r.error.message}); install Debian's haproxy package`);
  if (r.status !== 0) throw new Error(`lab: haproxy exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  for (let i = 0; i < 100 && !(existsSync(h.socket) && existsSync(h.pidFile)); i++) await delay(50);
  if (!existsSync(h.socket)) throw new Error(`lab: haproxy started but its stats socket ${h.socket} did not appear`);
  return h;
}

export function haproxyPid(h: LabHaproxy): number | undefined {
  try {
    const pid = Number(readFileSync(h.pidFile, 'utf8').trim().split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function stopHaproxy(h: LabHaproxy): Promise<void> {
  const pid = haproxyPid(h);
  if (!pid) return;
  try {
    host().kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      host().kill(pid, 0);
    } catch {
      return;
    }
    await delay(50);
  }
  try {
    host().kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
