// Put a lab pair, or one link of a lab ring, into a realistic failed state, the kinds an operator meets at night.
import { readCoordinates, readReplicaStatus, type ReplicaStatus } from '../adapters/mysql/replication.js';
import type { ServerSession } from '../adapters/mysql/session.js';
import { UsageError } from '../base/errors.js';
import { backoffTo, pollUntil } from '../base/poll.js';
import type { Lab, Which } from './lab.js';

export const BREAK_MODES = {
  conflict: 'BS took a write GS never saw; GS then wrote the same key: BS stops with error 1062 (duplicate key)',
  diverged: 'replication stopped both ways while both sides took writes: each has rows the other lacks',
  stopped: "BS's replica threads were stopped long ago; GS went on writing and BS is behind",
  wiped: 'BS lost the shop database; its SQL thread stops with an error on the next write from GS',
} as const;

export type BreakMode = keyof typeof BREAK_MODES;

export function isBreakMode(mode: string): mode is BreakMode {
  return Object.hasOwn(BREAK_MODES, mode);
}

async function waitFor(s: ServerSession, what: string, ok: (r: ReplicaStatus) => boolean, timeoutMs = 20_000): Promise<ReplicaStatus> {
  const r = await pollUntil(
    async () => {
      const st = await readReplicaStatus(s);
      return ok(st) ? st : undefined;
    },
    { everyMs: 100, timeoutMs },
  );
  if (!r) throw new Error(`lab break: ${s.label} never reached "${what}"`);
  return r;
}

async function writeOrders(s: ServerSession, n: number, note: string): Promise<void> {
  for (let i = 0; i < n; i++)
    await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, ${(i + 1) * 3}.50, '${note} ${i + 1}')`);
}

/**
 * Break the pair, or one link of a ring (the link from `bad`'s upstream into `bad`); `bad` (default b) is the member that ends
 * up needing the rebuild, and its upstream plays GS (in a pair, the other side). Returns what was done.
 */
export async function breakLab(lab: Lab, mode: string, opts: { bad?: Which } = {}): Promise<string> {
  if (!isBreakMode(mode)) throw new UsageError(`lab break: unknown mode "${mode}"; choose one of ${Object.keys(BREAK_MODES).join(', ')}`);
  const badName: Which = opts.bad ?? 'b';
  if (!lab.members.includes(badName)) throw new UsageError(`lab break --bad ${badName}: this lab's members are ${lab.members.join(', ')}`);
  const [gs, bs] = await Promise.all([lab.connect(lab.upstream(badName), 'GS'), lab.connect(badName, 'BS')]);
  try {
    switch (mode) {
      case 'conflict': {
        // A key neither side has used yet, so that the same lab can be broken this way again after a recovery.
        const id = Number(await gs.value('SELECT GREATEST(COALESCE(MAX(id), 0), 1000) + 1001 FROM shop.customers'));
        // A write on BS that never reached GS (written with the binary log off, as a careless fix would be)…
        await bs.query('SET SESSION sql_log_bin = 0');
        await bs.query(`INSERT INTO shop.customers (id, name, email) VALUES (${id}, 'written on BS only', 'bs@example.com')`);
        await bs.query('SET SESSION sql_log_bin = 1');
        // …then GS takes the same key; applying it on BS fails with a duplicate key.
        await gs.query(`INSERT INTO shop.customers (id, name, email) VALUES (${id}, 'written on GS', 'gs@example.com')`);
        await writeOrders(gs, 5, 'after conflict');
        await waitFor(bs, 'SQL error 1062', (r) => r.lastSqlErrno === 1062);
        break;
      }
      case 'diverged': {
        await Promise.all([gs.query(gs.dialect.stopReplica()), bs.query(bs.dialect.stopReplica())]);
        await writeOrders(gs, 10, 'GS during split brain');
        await writeOrders(bs, 7, 'BS during split brain');
        await bs.query("UPDATE shop.customers SET email = 'changed-on-bs@example.com' WHERE id = 3");
        break;
      }
      case 'stopped': {
        await bs.query(bs.dialect.stopReplica());
        await writeOrders(gs, 25, 'while BS was stopped');
        break;
      }
      case 'wiped': {
        await bs.query('SET SESSION sql_log_bin = 0');
        await bs.query('DROP DATABASE shop');
        await bs.query('SET SESSION sql_log_bin = 1');
        await writeOrders(gs, 3, 'after BS lost shop');
        await waitFor(bs, 'an SQL error', (r) => r.lastSqlErrno !== 0);
        break;
      }
    }
  } finally {
    await Promise.all([gs.close(), bs.close()]);
  }
  await settle(lab);
  const ring =
    lab.members.length > 2 ? `; ring link ${lab.upstream(badName)} → ${badName} broken, ${lab.downstream(badName)} gets nothing from ${badName}` : '';
  return `${mode}: ${BREAK_MODES[mode]} (BS = ${badName}, port ${lab.server(badName).port}${ring})`;
}

/**
 * Leave the lab still: every member whose SQL thread still runs has executed its upstream's binary log to the end.
 * Events a member wrote come back to it through the others (skipped as its own, but its position moves), so a snapshot
 * taken at once could differ from one a moment later with nothing run in between (a test saw GS's position move).
 */
async function settle(lab: Lab): Promise<void> {
  const sessions = new Map(await Promise.all(lab.members.map(async (w) => [w, await lab.connect(w)] as const)));
  try {
    for (const w of lab.members) {
      const [s, up] = [sessions.get(w)!, sessions.get(lab.upstream(w))!];
      const still = await pollUntil(
        async () => {
          const [r, end] = await Promise.all([readReplicaStatus(s), readCoordinates(up)]);
          if (r.sqlRunning !== 'Yes' || r.lastSqlErrno !== 0) return true;
          return r.execFile === end.file && r.execPos >= end.position ? true : undefined;
        },
        { ...backoffTo(100), timeoutMs: 20_000 },
      );
      if (!still) throw new Error(`lab break: ${w} did not catch up with ${lab.upstream(w)} within 20 s`);
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
}
