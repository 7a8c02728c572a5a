// Issue 24 on the other copy paths of a file/position pair: the physical method (mariadb-backup carries GS's
// mysql.gtid_slave_pos file) and the parallel logical copy. One lab, two recoveries in sequence; before each, BS writes
// until GS's gtid_slave_pos sub_ids stand MARGIN above BS's (had BS kept GS's rows with its own lower counter, it would
// stop on "Duplicate entry '0-N'" within MARGIN + 200 of GS's transactions); after each, GS writes that many and BS
// applies them all, then again after BS restarts. GS's event stays off on BS (SLAVESIDE_DISABLED) and only GS runs it.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, withSessions, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';
import { jsonEvents } from '../helpers/parallel.js';
import { bsApplies, primeCollision, transactions } from '../helpers/gtid-state.js';

/** Over a few seconds, only GS runs the event: its rows reach BS, and no row carries BS's server_id. */
async function onlyGsTicks(a: ServerSession, b: ServerSession): Promise<void> {
  expect((await b.query("SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'"))[0]?.STATUS).toBe('SLAVESIDE_DISABLED');
  expect(String(await b.value('SELECT @@GLOBAL.event_scheduler'))).toBe('ON');
  const gsId = Number(await a.value('SELECT @@server_id'));
  const from = Number(await a.value('SELECT COALESCE(MAX(id), 0) FROM shop.ticks'));
  await eventually(async () => Number(await b.value(`SELECT COUNT(*) FROM shop.ticks WHERE id > ${from}`)) >= 3, 20_000, 'three ticks on BS');
  expect(await a.query('SELECT DISTINCT sid FROM shop.ticks')).toEqual([{ sid: gsId }]);
  expect(await b.query('SELECT DISTINCT sid FROM shop.ticks')).toEqual([{ sid: gsId }]);
}

describe('server state on the physical and parallel copies (lab, file/position)', () => {
  const lab = useLab();

  it('setup: an event every second on GS, event_scheduler ON on both', async () => {
    await withSessions(lab.get(), async (a, b) => {
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
      const n = await withSessions(l, (a, b) => primeCollision(a, b, `${method} from bs`));
      await breakLab(l, 'stopped');
      const args = method === 'physical' ? physicalArgs(l) : ['--parallel', '2'];
      const r = await runCli(yesArgs(l, [...args, '--json']), { ...l.env(), ...privateState() });
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      const ev = jsonEvents(r.stdout);
      expect(ev.at(-1)).toMatchObject({ event: 'result', status: 'recovered', verified: true });
      // What ran says what becomes of BS's gtid_slave_pos and shows the event's status put back on BS.
      const ran = ev.filter((e) => e.event === 'action').map((e) => String(e.text));
      const all = ran.join('\n');
      if (method === 'parallel') {
        expect(ran.filter((t) => t.includes('--no-create-info --no-create-db --skip-triggers')).length).toBeGreaterThanOrEqual(2);
        expect(all).toMatch(/--ignore-table=mysql\.gtid_slave_pos/);
      } else
        expect(JSON.stringify(ev)).toMatch(/BS’s mysql\.gtid_slave_pos becomes GS’s table with the data files; BS starts on it and reads its GTID counter/);
      expect(all).toMatch(/ALTER DEFINER = '[^']+'@'[^']+' EVENT `shop`\.`tick` DISABLE ON SLAVE/);

      await withSessions(l, async (a, b) => {
        await onlyGsTicks(a, b);
        await transactions(a, n, `after ${method} 1`);
        await bsApplies(b, `after ${method} 1`, n);
      });
      await expectPairHealthy(l);
      await l.restart('b');
      await withSessions(l, async (a, b) => {
        await b.query('START SLAVE').catch(() => undefined);
        await transactions(a, n, `after ${method} 2`);
        await bsApplies(b, `after ${method} 2`, n);
        // The restart left BS's scheduler at its configured OFF: on again for the next round.
        await b.query('SET GLOBAL event_scheduler = ON');
      });
    });
});
