// Read event headers from a server's binary log with the vendor's own reader (mariadb-binlog / mysqlbinlog
// --read-from-remote-server), credentials in a 0600 option file. Used where SQL alone cannot tell the time of an
// event: how old is the oldest event a stopped replica has not executed?
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Endpoint } from '../mysql/endpoint.js';
import type { Coordinates } from '../mysql/replication.js';
import { findBinlogReader, type ClientProgram } from './clients.js';
import { endpointCredentials, writeOptionFile } from './option-file.js';
import { clientEnv } from './client-env.js';

/** Headers the reader prints for bookkeeping events, which carry no change of their own. */
const META = /\t(Start: binlog|Rotate to|Gtid list|Binlog checkpoint|Previous-GTIDs|Heartbeat|Stop)/;
/** `#261125 12:05:43 server id 1  end_log_pos 256 …` (printed in the reader's time zone; we run it in UTC). */
const HEADER = /^#(\d\d)(\d\d)(\d\d)\s+(\d\d?):(\d\d):(\d\d)\s+server id\s+\d+/;

/** Milliseconds since the epoch of a HEADER match (the reader runs with TZ=UTC). */
function headerTime(h: RegExpExecArray): number {
  const [, yy, mo, dd, hh, mi, ss] = h.map(Number);
  return Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
}

/**
 * Start the reader against `endpoint` (credentials in a 0600 option file, removed by `dispose`), printing times in
 * UTC so that the event headers parse the same on every machine.
 */
async function startReader(reader: ClientProgram, endpoint: Endpoint, args: string[], stderr: 'pipe' | 'ignore', signal?: AbortSignal) {
  const opt = await writeOptionFile(endpointCredentials(endpoint), { flavor: reader.flavor, version: reader.version });
  const child = spawn(reader.command, [`--defaults-extra-file=${opt.path}`, ...args], {
    stdio: ['ignore', 'pipe', stderr],
    env: { ...clientEnv(), TZ: 'UTC' },
    signal,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
  return { child, exited, dispose: () => opt.dispose() };
}

/**
 * The UTC timestamp (seconds) of the first real event at or after `from` in `endpoint`'s binary log, 'end' when
 * there is none (the log ends there), null when it cannot tell (no reader installed, no privilege, purged log).
 */
export async function firstEventTimeAfter(endpoint: Endpoint, from: Coordinates, timeoutMs: number): Promise<number | 'end' | null> {
  const reader = await findBinlogReader().catch(() => undefined);
  if (!reader) return null;
  const { child, exited, dispose } = await startReader(
    reader,
    endpoint,
    ['--read-from-remote-server', `--start-position=${from.position}`, from.file],
    'ignore',
  );
  try {
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
        if (!h || at < from.position || META.test(line)) continue;
        found = headerTime(h) / 1000;
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
    await dispose();
  }
}

export interface OwnEvents {
  /** Transactions (GTID / Anonymous_GTID events) written by the server itself after the start position. */
  transactions: number;
  /** UTC times of the first and last of them (ISO). */
  firstAt?: string;
  lastAt?: string;
  /** Tables their row events touched ("schema.table"). */
  tables: string[];
  /** Bytes of text the reader printed (the size of the export). */
  bytes: number;
}

const TRANSACTION = /\t(GTID|Anonymous_GTID)\b/;
const TABLE_MAP = /Table_map: `([^`]+)`\.`([^`]+)`/;

/** The reader's arguments (after its option file) for the events `serverId` wrote from `from` to the log's end. */
export function ownEventsArgs(from: { file: string; position: number | string }, serverId: number | string): string[] {
  return ['--read-from-remote-server', '--to-last-log', `--start-position=${from.position}`, `--server-id=${serverId}`, '--verbose', from.file];
}

/**
 * Run `reader` with `args` (see ownEventsArgs) and summarise the events it prints; with `saveTo`, also write them to
 * that file (0600) after `header`, as readable and replayable SQL (--verbose: BINLOG statements with the row changes
 * spelled out in comments).
 */
export async function readOwnEvents(
  endpoint: Endpoint,
  reader: ClientProgram,
  args: string[],
  opts: { saveTo?: string; header?: string; signal?: AbortSignal } = {},
): Promise<OwnEvents> {
  const { child, exited, dispose } = await startReader(reader, endpoint, args, 'pipe', opts.signal);
  const out = opts.saveTo ? createWriteStream(opts.saveTo, { mode: 0o600 }) : undefined;
  try {
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    if (out && opts.header) out.write(opts.header);
    const summary: OwnEvents = { transactions: 0, tables: [], bytes: 0 };
    const tables = new Set<string>();
    for await (const line of createInterface({ input: child.stdout! })) {
      summary.bytes += Buffer.byteLength(line) + 1;
      if (out && !out.write(line + '\n')) await once(out, 'drain');
      if (TRANSACTION.test(line)) {
        const h = HEADER.exec(line);
        if (h) {
          const at = new Date(headerTime(h)).toISOString();
          summary.firstAt ??= at;
          summary.lastAt = at;
        }
        summary.transactions++;
      }
      const t = TABLE_MAP.exec(line);
      if (t) tables.add(`${t[1]}.${t[2]}`);
    }
    const code = await exited;
    if (code !== 0) throw new Error(`${reader.command} exited ${code ?? 'abnormally'}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
    summary.tables = [...tables].sort();
    return summary;
  } finally {
    if (out) await new Promise<void>((resolve) => out.end(resolve));
    await dispose();
  }
}

/**
 * The transactions `serverId` wrote itself (not echoes of the other side's) in `endpoint`'s binary log after `from`:
 * what its peer has not executed. Read with the vendor's binlog reader: count, time range, tables. Used by the
 * recovery (what only BS holds) and by `status` (what each side lacks).
 */
export async function ownEventsSince(endpoint: Endpoint, from: Coordinates, serverId: number, signal?: AbortSignal): Promise<Omit<OwnEvents, 'bytes'>> {
  const { bytes: _bytes, ...own } = await readOwnEvents(endpoint, await findBinlogReader(), ownEventsArgs(from, serverId), { signal });
  return own;
}
