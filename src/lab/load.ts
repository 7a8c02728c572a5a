// Bulk data for rehearsals, tests and the benchmark: rows in shop.orders, written on one server (replicated to the other).
import type { ServerSession } from '../adapters/mysql/session.js';

/** Insert `rows` orders with ~120-byte notes, in batches (each batch one transaction, one binlog event group). */
export async function loadOrders(s: ServerSession, rows: number, batch = 50_000): Promise<void> {
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    await s.query(
      `INSERT INTO shop.orders (customer_id, amount, note) SELECT 1 + seq % 40, seq % 1000 + 0.99, CONCAT('bulk order ', seq, ' ', REPEAT('x', 100)) FROM shop.seq_1_to_${n}`,
    );
  }
}
