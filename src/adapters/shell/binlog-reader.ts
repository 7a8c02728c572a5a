// Read event headers from a server's binary log with the vendor's own reader (mariadb-binlog / mysqlbinlog
// --read-from-remote-server), credentials in a 0600 option file. Used where SQL alone cannot tell the time of an
// event: how old is the oldest event a stopped replica has not executed?
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Endpoint } from '../mysql/endpoint.js';
import { findBinlogReader } from './clients.js';
import { writeOptionFile } from './option-file.js';
import { clientEnv } from './pipe.js';

/** Headers the reader prints for bookkeeping events, which carry no change of their own. */
const META = /\t(Start: binlog|Rotate to|Gtid list|Binlog checkpoint|Previous-GTIDs|Heartbeat|Stop)/;
/** `#261125 12:05:43 server id 1  end_log_pos 256 …` (printed in the reader's time zone; we run it in UTC). */
const HEADER = /^#(\d\d)(\d\d)(\d\d)\s+(\d\d?):(\d\d):(\d\d)\s+server id\s+\d+/;

/**
 * The UTC timestamp (seconds) of the first real event at or after `from` in `endpoint`'s binary log, 'end' when
 * there is none (the log ends there), null when it cannot tell (no reader installed, no privilege, purged log).
 */
export async function firstEventTimeAfter(endpoint: Endpoint, from: { file: string; pos: number }, timeoutMs: number): Promise<number | 'end' | null> {
  const reader = await findBinlogReader().catch(() => undefined);
  if (!reader) return null;
  const opt = await writeOptionFile(
    { host: endpoint.host, port: endpoint.port, socket: endpoint.socket, user: endpoint.user, password: endpoint.password, ssl: endpoint.tls },
    reader.flavor,
  );
  try {
    const child = spawn(reader.command, [`--defaults-extra-file=${opt.path}`, '--read-from-remote-server', `--start-position=${from.pos}`, from.file], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...clientEnv(), TZ: 'UTC' },
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(null));
      child.once('close', (code) => resolve(code));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let at = -1;
    let found: number | undefined;
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        const pos = /^# at (\d+)/.exec(line);
        if (pos) {
          at = Number(pos[1]);
          continue;
        }
        const h = HEADER.exec(line);
        if (!h || at < from.pos || META.test(line)) continue;
        const [, yy, mo, dd, hh, mi, ss] = h.map(Number);
        found = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss) / 1000;
        child.kill('SIGTERM');
        break;
      }
    } finally {
      clearTimeout(timer);
    }
    const code = await exited;
    if (found !== undefined) return found;
    return code === 0 ? 'end' : null;
  } finally {
    await opt.dispose();
  }
}
