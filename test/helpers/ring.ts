// A lab ring of three (a → b → c → a): sessions on every member, the recover line, and what a healthy ring is.
import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readCoordinates, readReplicaStatus, replicaRunning, type ReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { compareTables } from '../../src/recovery/compare.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import { eventually } from './pair.js';

export type RingSessions = Record<Which, ServerSession>;

export async function withRing<T>(lab: Lab, fn: (s: RingSessions) => Promise<T>): Promise<T> {
  const [a, b, c] = await Promise.all((['a', 'b', 'c'] as Which[]).map((w) => lab.connect(w)));
  try {
    return await fn({ a, b, c });
  } finally {
    await Promise.all([a, b, c].map((s) => s.close()));
  }
}

const addr = (lab: Lab, w: Which) => `127.0.0.1:${lab.server(w).port}`;

/** `recover --ring a,b,c --bad <bad>` (+ extra). */
export function ringArgs(lab: Lab, extra: string[] = [], bad: Which = 'b'): string[] {
  return ['recover', '--ring', lab.members.map((w) => addr(lab, w)).join(','), '--bad', addr(lab, bad), ...extra];
}

export function ringYesArgs(lab: Lab, extra: string[] = [], bad: Which = 'b'): string[] {
  return ringArgs(lab, ['--yes', '--confirm-bad', addr(lab, bad), ...extra], bad);
}

/** Insert `n` orders with this note on `w`; returns nothing (acknowledged when the promise resolves). */
export async function writeOrders(s: ServerSession, n: number, note: string): Promise<void> {
  for (let i = 0; i < n; i++) await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, ${i + 1}.25, '${note}')`);
}

export async function countNote(s: ServerSession, note: string): Promise<number> {
  return Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note = '${note}'`));
}

/** Every member has executed its upstream's binary log as it is now. */
export async function ringCaughtUp(lab: Lab, s: RingSessions): Promise<void> {
  await eventually(
    async () => {
      for (const w of lab.members) {
        const [src, r] = await Promise.all([readCoordinates(s[lab.upstream(w)]), readReplicaStatus(s[w])]);
        if (!(r.execFile === src.file && r.execPos >= src.position)) return false;
      }
      return true;
    },
    30_000,
    'every member to catch up with its upstream',
  );
}

/**
 * A healthy ring: every link runs without error, a row written on each member arrives on both others exactly once
 * (counted, after the ring has settled: no event circles), and every user table checksums the same on all three.
 */
export async function expectRingHealthy(lab: Lab): Promise<Record<Which, ReplicaStatus>> {
  return withRing(lab, async (s) => {
    const status = { a: await readReplicaStatus(s.a), b: await readReplicaStatus(s.b), c: await readReplicaStatus(s.c) };
    for (const w of lab.members) {
      const r = status[w];
      expect({ member: w, running: replicaRunning(r), ioErr: r.lastIoErrno, sqlErr: r.lastSqlErrno }).toEqual({
        member: w,
        running: true,
        ioErr: 0,
        sqlErr: 0,
      });
    }
    const tokens: Record<Which, string> = { a: randomUUID(), b: randomUUID(), c: randomUUID() };
    for (const w of lab.members) await writeOrders(s[w], 1, `ring probe ${w} ${tokens[w]}`);
    for (const w of lab.members)
      for (const to of lab.members)
        await eventually(async () => (await countNote(s[to], `ring probe ${w} ${tokens[w]}`)) === 1, 20_000, `the row from ${w} on ${to}`);
    await ringCaughtUp(lab, s);
    // Settled: each probe row is there exactly once on every member, and every link still runs.
    await new Promise((r) => setTimeout(r, 1000));
    for (const w of lab.members)
      for (const to of lab.members) expect({ from: w, on: to, n: await countNote(s[to], `ring probe ${w} ${tokens[w]}`) }).toEqual({ from: w, on: to, n: 1 });
    for (const w of lab.members) expect({ member: w, running: replicaRunning(await readReplicaStatus(s[w])) }).toEqual({ member: w, running: true });
    for (const other of ['b', 'c'] as Which[]) {
      const cmp = await compareTables(
        (q) => s.a.query(q),
        (q) => s[other].query(q),
      );
      expect({ with: other, mismatched: cmp.mismatched }).toEqual({ with: other, mismatched: [] });
      expect(cmp.compared).toBeGreaterThan(0);
    }
    return status;
  });
}
