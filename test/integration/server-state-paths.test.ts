// Issue 24 on the other copy paths of a file/position pair: the physical method (mariadb-backup carries GS's
// mysql.gtid_slave_pos file) and the parallel logical copy. One lab, two recoveries in sequence; before each, BS writes
// until GS's gtid_slave_pos sub_ids stand MARGIN above BS's (had BS kept GS's rows with its own lower counter, it would
// stop on "Duplicate entry '0-N'" within MARGIN + 200 of GS's transactions); after each, GS writes that many and BS
// applies them all, then again after BS restarts. GS's event stays off on BS (SLAVESIDE_DISABLED) and only GS runs it.
// Each recovery is rehearsed first: the dry run shows the plan the run then runs (plan-check.ts).
import { describe, expect, it } from 'vitest';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { compareDefinitions, compareHistory } from '../../src/recovery/bs-objects.js';
import { useLab } from '../helpers/lab.js';
import { eventually, withSessions } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';
import { recoverAndCompare } from '../helpers/plan-check.js';
import { bsApplies, primeCollision, transactions } from '../helpers/gtid-state.js';
import { watchTicks } from '../helpers/ticks.js';

/** The event is off on BS; starts the 10 s watch in which only GS runs it (watchTicks: `end` checks it). */
async function onlyGsTicks(a: ServerSession, b: ServerSession): Promise<{ end: () => Promise<void> }> {
  expect((await b.query("SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'"))[0]?.STATUS).toBe('SLAVESIDE_DISABLED');
  expect(String(await b.value('SELECT @@GLOBAL.event_scheduler'))).toBe('ON');
  return watchTicks(a, b);
}

const MB = 1024 * 1024;

