// A temporary mariadbd on a kept data directory (the one the physical method renamed aside), to read what it held:
// socket only (--skip-networking), no replication started (--skip-slave-start), no binary log, no event fired, its
// own temporary directory for the socket, pid file and error log; stopped whatever happens (the caller's finally,
// and its signal handlers through kill(), which needs no await).
import { pollUntil } from '../../base/poll.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerSession } from '../mysql/session.js';
import { host } from '../../base/host.js';

/** The server program: MMRECOVER_MARIADBD when set (a MariaDB installed elsewhere), else the system's. */
function serverProgram(): string | undefined {
  const env = host().env;
  if (env.MMRECOVER_MARIADBD) return env.MMRECOVER_MARIADBD;
  for (const name of ['mariadbd', 'mysqld'])
    for (const dir of [...(env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
      const p = join(dir, name);
      if (dir && existsSync(p)) return p;
    }
  return undefined;
}

export interface TempServer {
  pid: number;
  socket: string;
  session: ServerSession;
  stop: () => Promise<void>;
  /** SIGKILL it and remove its temp dir at once (a signal handler, process exit): nothing to await. */
  kill: () => void;
}

/** Why `dir` is not a MariaDB/MySQL data directory, or undefined when it looks like one (a mysql schema and InnoDB's files). */
export function notADatadir(dir: string): string | undefined {
  if (!existsSync(dir)) return `${dir} does not exist`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
  if (!existsSync(join(dir, 'mysql')) || !statSync(join(dir, 'mysql')).isDirectory()) return `${dir} is not a data directory (no mysql schema in it)`;
  if (!existsSync(join(dir, 'ibdata1'))) return `${dir} is not a data directory (no InnoDB system tablespace ibdata1 in it)`;
  return undefined;
}

const alive = (pid: number) => {
  try {
    host().kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Start mariadbd on `datadir`. Accounts are not checked (--skip-grant-tables): the kept directory holds BS's
 * accounts, whose passwords the operator may not have, and nothing but a socket in a 0700 directory of ours reaches it.
 * Options: https://mariadb.com/kb/en/mariadbd-options/ (--skip-networking, --skip-slave-start, --skip-grant-tables,
 * --event-scheduler).
 */
export async function startTempServer(datadir: string, opts: { timeoutMs?: number } = {}): Promise<TempServer> {
  const program = serverProgram();
  if (!program) throw new Error('mariadbd is not installed on this machine: install mariadb-server (its service may stay stopped)');
  const tmp = mkdtempSync(join(tmpdir(), 'mmrecover-salvage-'));
  const socket = join(tmp, 'mysqld.sock');
  const errorLog = join(tmp, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--pid-file=${join(tmp, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--tmpdir=${tmp}`,
    '--skip-networking',
    '--skip-slave-start',
    '--skip-log-bin',
    '--skip-grant-tables',
    '--event-scheduler=OFF',
    '--innodb-buffer-pool-size=64M',
    ...(host().uid === 0 ? ['--user=root'] : []),
  ];
  const child = spawn(program, args, { detached: true, stdio: 'ignore' });
  const pid = child.pid ?? -1;
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  const kill = () => {
    if (pid > 0 && alive(pid)) host().kill(pid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  };
  let session: ServerSession | undefined;
  const stop = async () => {
    await session?.close().catch(() => undefined);
    if (pid > 0 && alive(pid)) {
      host().kill(pid, 'SIGTERM');
      const gone = () => (alive(pid) ? undefined : true);
      await pollUntil(gone, { everyMs: 50, timeoutMs: 30_000 });
      if (alive(pid)) host().kill(pid, 'SIGKILL');
      await pollUntil(gone, { everyMs: 20, timeoutMs: 10_000 });
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    // null: the server exited, and waiting longer will not bring it up.
    const started = await pollUntil<ServerSession | null>(
      async () => {
        if (exited) return null;
        return ServerSession.connect({ label: 'KEPT', host: 'localhost', port: 0, socket, user: 'root', password: '' }, { connectTimeoutMs: 1000 }).catch(
          () => undefined,
        );
      },
      { everyMs: 200, timeoutMs: opts.timeoutMs ?? 120_000 },
    );
    if (!started) {
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      throw new Error(`the temporary mariadbd on ${datadir} did not start${exited ? '' : ' in time'}: ${log || 'no error log'}`);
    }
    session = started;
    return { pid, socket, session, stop, kill };
  } catch (err) {
    await stop();
    throw err;
  }
}
