// Fault injection helpers: find the tool's child processes, check GS takes writes, read the journal.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, Which } from '../../src/lab/lab.js';
import type { JournalData } from '../../src/engine/journal.js';
import { withSessions } from './pair.js';

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
export async function takesWrite(lab: Lab, which: Which = 'a'): Promise<boolean> {
  const s = await lab.connect(which);
  try {
    await s.query('SET SESSION lock_wait_timeout = 1');
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
