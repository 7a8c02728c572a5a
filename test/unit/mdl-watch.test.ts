// Issue 28, the metadata-lock watch's pure part: which table a waiting statement is about, which waits are the copy's
// (measured through the holders GS shows, or "probably" without them), the words of the stop, and when it is planned.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { attribute, mdlWatchPlan, parseHolders, parseWaiters, pileUpStop, statementTable, truncateStatement } from '../../src/recovery/mdl-watch.js';

describe('statementTable', () => {
  it.each([
    ['ALTER TABLE shop.orders ADD COLUMN x INT', null, 'shop.orders'],
    ['alter online table `shop`.`order items` add column x int', null, 'shop.order items'],
    ['ALTER TABLE orders ADD COLUMN x INT', 'shop', 'shop.orders'],
    ['INSERT INTO shop.orders (customer_id) VALUES (1)', null, 'shop.orders'],
    ['INSERT IGNORE orders SET a = 1', 'shop', 'shop.orders'],
    ['REPLACE INTO `shop` . `customers` VALUES (1)', null, 'shop.customers'],
    ['UPDATE LOW_PRIORITY shop.orders SET a = 1', null, 'shop.orders'],
    ['DELETE FROM orders WHERE id = 1', 'shop', 'shop.orders'],
    ['SELECT COUNT(*) FROM shop.orders', null, 'shop.orders'],
    ['/* app */ SELECT * FROM orders WHERE id = 1', 'shop', 'shop.orders'],
    ['TRUNCATE TABLE shop.orders', null, 'shop.orders'],
    ['DROP TABLE IF EXISTS shop.orders', null, 'shop.orders'],
    ['RENAME TABLE shop.orders TO shop.orders_old', null, 'shop.orders'],
    ['OPTIMIZE TABLE shop.orders', null, 'shop.orders'],
    ['CREATE INDEX ix_amount ON shop.orders (amount)', null, 'shop.orders'],
    ['LOCK TABLES shop.orders WRITE', null, 'shop.orders'],
  ])('%s (db %s) → %s', (info, db, table) => {
    const t = statementTable(info, db);
    expect(t && `${t.schema}.${t.table}`).toBe(table);
  });

  it('a bare name without a default schema, or a statement it does not know: no table', () => {
    expect(statementTable('ALTER TABLE orders ADD COLUMN x INT', null)).toBeUndefined();
    expect(statementTable('FLUSH TABLES', 'shop')).toBeUndefined();
    expect(statementTable(null, 'shop')).toBeUndefined();
  });
});

const rows = [
  { id: 41, user: 'app', host: '10.0.0.7:51234', db: null, seconds: '2.5000', info: 'ALTER TABLE shop.orders ADD COLUMN x INT' },
  { id: 42, user: 'app', host: '10.0.0.8:40000', db: 'shop', seconds: 1.2, info: 'INSERT INTO orders (customer_id) VALUES (1)' },
  { id: 43, user: 'ops', host: 'localhost', db: 'shop', seconds: 9, info: 'SELECT * FROM information_schema.TABLES' },
];

