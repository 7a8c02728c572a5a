// A lab ring of any size the lab makes (a → b → … → a): sessions on every member, the recover line, and what a
// healthy ring is.
import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readCoordinates, readReplicaStatus, replicaRunning, type ReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { compareTables } from '../../src/recovery/compare.js';
import { isMember, type Lab, type Which } from '../../src/lab/lab.js';
import { eventually } from './pair.js';

/** A session on every member of the ring; naming a member the lab does not have fails the test, saying so. */
export type RingSessions = Record<Which, ServerSession>;

export async function withRing<T>(lab: Lab, fn: (s: RingSessions) => Promise<T>): Promise<T> {
  const sessions = await Promise.allSettled(lab.members.map((w) => lab.connect(w)));
  const open = sessions.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const failed = sessions.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const byMember = Object.fromEntries(lab.members.map((w, i) => [w, open[i]]));
    const s = new Proxy(byMember, {
      get(target, key) {
        if (typeof key === 'string' && isMember(key) && !(key in target))
          throw new Error(`withRing: this lab has no member ${key} (its members are ${lab.members.join(', ')})`);
        return Reflect.get(target, key);
      },
    }) as RingSessions;
    return await fn(s);
  } finally {
    await Promise.all(open.map((s) => s.close()));
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
 * A healthy ring: every link runs without error, a row written on each member arrives on every other exactly once
 * (counted, after the ring has settled: no event circles), and every user table checksums the same on every member.
 */
export async function expectRingHealthy(lab: Lab): Promise<Partial<Record<Which, ReplicaStatus>>> {
  return withRing(lab, async (s) => {
    const status: Partial<Record<Which, ReplicaStatus>> = {};
    for (const w of lab.members) status[w] = await readReplicaStatus(s[w]);
    for (const w of lab.members) {
      const r = status[w]!;
      expect({ member: w, running: replicaRunning(r), ioErr: r.lastIoErrno, sqlErr: r.lastSqlErrno }).toEqual({
        member: w,
        running: true,
        ioErr: 0,
        sqlErr: 0,
      });
    }
    const token = randomUUID();
    const probe = (w: Which) => `ring probe ${w} ${token}`;
    for (const w of lab.members) await writeOrders(s[w], 1, probe(w));
    // One query per member: all of the probes it holds, each counted.
    const counts = async (on: Which): Promise<Record<string, number>> => {
      const rows = await s[on].query(`SELECT note, COUNT(*) AS n FROM shop.orders WHERE note LIKE 'ring probe % ${token}' GROUP BY note`);
      return Object.fromEntries(rows.map((r) => [String(r.note), Number(r.n)]));
    };
    // Arrived first (a row that circles shows as 2 below, after the ring has settled)…
    const everyArrived = (c: Record<string, number>) => lab.members.every((w) => (c[probe(w)] ?? 0) >= 1);
    for (const to of lab.members) await eventually(async () => everyArrived(await counts(to)), 20_000, `the rows from every member on ${to}`);
    await ringCaughtUp(lab, s);
    // Settled: each probe row is there exactly once on every member, and every link still runs.
    await new Promise((r) => setTimeout(r, 1000));
    for (const to of lab.members) {
      const c = await counts(to);
      for (const w of lab.members) expect({ from: w, on: to, n: c[probe(w)] ?? 0 }).toEqual({ from: w, on: to, n: 1 });
    }
    for (const w of lab.members) expect({ member: w, running: replicaRunning(await readReplicaStatus(s[w])) }).toEqual({ member: w, running: true });
    for (const other of lab.members.slice(1)) {
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

/** Every member has each note's rows exactly as many times as they were written (no row lost, none applied twice). */
export async function expectEveryRowOnce(lab: Lab, written: Record<string, number>): Promise<void> {
  await withRing(lab, async (s) => {
    for (const w of lab.members)
      for (const [note, n] of Object.entries(written)) expect({ on: w, note, n: await countNote(s[w], note) }).toEqual({ on: w, note, n });
  });
}
