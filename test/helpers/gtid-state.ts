// Issue 24 helpers: the gtid_slave_pos collision (GS's mysql.gtid_slave_pos rows carried to BS with sub_ids past
// BS's in-memory counter) made to reproduce with as few transactions as possible, and checked.
import { expect } from 'vitest';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { eventually } from './pair.js';

/** n single-row transactions on one session (autocommit: each INSERT its own transaction and GTID). */
export async function transactions(s: ServerSession, n: number, note: string): Promise<void> {
  await s.query(`BEGIN NOT ATOMIC FOR i IN 1..${n} DO INSERT INTO shop.orders (customer_id, amount, note) VALUES (1, i, '${note}'); END FOR; END`);
}

export const countNote = async (s: ServerSession, note: string) => Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note = '${note}'`));

/** The highest sub_id in a server's mysql.gtid_slave_pos: its replica's counter, as far as the table shows it. */
export const maxSubId = async (s: ServerSession) => Number(await s.value('SELECT COALESCE(MAX(sub_id), 0) FROM mysql.gtid_slave_pos'));

/** How far GS's gtid_slave_pos sub_ids stand above BS's: a copy of GS's rows would collide after this many of BS's. */
export const MARGIN = 300;

/**
 * BS writes until GS's highest sub_id stands MARGIN above BS's (GS applies each of BS's transactions with one new
 * sub_id): the copy of GS's rows into BS would then collide within MARGIN of BS's next applied transactions.
 * Returns how many transactions of GS's BS must then apply to pass GS's highest sub_id from its own counter, with
 * room: had the copy carried GS's rows, BS would stop on "Duplicate entry '0-<GS's sub_id>'" within these.
 */
export async function primeCollision(a: ServerSession, b: ServerSession, note: string): Promise<number> {
  // BS's counter moves too (GS's own writes, an event's, reach BS meanwhile): a few rounds until the margin holds.
  let written = 0;
  for (let round = 0; ; round++) {
    const [gs, bs] = [await maxSubId(a), await maxSubId(b)];
    if (gs - bs >= MARGIN) return gs - bs + 200;
    // Judged after the last round's writes too: a clean-clone run once threw with the margin reached by them.
    if (round === 5) throw new Error(`GS's gtid_slave_pos sub_ids never stood ${MARGIN} above BS's (GS ${gs}, BS ${bs})`);
    const n = bs - gs + MARGIN + 100;
    await transactions(b, n, note);
    written += n;
    await eventually(async () => (await countNote(a, note)) === written, 60_000, `GS to apply ${written} transactions from BS`);
  }
}

/** BS applies everything GS wrote with `note` (n rows) and its replication has no error. */
export async function bsApplies(b: ServerSession, note: string, n: number): Promise<void> {
  await eventually(
    async () => {
      const r = await readReplicaStatus(b);
      if (r.lastSqlErrno !== 0) throw new Error(`BS stopped: ${r.lastSqlErrno} ${r.lastSqlError}`);
      return (await countNote(b, note)) === n;
    },
    60_000,
    `BS to apply ${n} transactions (${note})`,
  ).catch(async (err: Error) => {
    const r = await readReplicaStatus(b);
    throw new Error(`${err.message}; BS Last_SQL_Errno ${r.lastSqlErrno}: ${r.lastSqlError}`);
  });
  expect((await readReplicaStatus(b)).lastSqlErrno).toBe(0);
}
