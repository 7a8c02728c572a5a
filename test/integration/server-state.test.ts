// Issue 24 (server state): the copy leaves BS's mysql.gtid_slave_pos and mysql.plugin alone, keeps GS's events off on
// BS, and gets a row bigger than BS's max_allowed_packet through. One lab, two recoveries (classic, then online), each
// covering the four cases at once.
import { describe, expect, it } from 'vitest';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { breakLab } from '../../src/lab/break.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, privateState, withSessions, yesArgs } from '../helpers/pair.js';
import { watchTicks } from '../helpers/ticks.js';

const MB = 1024 * 1024;

/** n single-row transactions on one session (autocommit: each INSERT its own transaction and GTID). */
async function transactions(s: ServerSession, n: number, note: string): Promise<void> {
  await s.query(`BEGIN NOT ATOMIC FOR i IN 1..${n} DO INSERT INTO shop.orders (customer_id, amount, note) VALUES (1, i, '${note}'); END FOR; END`);
}

const count = async (s: ServerSession, note: string) => Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note = '${note}'`));

/** BS applies everything GS wrote with `note` (n rows) and its replication has no error. */
async function bsApplies(b: ServerSession, note: string, n: number): Promise<void> {
  await eventually(
    async () => {
      const r = await readReplicaStatus(b);
      if (r.lastSqlErrno !== 0) throw new Error(`BS stopped: ${r.lastSqlErrno} ${r.lastSqlError}`);
      return (await count(b, note)) === n;
    },
    120_000,
    `BS to apply ${n} transactions (${note})`,
  ).catch(async (err: Error) => {
    const r = await readReplicaStatus(b);
    throw new Error(`${err.message}; BS Last_SQL_Errno ${r.lastSqlErrno}: ${r.lastSqlError}`);
  });
  expect((await readReplicaStatus(b)).lastSqlErrno).toBe(0);
}

describe('server state the copy replaces (lab, file/position)', () => {
  const lab = useLab();

  it('setup: GS applied 3000 transactions from BS; events on both; a 20 MB row; server_audit on BS only', async () => {
    await withSessions(lab.get(), async (a, b) => {
      await transactions(b, 3000, 'from bs');
      await eventually(async () => (await count(a, 'from bs')) === 3000, 120_000, 'GS to apply 3000 transactions from BS');
      await a.query('SET GLOBAL event_scheduler = ON');
      await b.query('SET GLOBAL event_scheduler = ON');
      await a.query('CREATE TABLE shop.ticks (id INT AUTO_INCREMENT PRIMARY KEY, sid INT NOT NULL) ENGINE=InnoDB');
      await a.query('CREATE EVENT shop.tick ON SCHEDULE EVERY 1 SECOND DO INSERT INTO shop.ticks (sid) VALUES (@@server_id)');
      await eventually(
        async () => (await b.query("SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'"))[0]?.STATUS === 'SLAVESIDE_DISABLED',
      );
      await a.query(`SET GLOBAL max_allowed_packet = ${64 * MB}`);
      await b.query(`SET GLOBAL max_allowed_packet = ${16 * MB}`);
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query("INSTALL SONAME 'server_audit'");
    });
    // The 20 MB row, on a session opened after GS's limit was raised.
    await withSessions(lab.get(), async (a, b) => {
      await a.query('CREATE TABLE shop.big (id INT PRIMARY KEY, data LONGBLOB) ENGINE=InnoDB');
      await a.query(`INSERT INTO shop.big VALUES (1, REPEAT('x', ${20 * MB}))`);
      await eventually(async () => Number(await b.value('SELECT COUNT(*) FROM shop.big')) === 1, 60_000, 'the big row on BS');
    });
  });

  for (const method of ['classic', 'online'] as const)
    it(`${method}: BS keeps its gtid_slave_pos and plugin, events stay off on BS, the big row copies, settings put back`, async () => {
      const l = lab.get();
      let watch: Awaited<ReturnType<typeof watchTicks>> | undefined;
      await breakLab(l, 'stopped');
      const r = await runCli(yesArgs(l, ['--method', method]), { ...l.env(), ...privateState() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/VERIFIED/);
      // The preflight names the packet difference; the plan names the plugin only BS has and what it keeps.
      expect(r.stderr).toMatch(/max_allowed_packet\s+GS allows 64\.0 MB packets, BS 16\.0 MB/);
      expect(r.stderr).toMatch(/plugins\s+only on BS: SERVER_AUDIT/);
      expect(r.stderr).toMatch(/BS keeps its own mysql\.gtid_slave_pos/);
      expect(r.stderr).toMatch(/BS keeps its own mysql\.plugin and the plugins only it has: SERVER_AUDIT/);
      expect(r.stderr).toMatch(/--ignore-table=mysql\.gtid_slave_pos/);
      expect(r.stderr).toMatch(/BS> ALTER DEFINER = '[^']+'@'[^']+' EVENT `shop`\.`tick` DISABLE ON SLAVE/);
      expect(r.stderr).toMatch(/BS> SET GLOBAL max_allowed_packet = 1073741824/);

      await withSessions(l, async (a, b) => {
        // Settings back; event off on BS, scheduler back on; plugin still active.
        expect(Number(await b.value('SELECT @@GLOBAL.max_allowed_packet'))).toBe(16 * MB);
        expect(String(await b.value('SELECT @@GLOBAL.event_scheduler'))).toBe('ON');
        expect((await b.query("SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'"))[0]?.STATUS).toBe('SLAVESIDE_DISABLED');
        expect(await b.value("SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'")).toBe('ACTIVE');
        expect(Number(await b.value('SELECT LENGTH(data) FROM shop.big WHERE id = 1'))).toBe(20 * MB);
        // Over 10 s, only GS runs the event (its rows reach BS; BS's own would carry BS's server_id); the watch
        // overlaps the 5000 transactions.
        watch = await watchTicks(a, b);

        // 5000 transactions from GS: BS applies them all (GS's gtid_slave_pos rows would collide with BS's counter).
        await transactions(a, 5000, `after ${method} 1`);
        await bsApplies(b, `after ${method} 1`, 5000);
      });
      await l.restart('b');
      await withSessions(l, async (a, b) => {
        await b.query('START SLAVE').catch(() => undefined);
        expect(await b.value("SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'")).toBe('ACTIVE');
        await transactions(a, 5000, `after ${method} 2`);
        await bsApplies(b, `after ${method} 2`, 5000);
        // The watch spans the restart too: BS's own scheduler never ran GS's event.
        await watch!.end(a, b);
        // The restart left BS's scheduler at its configured OFF: on again for the next round.
        await b.query('SET GLOBAL event_scheduler = ON');
        await b.query(`SET GLOBAL max_allowed_packet = ${16 * MB}`);
      });
    });
});
