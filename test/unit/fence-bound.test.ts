// Issue 25 item 3: the one line a fence that ran out of its lock-wait bound stops with (pure; the live case is
// test/integration/bounded-fence.test.ts), and the queries it reads the holders with.
import { describe, expect, it } from 'vitest';
import { fenceHoldersQueries, lockBoundText } from '../../src/recovery/connections.js';

describe('the fence’s stop when its bound runs out', () => {
  const sessions = [
    { ID: 12, USER: 'app', HOST: '10.0.0.5:5123', DB: 'shop', COMMAND: 'Sleep', TIME: 38, INFO: null, TRX_ROWS: null, TRX_AGE: null },
    { ID: 13, USER: 'batch', HOST: '10.0.0.6:6001', DB: 'shop', COMMAND: 'Sleep', TIME: 9, INFO: null, TRX_ROWS: 1, TRX_AGE: 40 },
    { ID: 14, USER: 'etl', HOST: '10.0.0.7:7001', DB: '', COMMAND: 'Query', TIME: 3, INFO: 'INSERT INTO shop.orders …', TRX_ROWS: 0, TRX_AGE: 3 },
  ];
  it('names each session (id, user@host, its transaction, what it runs), the tables in use, and what to do', () => {
    const t = lockBoundText({
      server: 'BS 10.0.0.2:3306',
      statement: 'SET STATEMENT lock_wait_timeout=5 FOR SET GLOBAL read_only = ON',
      seconds: 5,
      sessions,
      tables: [{ Database: 'shop', Table: 'orders', In_use: 1, Name_locked: 0 }],
    });
    expect(t.reason).toBe(
      'BS 10.0.0.2:3306: read_only was not set: other sessions held their locks past the 5 s bound (--lock-wait-timeout): ' +
        '#12 app@10.0.0.5:5123 (idle 38 s); #13 batch@10.0.0.6:6001 (open transaction, 1 row changed, 40 s; idle 9 s); ' +
        '#14 etl@10.0.0.7:7001 (open transaction, 0 rows changed, 3 s; running "INSERT INTO shop.orders …" for 3 s); ' +
        'tables in use or locked: shop.orders. read_only is as it was; nothing was written',
    );
    expect(t.next).toMatch(/^end those sessions \(KILL 12, KILL 13, KILL 14 on BS, or stop the client/);
    expect(t.next).toContain('--lock-wait-timeout <seconds> waits longer');
    expect(t.reason).not.toContain('\n');
  });
  it('MySQL’s session-bound form names its variable too; holders that could not be read are said so', () => {
    const t = lockBoundText({ server: 'BS db2:3306', statement: 'SET GLOBAL super_read_only = ON', seconds: 5 });
    expect(t.reason).toMatch(/^BS db2:3306: super_read_only was not set: .*: the sessions could not be listed\. super_read_only is as it was/);
  });
  it('reads the same client connections as the KILL list, with their InnoDB transaction', () => {
    const q = fenceHoldersQueries([7]);
    expect(q.sessions.sql).toMatch(
      /LEFT JOIN information_schema\.INNODB_TRX t ON t\.trx_mysql_thread_id = p\.ID WHERE p\.ID <> CONNECTION_ID\(\) AND p\.ID NOT IN \(7\)/,
    );
    expect(q.tables.sql).toBe('SHOW OPEN TABLES WHERE In_use > 0');
  });
});
