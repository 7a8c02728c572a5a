// Bulk data for rehearsals, tests and the benchmark: rows in shop.orders, written on one server (replicated to the other).
import type { ServerSession } from '../adapters/mysql/session.js';

/**
 * Insert `rows` orders with ~120-byte notes, in batches (each batch one transaction, one binlog event group). With
 * `firstId`, the ids (firstId, firstId+1, …) and times are fixed: the same rows on whichever server they are loaded.
 */
export async function loadOrders(s: ServerSession, rows: number, batch = 50_000, opts: { firstId?: number } = {}): Promise<void> {
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    const fixed = opts.firstId !== undefined;
    await s.query(
      `INSERT INTO shop.orders (${fixed ? 'id, ' : ''}customer_id, amount, note${fixed ? ', created_at' : ''}) SELECT ${fixed ? `${opts.firstId! + done - 1} + seq, ` : ''}1 + seq % 40, seq % 1000 + 0.99, CONCAT('bulk order ', seq, ' ', REPEAT('x', 100))${fixed ? ", '2026-01-01 00:00:00'" : ''} FROM shop.seq_1_to_${n}`,
    );
  }
}
