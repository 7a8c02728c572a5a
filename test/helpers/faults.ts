// Fault injection helpers: find the tool's child processes, check GS takes writes, read the journal.
import { backoffTo, pollUntil } from '../../src/base/poll.js';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import type { JournalData } from '../../src/engine/journal.js';
import { mkdtempSync, readdirSync as listDir } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, expect } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import { runCli, startCli } from './cli.js';
import { dropLab, newLab } from './lab.js';
import { expectPairHealthy, withSessions, yesArgs } from './pair.js';

export function childPids(parent: number, name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-x', name], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** GS takes a write, waiting at most 1 s for any lock (lock_wait_timeout bounds a global read lock wait). */
export async function takesWrite(lab: Lab, which: Which = 'a', waitSeconds = 1): Promise<boolean> {
  const s = await lab.connect(which);
  try {
    await s.query(`SET SESSION lock_wait_timeout = ${waitSeconds}`);
    await s.query("INSERT INTO shop.customers (name) VALUES ('write probe')");
    return true;
  } catch {
    return false;
  } finally {
    await s.close();
  }
}

export async function replicaSource(lab: Lab, which: Which) {
  return withSessions(lab, async (a, b) => {
    const r = (await (which === 'a' ? a : b).query('SHOW SLAVE STATUS'))[0] ?? {};
    return { file: r.Master_Log_File, pos: r.Read_Master_Log_Pos, io: r.Slave_IO_Running, sql: r.Slave_SQL_Running };
  });
}

export function readJournal(stateHome: string): { path: string; data: JournalData } {
  const dir = join(stateHome, 'mmrecover');
  const file = readdirSync(dir).find((f) => f.startsWith('recover-') && f.endsWith('.json'))!;
  const path = join(dir, file);
  return { path, data: JSON.parse(readFileSync(path, 'utf8')) as JournalData };
}

export async function waitForText(get: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(get())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${get().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A broken lab with enough data that a copy paced by PACE_COPY takes several seconds (about 7 MB at 40k rows), and a
 * private state dir for its journal. The pace, not the size, keeps the copy running while a fault is injected: loading
 * and copying 300k rows per fault was most of these files' time, and a faster machine could outrun an unpaced copy.
 */
export async function bigBrokenLab(rows = 40_000): Promise<{ lab: Lab; env: Record<string, string> }> {
  const lab = await newLab();
  await withSessions(lab, (a) => loadOrders(a, rows));
  await breakLab(lab, 'stopped');
  return { lab, env: { ...lab.env(), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) } };
}

export async function expectResumeCompletes(lab: Lab, env: Record<string, string>): Promise<void> {
  const r = await runCli(yesArgs(lab, ['--resume']), env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/Resuming from step 3/);
  expect(r.stderr).toMatch(/VERIFIED/);
  await expectPairHealthy(lab);
  expect(readJournal(env.XDG_STATE_HOME).data.outcome).toBe('completed');
  recovered.add(lab);
}

// A lab whose last recovery completed and proved the pair healthy is broken again for the file's next copy fault
// instead of started and loaded anew (a lab and 300k rows per fault were most of these files' time).
const recovered = new WeakSet<Lab>();
let spare: Lab | undefined;
afterAll(async () => {
  await dropLab(spare);
  spare = undefined;
});

async function brokenLabForFault(): Promise<{ lab: Lab; env: Record<string, string> }> {
  const lab = spare;
  spare = undefined;
  if (!lab) return bigBrokenLab();
  recovered.delete(lab);
  await breakLab(lab, 'stopped');
  return { lab, env: { ...lab.env(), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) } };
}

/** After a fault test: a lab proved healthy is kept for the next one, any other dropped. */
async function releaseAfterFault(lab: Lab): Promise<void> {
  if (recovered.has(lab) && !spare) spare = lab;
  else await dropLab(lab);
}

/** After a failed copy: GS writable, BS still pointing where it was before (no CHANGE MASTER from a partial copy). */
export async function expectSafeAfterFailedCopy(lab: Lab, before: Awaited<ReturnType<typeof replicaSource>>): Promise<void> {
  expect(await takesWrite(lab, 'a')).toBe(true);
  const after = await replicaSource(lab, 'b');
  expect(after.file).toBe(before.file);
  expect(after.sql).toBe('No');
}

/** The faulted run's pace: --max-rate 1M holds a 7 MB copy for about 7 s; --resume runs unpaced. */
export const PACE_COPY = ['--max-rate', '1M'];

/**
 * Start a recovery paced by PACE_COPY on a broken lab, wait until the copy runs, then inject a fault; the lab is kept
 * for the next fault when its --resume proved it healthy, else dropped.
 */
export async function faultDuringCopy(
  inject: (o: {
    lab: Lab;
    env: Record<string, string>;
    run: ReturnType<typeof startCli>;
    before: Awaited<ReturnType<typeof replicaSource>>;
    tmp: string;
  }) => Promise<void>,
  extraArgs: string[] = [],
): Promise<void> {
  const { lab, env } = await brokenLabForFault();
  // A private TMPDIR: the 0600 option files the tool writes there must all be gone after any failure or signal.
  const tmp = mkdtempSync(join(tmpdir(), 'mmrecover-tmp-'));
  try {
    const before = await replicaSource(lab, 'b');
    const run = startCli(yesArgs(lab, [...PACE_COPY, ...extraArgs]), { ...env, TMPDIR: tmp });
    await waitForText(run.output, /Copying GS → BS/);
    await new Promise((r) => setTimeout(r, 300));
    await inject({ lab, env, run, before, tmp });
    await run.result;
    expect(listDir(tmp), 'option files left behind').toEqual([]);
  } finally {
    await releaseAfterFault(lab);
  }
}

/**
 * The session on `s` of an import into shop that carries shop.orders' rows, if one is there: its dump said USE `shop`
 * (a single stream's after the mysql schema, which --all-databases dumps first; a data stream's from its start) and it
 * has run a statement of at least 512 KB (MariaDB's MAX_MEMORY_USED: the dump's extended INSERTs of shop.orders are
 * about 1 MB; the small tables' stream never gets there). It is there between statements too, where a paced 1 MB
 * INSERT runs only a few ms every second or two: catching the INSERT itself was a race a clean-clone run on a RAM disk
 * lost (it then killed a session of a later step); taking the lowest id in shop was one too, once the dumps wrote in
 * 64 KB pieces: the small tables' stream, done in one piece, could be the one killed after it had ended.
 */
export async function importSessionInShop(s: ServerSession): Promise<number | undefined> {
  const [row] = await s.query(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'shop' AND ID <> CONNECTION_ID() AND COMMAND IN ('Query', 'Sleep') AND MAX_MEMORY_USED >= 524288 ORDER BY ID LIMIT 1",
  );
  return row ? Number(row.ID) : undefined;
}

/** Wait until none of `pids` exists any more. */
export async function eventuallyGone(pids: number[], timeoutMs: number): Promise<void> {
  const alive = () =>
    pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  if (!(await pollUntil(() => alive().length === 0 || undefined, { ...backoffTo(100), timeoutMs })))
    throw new Error(`processes still running after ${timeoutMs} ms: ${alive().join(', ')}`);
}
