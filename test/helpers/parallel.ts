// Issue 18 helpers: a dataset that a parallel copy splits both ways (one big table in key ranges, several small tables
// in one stream), a trigger that records where it fired, routines, an event and a view; and a writer on GS that
// knows every insert GS acknowledged and the longest it waited for one.
import type { Lab, Which } from '../../src/lab/lab.js';
import { loadOrders } from '../../src/lab/load.js';
import { withSessions } from './pair.js';

/** shop.orders big (split into ranges), four small item tables, and the objects that must survive the copy. */
export async function loadParallelDataset(lab: Lab, orders = 20_000): Promise<void> {
  await withSessions(lab, async (a) => {
    await loadOrders(a, orders);
    for (let i = 1; i <= 4; i++) {
      await a.query(`CREATE TABLE shop.items${i} (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(40) NOT NULL)`);
      await a.query(`INSERT INTO shop.items${i} (label) SELECT CONCAT('item ', seq) FROM shop.seq_1_to_500`);
    }
    // Bytes in several character sets, some of which are not valid in another (latin1 é is not UTF-8, a GBK character
    // whose second byte is a backslash), quotes and backslashes, a binary value and JSON: the data streams carry them
    // as bytes (SET NAMES binary), so each must arrive byte for byte.
    await a.query(
      'CREATE TABLE shop.texts (id INT PRIMARY KEY, l1 VARCHAR(40) CHARACTER SET latin1, u8 VARCHAR(40) CHARACTER SET utf8mb4, gbk VARCHAR(40) CHARACTER SET gbk, bin VARBINARY(40), doc JSON)',
    );
    await a.query(
      `INSERT INTO shop.texts VALUES (1, _latin1 0x636166E9, _utf8mb4 'naïve 😀 \\'q\\' "d" \\\\ end', _gbk 0x955C41, 0x00FF275C0A, '{"k": "é\\\\n"}'), (2, NULL, '', _gbk 0x5C, X'', 'null')`,
    );
    // Each firing records the port of the server it fired on: a row with BS's port on BS means it fired there.
    await a.query('CREATE TABLE shop.fired_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL, port INT NOT NULL)');
    await a.query(
      'CREATE TRIGGER shop.orders_fired AFTER INSERT ON shop.orders FOR EACH ROW INSERT INTO shop.fired_log (order_id, port) VALUES (NEW.id, @@port)',
    );
    await a.query('CREATE FUNCTION shop.answer() RETURNS INT DETERMINISTIC RETURN 42');
    await a.query('CREATE PROCEDURE shop.noop() SELECT 1');
    // A view that calls a routine: it can only be created once the routine exists.
    await a.query('CREATE VIEW shop.order_stats AS SELECT COUNT(*) AS n, shop.answer() AS k FROM shop.orders');
    // Fresh statistics: the split reads sizes from information_schema, which InnoDB updates in the background.
    await a.query('ANALYZE TABLE shop.orders, shop.items1, shop.items2, shop.items3, shop.items4, shop.customers');
    await a.query('CREATE EVENT shop.nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM shop.fired_log WHERE id < 0');
  });
}

/** shop.texts as hex, row by row: the bytes each column holds. */
export async function textBytes(lab: Lab, which: Which): Promise<string[]> {
  const s = await lab.connect(which);
  try {
    const rows = await s.query("SELECT CONCAT_WS('|', id, HEX(l1), HEX(u8), HEX(gbk), HEX(bin), HEX(doc)) AS r FROM shop.texts ORDER BY id");
    return rows.map((r) => String(r.r));
  } finally {
    await s.close();
  }
}

/** The objects on a server: triggers, routines, events and views of shop. */
export async function objectsOf(lab: Lab, which: Which): Promise<string[]> {
  const s = await lab.connect(which);
  try {
    const rows = await s.query(
      "SELECT CONCAT('trigger ', TRIGGER_NAME) AS o FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop' UNION ALL SELECT CONCAT('event ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop' UNION ALL SELECT CONCAT('view ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop'",
    );
    return rows.map((r) => String(r.o)).sort();
  } finally {
    await s.close();
  }
}

export const EXPECTED_OBJECTS = ['event nightly', 'function answer', 'procedure noop', 'trigger orders_fired', 'view order_stats'];

/** Insert on GS without pause until stopped: every acknowledged insert carries a unique note; the longest wait is kept. */
export function startWriter(lab: Lab, tag: string, which: Which = 'a') {
  let stop = false;
  const acknowledged: string[] = [];
  const errors: string[] = [];
  let maxStallMs = 0;
  const done = (async () => {
    const s = await lab.connect(which);
    try {
      for (let i = 0; !stop; i++) {
        const note = `${tag} ${i}`;
        const t0 = Date.now();
        try {
          await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, 1.00, '${note}')`);
          acknowledged.push(note);
        } catch (err) {
          errors.push((err as Error).message);
        }
        maxStallMs = Math.max(maxStallMs, Date.now() - t0);
        // About 100 inserts a second: a steady production load, not a flood competing with the copy.
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await s.close();
    }
  })();
  return {
    acknowledged,
    errors,
    get maxStallMs() {
      return maxStallMs;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

/** Each acknowledged write is on the server exactly once. */
export async function countWrites(lab: Lab, which: Which, tag: string): Promise<{ rows: number; duplicated: number }> {
  const s = await lab.connect(which);
  try {
    const rows = Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`));
    const dup = await s.query(`SELECT note FROM shop.orders WHERE note LIKE '${tag} %' GROUP BY note HAVING COUNT(*) > 1`);
    return { rows, duplicated: dup.length };
  } finally {
    await s.close();
  }
}

/** Rows the trigger wrote while running on `which` itself (never from a replicated row, which carries the other's port). */
export async function firedOn(lab: Lab, which: Which): Promise<number> {
  const s = await lab.connect(which);
  try {
    return Number(await s.value(`SELECT COUNT(*) FROM shop.fired_log WHERE port = ${lab.server(which).port}`));
  } finally {
    await s.close();
  }
}
