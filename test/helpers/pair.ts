// Assertions about a lab pair after a recovery: replication runs both ways, writes cross, data match.
import { backoffTo, pollUntil } from '../../src/base/poll.js';
import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOptionFile } from '../../src/adapters/shell/option-file.js';
import { readCoordinates, readReplicaStatus, type ReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { compareTables } from '../../src/recovery/compare.js';
import type { Lab, LabName, Which } from '../../src/lab/lab.js';

export async function withSessions<T>(lab: Lab, fn: (a: ServerSession, b: ServerSession) => Promise<T>): Promise<T> {
  const [a, b] = await Promise.all([lab.connect('a'), lab.connect('b')]);
  try {
    return await fn(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** One session on one lab server (a, b, or a replica r / ring member), closed whatever `fn` does. */
export async function withServer<T>(lab: Lab, which: LabName, fn: (s: ServerSession) => Promise<T>): Promise<T> {
  const s = await lab.connect(which);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  // The tool's own wait and pace (backoffTo): most conditions here (a row replicated, a thread stopped) hold within a
  // few ms, and a flat 100 ms pause cost the suite a tenth of a second a wait.
  const v = await pollUntil(async () => (await fn().catch(() => undefined)) || undefined, { ...backoffTo(100), timeoutMs });
  if (v === undefined) throw new Error(`timed out waiting for ${what}`);
  return v;
}

/** A row written on `from` appears on `to`. */
export async function writeArrives(lab: Lab, from: Which, to: Which): Promise<void> {
  const token = randomUUID();
  await withSessions(lab, async (a, b) => {
    const [src, dst] = from === 'a' ? [a, b] : [b, a];
    await src.query(`INSERT INTO shop.customers (name, email) VALUES ('probe ${token}', '${from}@probe')`);
    await eventually(
      async () => (await dst.query(`SELECT id FROM shop.customers WHERE name = 'probe ${token}'`)).length === 1,
      20_000,
      `a row from ${from} on ${to}`,
    );
  });
}

/** Both directions run with no error, rows cross both ways, and every user table checksums the same. */
export async function expectPairHealthy(lab: Lab): Promise<{ a: ReplicaStatus; b: ReplicaStatus }> {
  const status = await withSessions(lab, async (a, b) => ({ a: await readReplicaStatus(a), b: await readReplicaStatus(b) }));
  for (const r of [status.a, status.b]) {
    expect({ io: r.ioRunning, sql: r.sqlRunning, ioErr: r.lastIoErrno, sqlErr: r.lastSqlErrno }).toEqual({ io: 'Yes', sql: 'Yes', ioErr: 0, sqlErr: 0 });
  }
  await writeArrives(lab, 'a', 'b');
  await writeArrives(lab, 'b', 'a');
  await expectSameData(lab);
  return status;
}

export async function expectSameData(lab: Lab): Promise<void> {
  await withSessions(lab, async (a, b) => {
    // Let both sides apply what the other wrote before comparing.
    await eventually(
      async () => {
        const [ca, cb, ra, rb] = await Promise.all([readCoordinates(a), readCoordinates(b), readReplicaStatus(a), readReplicaStatus(b)]);
        return rb.execPos >= ca.position && rb.execFile === ca.file && ra.execPos >= cb.position && ra.execFile === cb.file;
      },
      20_000,
      'both sides to catch up',
    );
    const cmp = await compareTables(
      (s) => a.query(s),
      (s) => b.query(s),
    );
    expect(cmp.mismatched).toEqual([]);
    expect(cmp.compared).toBeGreaterThan(0);
  });
}

/** Binary log coordinates and replica status of both servers, to prove nothing changed. */
export async function snapshot(lab: Lab) {
  return withSessions(lab, async (a, b) => {
    // The IO thread reconnects on its own (its state and last error change with time): only what the tool could change.
    const strip = (r: ReplicaStatus) => ({
      ...r,
      raw: undefined,
      lagSeconds: undefined,
      ioRunning: undefined,
      lastIoErrno: undefined,
      lastIoError: undefined,
      lastIoErrorTime: undefined,
    });
    const one = async (s: ServerSession) => ({
      binlog: await readCoordinates(s).catch(() => null),
      replica: strip(await readReplicaStatus(s)),
      ro: await s.value('SELECT @@GLOBAL.read_only'),
      // Which tables exist; not TABLE_ROWS, an InnoDB estimate that background statistics change (201, then 200) with
      // nobody writing. A write by the tool would move the binary log coordinates above.
      tables: await s.query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1, 2"),
    });
    return { a: await one(a), b: await one(b) };
  });
}

export function recoverArgs(lab: Lab, extra: string[] = [], good: Which = 'a'): string[] {
  const g = lab.server(good);
  const b = lab.server(good === 'a' ? 'b' : 'a');
  return ['recover', '--good', `127.0.0.1:${g.port}`, '--bad', `127.0.0.1:${b.port}`, ...extra];
}

export function yesArgs(lab: Lab, extra: string[] = [], good: Which = 'a'): string[] {
  const b = lab.server(good === 'a' ? 'b' : 'a');
  return recoverArgs(lab, ['--yes', '--confirm-bad', `127.0.0.1:${b.port}`, ...extra], good);
}

/** A state directory of its own (journal, backups), so a test's run finds no other run's journal. */
export const privateState = () => ({ XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) });

/** Feed SQL text to the mariadb client on a lab server (credentials in an option file, as the tool does). */
export async function applySql(lab: Lab, which: Which, sql: Buffer | string): Promise<void> {
  const opt = await writeOptionFile({ socket: lab.server(which).socket, user: lab.state.adminUser, password: lab.state.adminPassword }, 'mariadb');
  try {
    const r = spawnSync('mariadb', [`--defaults-extra-file=${opt.path}`, '--batch'], { input: sql, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  } finally {
    await opt.dispose();
  }
}
