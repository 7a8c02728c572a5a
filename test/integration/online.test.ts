// Issue 6: the online copy (no read lock on GS) under a live writer, its refusal when it would not be consistent,
// and progress as JSON events.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/lab.js';
import { runCli } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, snapshot, withSessions, yesArgs, privateState } from '../helpers/pair.js';

/** Insert on GS without pause until stopped; every acknowledged insert carries a unique note. */
function startWriter(lab: Lab) {
  let stop = false;
  const acknowledged: string[] = [];
  const errors: string[] = [];
  const done = (async () => {
    const s = await lab.connect('a');
    try {
      for (let i = 0; !stop; i++) {
        const note = `live writer ${i}`;
        try {
          await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, 1.00, '${note}')`);
          acknowledged.push(note);
        } catch (err) {
          errors.push((err as Error).message);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } finally {
      await s.close();
    }
  })();
  return {
    acknowledged,
    errors,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe('online method', () => {
  it('recovers while a writer inserts on GS the whole time: identical data, no row lost or duplicated, progress as JSON', async () => {
    const lab = await newLab();
    const env = { ...lab.env(), ...privateState() };
    try {
      await withSessions(lab, (a) => loadOrders(a, 50_000));
      await breakLab(lab, 'diverged');
      const writer = startWriter(lab);
      let r;
      try {
        await eventually(async () => writer.acknowledged.length > 20, 10_000, 'the writer to start');
        r = await runCli(yesArgs(lab, ['--method', 'online', '--json']), env);
        await new Promise((res) => setTimeout(res, 500)); // writes after the recovery must arrive too
      } finally {
        await writer.stop();
      }
      expect(r.code, r.stderr).toBe(0);
      expect(writer.errors).toEqual([]);

      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
      const names = events.map((e) => e.event);
      expect(names).toContain('progress');
      const progress = events.find((e) => e.event === 'progress')!;
      expect(progress).toMatchObject({ step: 4 });
      expect(Number(progress.bytes)).toBeGreaterThan(0);
      expect(Number(progress.estimateBytes)).toBeGreaterThan(0);
      expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered', verified: true });
      // Online: no FLUSH TABLES WITH READ LOCK by the tool itself.
      expect(JSON.stringify(events)).not.toMatch(/FLUSH TABLES WITH READ LOCK/);

      await expectPairHealthy(lab);
      await withSessions(lab, async (a, b) => {
        for (const s of [a, b]) {
          const rows = await s.query("SELECT note, COUNT(*) AS n FROM shop.orders WHERE note LIKE 'live writer %' GROUP BY note HAVING n > 1");
          expect(rows, `${s.label}: duplicated rows`).toEqual([]);
          const count = Number(await s.value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'live writer %'"));
          expect(count, `${s.label}: every acknowledged write, once`).toBe(writer.acknowledged.length);
        }
      });
    } finally {
      await dropLab(lab);
    }
  });

  it('is refused with the list of non-transactional tables that hold data; nothing changes', async () => {
    const lab = await newLab();
    const env = { ...lab.env(), ...privateState() };
    try {
      await withSessions(lab, async (a) => {
        await a.query('CREATE TABLE shop.legacy_log (id INT PRIMARY KEY, msg VARCHAR(40)) ENGINE=MyISAM');
        await a.query("INSERT INTO shop.legacy_log VALUES (1, 'old'), (2, 'older')");
        await a.query('CREATE TABLE shop.sessions_mem (id INT PRIMARY KEY) ENGINE=Aria');
      });
      await breakLab(lab, 'stopped');
      const before = await snapshot(lab);
      const r = await runCli(yesArgs(lab, ['--method', 'online']), env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/shop\.legacy_log \(MyISAM/);
      expect(r.stderr).toMatch(/shop\.sessions_mem \(Aria/);
      expect(r.stderr).toMatch(/--method classic/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(await snapshot(lab)).toEqual(before);
    } finally {
      await dropLab(lab);
    }
  });

  it('--dry-run shows the online plan: a snapshot dump, no read lock, coordinates from the dump header', async () => {
    const lab = await newLab();
    const env = { ...lab.env(), ...privateState() };
    try {
      await breakLab(lab, 'stopped');
      const before = await snapshot(lab);
      const r = await runCli(yesArgs(lab, ['--method', 'online', '--dry-run']), env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/--single-transaction --master-data=2/);
      expect(r.stderr).not.toMatch(/FLUSH TABLES WITH READ LOCK/);
      expect(r.stderr).toMatch(/CHANGE MASTER TO[^\n]*coordinates from the dump header/);
      expect(await snapshot(lab)).toEqual(before);
    } finally {
      await dropLab(lab);
    }
  });
});
