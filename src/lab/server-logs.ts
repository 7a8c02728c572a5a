// A lab server's own record of what it ran, to audit a whole recovery (issue 26): the general log names every
// session's statements, the slow query log those that took longer than long_query_time. Both are turned on by startup
// options, so that BS restarted by the physical method logs on, and written beside the datadir, not in it (the physical
// method swaps the datadir).
//
// Whose statement it was: the general log names neither the program nor its connect attributes, only connection ids.
// Every session mmrecover opens begins with its identity read (IDENTITY_READ); the copy's programs begin otherwise
// (mariadb-dump and the mariadb client with their own settings, mariadb-backup with SET SESSION wait_timeout=…), and
// so do the replication threads, and mariadb-binlog reading BS's binary log for the tool at step 2 (a binlog dump,
// no table read). So a session is the tool's when its first statement is that read, and a slow log entry is the
// tool's when its Thread_id is such a session's. Ids restart with the server: both logs are read per
// server start, which each log marks with its header.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IDENTITY_READ } from '../adapters/mysql/session.js';
import type { Lab, Which } from './lab.js';

const PAIR: Which[] = ['a', 'b'];

export function serverLogFiles(lab: Lab, which: Which): { general: string; slow: string } {
  const dir = lab.server(which).dir;
  return { general: join(dir, 'general.log'), slow: join(dir, 'slow.log') };
}

/**
 * Restart both servers of a healthy pair with the general log and the slow query log on (long_query_time in seconds),
 * and start their replication again (lab servers start with --skip-slave-start).
 */
export async function restartWithLogs(lab: Lab, longQuerySeconds: number): Promise<void> {
  for (const w of PAIR) {
    const f = serverLogFiles(lab, w);
    await lab.restart(w, [
      '--general-log=ON',
      `--general-log-file=${f.general}`,
      '--slow-query-log=ON',
      `--slow-query-log-file=${f.slow}`,
      `--long-query-time=${longQuerySeconds}`,
    ]);
  }
  for (const w of PAIR) {
    const s = await lab.connect(w);
    try {
      await s.query(s.dialect.startReplica());
    } finally {
      await s.close();
    }
  }
}

/** Where each log ends now: what a run writes after this is what to read. */
export type LogMarks = Record<string, { general: number; slow: number }>;

export function logMarks(lab: Lab): LogMarks {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return Object.fromEntries(PAIR.map((w) => [w, { general: size(serverLogFiles(lab, w).general), slow: size(serverLogFiles(lab, w).slow) }]));
}

/** "…/mariadbd, Version: 10.11.… started with:" (then the port and the column titles): a server start. */
const STARTED = /^\S+, Version: .* started with:$/;

async function* lines(file: string, from: number): AsyncGenerator<string> {
  if (!existsSync(file)) return;
  yield* createInterface({ input: createReadStream(file, { start: from }), crlfDelay: Infinity });
}

/** One session of a server start, by connection id: its first statement, and all of them when kept. */
export interface LoggedSession {
  start: number;
  id: number;
  first: string;
  statements: string[];
}

/** "261207  3:04:05\t     5 Query\tSELECT …" or "\t\t     5 Query\tSELECT …": a new entry; any other line continues the last. */
const ENTRY = /^(?:\d{6} +\d{1,2}:\d\d:\d\d)?\t+ *(\d+) ([A-Z][A-Za-z ]*?)\t(.*)$/;

/**
 * The sessions in a general log from byte `from`, their statements (Query lines, continued over the lines that follow)
 * kept only where `keep(first statement)` holds: a copy's import would be hundreds of MB.
 */
export async function readSessions(file: string, from: number, keep: (first: string) => boolean): Promise<LoggedSession[]> {
  const out = new Map<string, LoggedSession>();
  let start = 0;
  let open: { session: LoggedSession; text: string } | undefined;
  const close = () => {
    if (!open) return;
    const s = open.session;
    if (!s.first) s.first = open.text;
    if (keep(s.first)) s.statements.push(open.text);
    open = undefined;
  };
  for await (const line of lines(file, from)) {
    if (STARTED.test(line)) {
      close();
      start++;
      continue;
    }
    const m = ENTRY.exec(line);
    if (!m) {
      // A statement's next line; the header's other lines come while none is open.
      if (open) open.text += `\n${line}`;
      continue;
    }
    close();
    const [, id, command, arg] = m;
    if (command !== 'Query') continue;
    const key = `${start}:${id}`;
    if (!out.has(key)) out.set(key, { start, id: Number(id), first: '', statements: [] });
    open = { session: out.get(key)!, text: arg };
  }
  close();
  return [...out.values()];
}

export const isToolSession = (s: Pick<LoggedSession, 'first'>) => s.first === IDENTITY_READ;

/** A slow query log entry: which session (server start and Thread_id), how long, and the statement. */
export interface SlowEntry {
  start: number;
  threadId: number;
  seconds: number;
  sql: string;
}

/** The entries of a slow query log from byte `from`. */
export async function readSlowLog(file: string, from: number): Promise<SlowEntry[]> {
  const out: SlowEntry[] = [];
  let start = 0;
  let e: SlowEntry | undefined;
  let inSql = false;
  const close = () => {
    if (e) out.push({ ...e, sql: e.sql.trim() });
    e = undefined;
    inSql = false;
  };
  for await (const line of lines(file, from)) {
    if (STARTED.test(line)) {
      close();
      start++;
    } else if (line.startsWith('# User@Host:') || line.startsWith('# Time:')) {
      close();
    } else if (line.startsWith('# Thread_id:')) {
      e = { start, threadId: Number(/Thread_id: (\d+)/.exec(line)![1]), seconds: 0, sql: '' };
    } else if (e && line.startsWith('# Query_time:')) {
      e.seconds = Number(/Query_time: ([\d.]+)/.exec(line)![1]);
    } else if (e && !inSql && /^SET timestamp=\d+;$/.test(line)) {
      inSql = true;
    } else if (e && inSql) {
      e.sql += `${e.sql ? '\n' : ''}${line}`;
    }
  }
  close();
  return out;
}

/** Each server's sessions opened by mmrecover since `marks`, with every statement they sent. */
export async function toolSessions(lab: Lab, marks: LogMarks): Promise<Record<string, LoggedSession[]>> {
  const out: Record<string, LoggedSession[]> = {};
  for (const w of PAIR) {
    const all = await readSessions(serverLogFiles(lab, w).general, marks[w].general, (first) => first === IDENTITY_READ);
    out[w] = all.filter(isToolSession);
  }
  return out;
}

/** Each server's slow log entries since `marks`: those of mmrecover's own sessions, and the others' (the copy's programs'). */
export async function toolSlowStatements(lab: Lab, marks: LogMarks): Promise<Record<string, { tool: SlowEntry[]; others: SlowEntry[] }>> {
  const sessions = await toolSessions(lab, marks);
  const out: Record<string, { tool: SlowEntry[]; others: SlowEntry[] }> = {};
  for (const w of PAIR) {
    const ours = new Set(sessions[w].map((s) => `${s.start}:${s.id}`));
    const slow = await readSlowLog(serverLogFiles(lab, w).slow, marks[w].slow);
    const mine = (x: SlowEntry) => ours.has(`${x.start}:${x.threadId}`);
    out[w] = { tool: slow.filter(mine), others: slow.filter((x) => !mine(x)) };
  }
  return out;
}
