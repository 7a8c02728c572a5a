// One lab server: a real mariadbd in its own directory, with its own port and socket. Started detached so that
// `mmrecover lab up` can exit and leave it running; stopped by pid.
import { host } from '../base/host.js';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ServerSession } from '../adapters/mysql/session.js';
import { UsageError } from '../base/errors.js';
import { pollUntil } from '../base/poll.js';
import type { LabName } from './members.js';

const execFileP = promisify(execFile);

export const INSTALL_COMMAND = 'apt-get install -y --no-install-recommends mariadb-server mariadb-client';

export function findProgram(name: string): string | undefined {
  for (const dir of [...(host().env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The server program the lab runs: MMRECOVER_MARIADBD when set (a MariaDB installed elsewhere), else the system's. */
export function mariadbdPath(env: NodeJS.ProcessEnv = host().env): string {
  const chosen = env.MMRECOVER_MARIADBD;
  if (chosen) {
    if (!existsSync(chosen))
      throw new UsageError(`MMRECOVER_MARIADBD=${chosen}: no such program. Point it at a mariadbd, or unset it and install MariaDB with: ${INSTALL_COMMAND}`);
    return chosen;
  }
  const p = findProgram('mariadbd') ?? findProgram('mysqld');
  if (!p) throw new UsageError(`mariadbd is not installed. Install it with: ${INSTALL_COMMAND}`);
  return p;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new UsageError(`${flag}: port ${port} is already in use on 127.0.0.1; choose another port`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

export interface ServerSpec {
  name: LabName;
  dir: string;
  port: number;
  serverId: number;
  gtid: boolean;
  /** Masters in the pair or ring: auto-increment-increment (the seed's n). Default 2. */
  masters?: number;
  tls?: { ca: string; cert: string; key: string };
  extraArgs?: string[];
}

export interface LabServer {
  name: LabName;
  host: '127.0.0.1';
  port: number;
  socket: string;
  pid: number;
  dir: string;
  datadir: string;
  serverId: number;
}

/** A freshly installed datadir to copy instead of installing again: MMRECOVER_LAB_TEMPLATE, when it holds one. */
export function labTemplate(env: NodeJS.ProcessEnv): string | undefined {
  const t = env.MMRECOVER_LAB_TEMPLATE;
  return t && existsSync(join(t, 'mysql')) ? t : undefined;
}

/** Initialise a datadir once; later servers copy it (much faster than a second install). */
export async function initDatadir(datadir: string, template?: string): Promise<void> {
  if (template && existsSync(template)) {
    await cp(template, datadir, { recursive: true });
    return;
  }
  const install = findProgram('mariadb-install-db') ?? findProgram('mysql_install_db');
  if (!install) throw new UsageError(`mariadb-install-db is not installed. Install it with: ${INSTALL_COMMAND}`);
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    `--innodb-log-file-size=${LAB_REDO_LOG_SIZE}`,
  ];
  if (host().uid === 0) args.push('--user=root');
  // The bootstrap server's temporary tables go to $TMPDIR: a private one, or concurrent installs (two labs starting
  // at once) delete each other's files and abort ("Unknown table 'mysql.tmp_proxies_priv'").
  const tmp = join(dirname(datadir), 'tmp');
  mkdirSync(tmp, { recursive: true });
  try {
    await execFileP(install, args, { timeout: 120_000, env: { ...host().env, TMPDIR: tmp } });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    const lines = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n');
    const cause = lines.find((l) => /^ERROR|\[ERROR\]/.test(l) && !/Aborting/.test(l)) ?? lines.pop() ?? (err as Error).message;
    throw new Error(`mariadb-install-db failed for ${datadir}: ${cause}`);
  }
}

/**
 * The lab servers' redo log size, given to mariadb-install-db too: a datadir installed with the default (96 MB) was
 * copied whole for every server and its log resized again at each first start.
 */
const LAB_REDO_LOG_SIZE = '48M';

export function serverArgs(s: ServerSpec): string[] {
  const d = s.dir;
  const args = [
    '--no-defaults',
    `--datadir=${join(d, 'data')}`,
    `--socket=${join(d, 'mysqld.sock')}`,
    `--pid-file=${join(d, 'mysqld.pid')}`,
    `--log-error=${join(d, 'error.log')}`,
    // A private tmpdir: internal temporary tables must not share /tmp with other servers or cleanup jobs.
    `--tmpdir=${join(d, 'tmp')}`,
    `--port=${s.port}`,
    '--bind-address=127.0.0.1',
    `--server-id=${s.serverId}`,
    // The seed's master-master setup:
    '--log-bin=mysql-bin',
    '--log-slave-updates',
    '--binlog-format=ROW',
    `--auto-increment-increment=${s.masters ?? 2}`,
    `--auto-increment-offset=${s.serverId}`,
    // Small and quick: a lab, not production.
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    `--innodb-log-file-size=${LAB_REDO_LOG_SIZE}`,
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=200',
    '--skip-slave-start',
    `--relay-log=relay-bin`,
    `--gtid-domain-id=${s.serverId}`,
  ];
  if (s.tls) args.push(`--ssl-ca=${s.tls.ca}`, `--ssl-cert=${s.tls.cert}`, `--ssl-key=${s.tls.key}`, '--require-secure-transport=ON');
  if (host().uid === 0) args.push('--user=root');
  args.push(...(s.extraArgs ?? []));
  return args;
}

/** Start mariadbd detached and wait until it accepts connections on its socket. */
export async function startServer(s: ServerSpec): Promise<LabServer> {
  mkdirSync(join(s.dir, 'tmp'), { recursive: true });
  const out = openSync(join(s.dir, 'stdout.log'), 'a');
  const child = spawn(mariadbdPath(), serverArgs(s), { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const server: LabServer = {
    name: s.name,
    host: '127.0.0.1',
    port: s.port,
    socket: join(s.dir, 'mysqld.sock'),
    pid: child.pid ?? -1,
    dir: s.dir,
    datadir: join(s.dir, 'data'),
    serverId: s.serverId,
  };
  let exited = false;
  child.once('exit', () => (exited = true));
  // Up once it accepts a login; access denied means it is up and already has a password (a restart): good enough.
  const accepts = async (): Promise<true | undefined> => {
    try {
      const session = await ServerSession.connect(
        { label: s.name.toUpperCase(), host: '127.0.0.1', port: s.port, socket: server.socket, user: 'root', password: '' },
        { connectTimeoutMs: 1000 },
      );
      await session.close();
      return true;
    } catch (err) {
      return (err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' || exited ? true : undefined;
    }
  };
  const up = await pollUntil(accepts, { everyMs: 100, timeoutMs: 60_000 });
  if (up && !exited) return server;
  const log = existsSync(join(s.dir, 'error.log')) ? readFileSync(join(s.dir, 'error.log'), 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
  if (!exited) host().kill(server.pid, 'SIGKILL');
  throw new Error(`lab server ${s.name} (port ${s.port}) did not start: ${log}`);
}

export function isRunning(pid: number): boolean {
  try {
    host().kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait, then SIGKILL: the lab must never leave a server behind. A timeout of 0 kills at once. */
export async function stopServer(pid: number, timeoutMs = 20_000): Promise<void> {
  if (!isRunning(pid)) return;
  try {
    host().kill(pid, timeoutMs > 0 ? 'SIGTERM' : 'SIGKILL');
  } catch {
    return;
  }
  const gone = () => (isRunning(pid) ? undefined : true);
  if (await pollUntil(gone, { everyMs: 50, timeoutMs })) return;
  try {
    host().kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  // SIGKILL cannot be ignored: the process is gone within moments; the bound only keeps a zombie from hanging the lab.
  await pollUntil(gone, { everyMs: 20, timeoutMs: 10_000 });
}