describe('server state on the physical and parallel copies (lab, file/position)', () => {
  const lab = useLab();

  it('setup: an event every second on GS, event_scheduler ON on both (in BS’s configuration too)', async () => {
    // BS's configuration has the scheduler on: the physical method's start of BS on GS's files must not run GS's events.
    await lab.get().restart('b', ['--event-scheduler=ON']);
    await withSessions(lab.get(), async (a, b) => {
      await b.query('START SLAVE').catch(() => undefined);
      // A plugin on BS alone (the physical copy brings GS's mysql.plugin).
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query("INSTALL SONAME 'server_audit'");
      await a.query('SET GLOBAL event_scheduler = ON');
      await b.query('SET GLOBAL event_scheduler = ON');
      await a.query('CREATE TABLE shop.ticks (id INT AUTO_INCREMENT PRIMARY KEY, sid INT NOT NULL) ENGINE=InnoDB');
      await a.query('CREATE EVENT shop.tick ON SCHEDULE EVERY 1 SECOND DO INSERT INTO shop.ticks (sid) VALUES (@@server_id)');
      await eventually(
        async () => (await b.query("SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'"))[0]?.STATUS === 'SLAVESIDE_DISABLED',
      );
    });
  });

  for (const method of ['physical', 'parallel'] as const)
    it(`${method}: BS applies GS's transactions past GS's gtid_slave_pos sub_ids, before and after a restart; the event stays off on BS`, async () => {
      const l = lab.get();
      let watch: Awaited<ReturnType<typeof watchTicks>> | undefined;
      const n = await withSessions(l, (a, b) => primeCollision(a, b, `${method} from bs`));
      // Issue 24's accounts, objects and history cases on this method: an account, a procedure and a view on BS alone,
      // and a system-versioned table whose history BS lacks (deleted there alone).
      const mon = `'mon_${method}'@'localhost'`;
      await withSessions(l, async (a, b) => {
        await a.query(`CREATE TABLE shop.audit_${method} (id INT PRIMARY KEY, v VARCHAR(20)) WITH SYSTEM VERSIONING`);
        await a.query(`INSERT INTO shop.audit_${method} VALUES (1, 'a'), (2, 'b')`);
        await a.query(`UPDATE shop.audit_${method} SET v = 'c' WHERE id = 1`);
        await a.query(`UPDATE shop.audit_${method} SET v = 'd' WHERE id = 1`);
        await eventually(async () => Number(await b.value(`SELECT COUNT(*) FROM shop.audit_${method} FOR SYSTEM_TIME ALL`)) === 4, 30_000, 'history on BS');
        await b.query('SET SESSION sql_log_bin = 0');
        await b.query(`DELETE HISTORY FROM shop.audit_${method}`);
        await b.query(`CREATE USER ${mon} IDENTIFIED BY 'mon-pw'`);
        await b.query(`GRANT PROCESS ON *.* TO ${mon}`);
        await b.query(`CREATE PROCEDURE shop.bs_proc_${method}() SELECT 1`);
        await b.query(`CREATE VIEW shop.bs_view_${method} AS SELECT id FROM shop.customers`);
        await b.query('SET SESSION sql_log_bin = 1');
      });
      if (method === 'parallel') {
        // The big-row case on the streams: GS allows 64 MB packets and holds a 20 MB row, BS runs the default 16 MB.
        await withSessions(l, async (a, b) => {
          await a.query(`SET GLOBAL max_allowed_packet = ${64 * MB}`);
          await b.query(`SET GLOBAL max_allowed_packet = ${16 * MB}`);
        });
        await withSessions(l, async (a, b) => {
          await a.query('CREATE TABLE shop.big (id INT PRIMARY KEY, data LONGBLOB) ENGINE=InnoDB');
          await a.query(`INSERT INTO shop.big VALUES (1, REPEAT('x', ${20 * MB}))`);
          await eventually(async () => Number(await b.value('SELECT COUNT(*) FROM shop.big')) === 1, 60_000, 'the big row on BS');
          // The streams are cut from information_schema's size estimates, which InnoDB refreshes in the background after
          // a bulk change: with the 20 MB row just written, the rehearsal and the run a few seconds later read different
          // sizes for shop.big, and shop.orders was split in two by one and not by the other (a clean-clone run).
          // Statistics made current here, as a settled production server's are, give both the same estimates.
          await a.query('ANALYZE TABLE shop.big, shop.orders, shop.customers, shop.ticks');
        });
      }
      const args = method === 'physical' ? physicalArgs(l) : ['--parallel', '2'];
      // The rehearsal shows the plan the run then runs, step by step (plan-check.ts); both say what becomes of BS's
      // gtid_slave_pos and show the event's status put back on BS.
      const { dry, live } = await recoverAndCompare(l, 'stopped', args);
      expect(live.stderr).toMatch(/VERIFIED/);
      for (const out of [dry.stdout, live.stderr]) {
        expect(out).toMatch(/ALTER DEFINER = '[^']+'@'[^']+' EVENT `shop`\.`tick` DISABLE ON SLAVE/);
        if (method === 'parallel') {
          expect(out.split('--no-create-info --no-create-db --skip-triggers').length - 1).toBeGreaterThanOrEqual(2);
          expect(out).toMatch(/--ignore-table=mysql\.gtid_slave_pos/);
        } else {
          expect(out).toMatch(/BS’s mysql\.gtid_slave_pos becomes GS’s table with the data files; BS starts on it and reads its GTID counter/);
          expect(out).toMatch(/SET GLOBAL event_scheduler = OFF/);
          // BS starts on GS's files with its scheduler off from the first moment (its configuration says ON).
          expect(out).toMatch(/MYSQLD_OPTS=--event-scheduler=OFF/);
          expect(out).toMatch(/INSTALL PLUGIN IF NOT EXISTS SERVER_AUDIT SONAME 'server_audit\.so'/);
        }
      }
      expect(live.stderr).toMatch(/BS stands at [^\n]*its mysql\.gtid_slave_pos holds no row past its position/);
      // Named in the preflight; the proof names the account BS alone had (dropped by the copy, kept in the file).
      expect(live.stderr).toMatch(new RegExp(`'mon_${method}'@'localhost' \\(only on BS\\)`));
      expect(live.stderr).toMatch(new RegExp(`procedure shop\\.bs_proc_${method} \\(only on BS\\)`));
      expect(live.stderr).toMatch(new RegExp(`view shop\\.bs_view_${method} \\(only on BS\\)`));
      expect(live.stderr).toContain(`account 'mon_${method}'@'localhost': BS’s own, dropped by the copy`);
      if (method === 'parallel') {
        expect(live.stderr).toMatch(/max_allowed_packet\s+GS allows 64\.0 MB packets, BS 16\.0 MB/);
        await withSessions(l, async (_a, b) => {
          expect(Number(await b.value('SELECT @@GLOBAL.max_allowed_packet'))).toBe(16 * MB);
          expect(Number(await b.value('SELECT LENGTH(data) FROM shop.big WHERE id = 1'))).toBe(20 * MB);
        });
      }
      await withSessions(l, async (a, b) => {
        const q = (x: ServerSession) => (st: Parameters<ServerSession['query']>[0]) => x.query(st);
        expect(await compareDefinitions(q(a), q(b))).toEqual([]);
        expect(await compareHistory(q(a), q(b))).toEqual([]);
        expect(Number(await b.value(`SELECT COUNT(*) FROM shop.audit_${method} FOR SYSTEM_TIME ALL`))).toBe(4);
        expect(Number(await b.value(`SELECT COUNT(*) FROM mysql.user WHERE User = 'mon_${method}'`))).toBe(0);
      });

      await withSessions(l, async (a, b) => {
        watch = await onlyGsTicks(a, b);
        await transactions(a, n, `after ${method} 1`);
        await bsApplies(b, `after ${method} 1`, n);
        expect(await b.value("SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'")).toBe('ACTIVE');
      });
      await l.restart('b');
      await withSessions(l, async (a, b) => {
        await b.query('START SLAVE').catch(() => undefined);
        // BS's own plugin loads at its restart (registered in BS's mysql.plugin, not only loaded).
        expect(await b.value("SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'")).toBe('ACTIVE');
        await transactions(a, n, `after ${method} 2`);
        await bsApplies(b, `after ${method} 2`, n);
        // The watch spans the restart too: BS's own scheduler never ran GS's event.
        await watch!.end(a, b);
        // The restart left BS's scheduler at its configured OFF: on again for the next round.
        await b.query('SET GLOBAL event_scheduler = ON');
      });
    });
});