describe('attribute', () => {
  const waiters = parseWaiters(rows);
  it('without holders: a wait on a copied table is probably the copy’s, grouped by table, longest first', () => {
    const piles = attribute(waiters, undefined, new Set(), Date.now());
    expect(piles).toHaveLength(1);
    expect(piles[0]).toMatchObject({ table: 'shop.orders', waiting: 2, longestSeconds: 2.5, attribution: 'probably' });
    expect(piles[0].first.id).toBe(41);
  });

  it('with holders: measured when a connection of the copy holds the table; another session’s lock is left alone', () => {
    const holders = parseHolders([
      { id: 41, db: 'shop', tbl: 'orders' }, // the ALTER's own upgradable lock
      { id: 77, db: 'shop', tbl: 'orders' }, // the dump
    ]);
    const [p] = attribute(waiters, holders, new Set([77]), Date.now());
    expect(p).toMatchObject({ attribution: 'measured', holders: [77] });
    expect(pileUpStop(p, 3, true).reason).toMatch(/held by the copy’s dump \(session #77 on GS\)/);
    expect(attribute(waiters, holders, new Set([78]), Date.now())).toEqual([]);
  });

  it('holders shown but none on the table: probably the copy’s (nothing measured for it)', () => {
    const holders = parseHolders([{ id: 77, db: 'shop', tbl: 'customers' }]);
    expect(attribute(waiters, holders, new Set([77]), Date.now())[0].attribution).toBe('probably');
  });

  it('the wait the watch itself saw counts when it is longer than the server’s clock says', () => {
    const now = 100_000;
    const piles = attribute(waiters, undefined, new Set(), now, new Map([[42, now - 4000]]));
    expect(piles[0]).toMatchObject({ longestSeconds: 4 });
    expect(piles[0].first.id).toBe(42);
  });
});

describe('the stop and the plan', () => {
  it('names the table, the statement (truncated), the session, the wait; GS released; --resume or --donor next', () => {
    const long = `ALTER TABLE shop.orders ADD COLUMN x INT, ${'ADD COLUMN y INT, '.repeat(20)}ALGORITHM=INPLACE`;
    const [p] = attribute(parseWaiters([{ ...rows[0], info: long }, rows[1]]), undefined, new Set(), Date.now());
    const t = pileUpStop(p, 3, true);
    expect(t.reason).toMatch(
      /metadata lock pile-up on GS: "ALTER TABLE shop\.orders ADD COLUMN x INT, [^"]{50,}…" \(session #41 app@10\.0\.0\.7:51234\) waited 2\.5 s/,
    );
    expect(t.reason).toMatch(/\(1 other session\(s\) queued behind it\), probably held by the copy’s snapshot/);
    expect(t.reason).toMatch(/GS was released \(session #41 no longer waits for the lock\) and nothing on GS was changed/);
    expect(pileUpStop(p, 3, false).reason).toMatch(/session #41 still waited for the lock 5 s later: look in SHOW PROCESSLIST on GS .* KILL it/);
    expect(t.next).toMatch(/--resume.*--donor <a replica of GS>/);
    expect(truncateStatement(long).length).toBeLessThanOrEqual(120);
  });

  it('planned for the online copy from GS only, not with --donor, another method or --max-mdl-wait 0', () => {
    expect(mdlWatchPlan({ method: 'online', maxMdlWait: 3 }, 'mariadb')).toMatchObject({ maxWaitSeconds: 3, pollMs: 500 });
    expect(mdlWatchPlan({ method: 'online', maxMdlWait: 3 }, 'mariadb')!.waiters.sql).toMatch(/TIME_MS/);
    expect(mdlWatchPlan({ method: 'online', maxMdlWait: 3 }, 'mysql')!.holders.sql).toMatch(/performance_schema\.metadata_locks/);
    expect(mdlWatchPlan({ method: 'online', maxMdlWait: 3, donor: { host: 'r', port: 3306 } }, 'mariadb')).toBeUndefined();
    expect(mdlWatchPlan({ method: 'classic', maxMdlWait: 3 }, 'mariadb')).toBeUndefined();
    expect(mdlWatchPlan({ method: 'physical', maxMdlWait: 3 }, 'mariadb')).toBeUndefined();
    expect(mdlWatchPlan({ method: 'online', maxMdlWait: 0 }, 'mariadb')).toBeUndefined();
  });
});

describe('--max-mdl-wait', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mmrecover-mdl-'));
  const load = (maxMdlWait?: unknown) =>
    loadSettings({ flags: { good: 'db1', bad: 'db2', ...(maxMdlWait !== undefined ? { maxMdlWait } : {}) }, env: {}, cwd });

  it('3 s by default; 0 turns the watch off', () => {
    expect(load().maxMdlWait).toBe(3);
    expect(load('0').maxMdlWait).toBe(0);
    expect(load('10').maxMdlWait).toBe(10);
  });

  it.each([
    ['abc', /--max-mdl-wait must be a number of seconds/],
    ['-1', /--max-mdl-wait must be at least 0/],
    ['1.5', /--max-mdl-wait must be a whole number of seconds/],
  ])('%s: one line naming the option', (value, says) => {
    expect(() => load(value)).toThrow(says);
  });
});
