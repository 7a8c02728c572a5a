// Issue 16: nothing is lost when the binary log cannot tell. BS's data are compared with GS's, every table, row by
// row by primary key, once, at step 2 (issue 26: the preflight reads only a few chunks, to measure the rate); what only BS holds is said per source
// and kept: bs-only-rows.sql replays BS's rows on the recovered pair (no schema is dumped for them). One lab, three
// breaks the log cannot see.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { ROWS_PREAMBLE, rowStatements } from '../../src/recovery/bs-rows.js';
import { differingTables, lockBounded, type Query } from '../../src/recovery/compare.js';
import type { Lab } from '../../src/lab/lab.js';
import { loadSettings } from '../../src/config/load.js';
import { runRecovery } from '../../src/engine/runner.js';
import type { Prompter } from '../../src/engine/prompter.js';
import type { RunEvent } from '../../src/recovery/events.js';
import { runCli } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, expectSameData, withSessions, yesArgs, privateState, applySql } from '../helpers/pair.js';

const checksums = async (s: ServerSession) =>
  Object.fromEntries((await s.query('CHECKSUM TABLE shop.customers, shop.orders')).map((r) => [String(r.Table), String(r.Checksum)]));

/** Stop replication both ways, as a split brain does. */
const split = (gs: ServerSession, bs: ServerSession) => Promise.all([gs.query('STOP SLAVE'), bs.query('STOP SLAVE')]);

async function recover(lab: Lab) {
  const env = { ...lab.env(), ...privateState() };
  const r = await runCli(yesArgs(lab, ['--backup-dir', join(env.XDG_STATE_HOME, 'kept')]), env);
  expect(r.code, r.stderr.slice(-4000)).toBe(0);
  return { r, kept: readJournal(env.XDG_STATE_HOME).data.state.backup! };
}

describe('what only BS holds, when the binary log cannot tell', () => {
  const shared = useLab();

  it('unlogged writes on BS (sql_log_bin=0) and GS’s own: named per table with counts; the rows file gives them back', async () => {
    const lab = shared.get();
    const before = await withSessions(lab, async (gs, bs) => {
      await split(gs, bs);
      await bs.query('SET SESSION sql_log_bin = 0');
      await bs.query(
        "INSERT INTO shop.orders (customer_id, amount, note) SELECT 1 + seq % 40, seq + 0.25, CONCAT('unlogged on BS ', seq) FROM shop.seq_1_to_40",
      );
      await bs.query("UPDATE shop.orders SET amount = amount + 1000, note = CONCAT(note, ' changed on BS') WHERE id <= 100");
      await bs.query('SET SESSION sql_log_bin = 1');
      await gs.query("INSERT INTO shop.orders (customer_id, amount, note) SELECT 1 + seq % 40, seq, CONCAT('GS own ', seq) FROM shop.seq_1_to_25");
      return checksums(bs);
    });

    const { r, kept } = await recover(lab);
    const counts = 'shop\\.orders: 40 rows only on BS, 100 that differ, 25 only on GS';
    // The preflight, each source by name: the log shows nothing; the data are compared at step 2, and what that costs.
    expect(r.stderr).toMatch(
      /ok\s+only on BS\s+its binary log shows no transaction of its own since GS last applied it \([^)]+\); its data are not read before the copy: step 2 compares them with GS’s once/,
    );
    expect(r.stderr).toMatch(
      /ok\s+data comparison\s+not made here \(the preflight reads only the first chunks of the largest table, to measure the rate\): step 2 compares BS’s data with GS’s once/,
    );
    // Step 2 compares, BS fenced, and writes the rows out; the copy's note and the question before it say the counts.
    expect(r.stderr).toMatch(/BS> compare every user table of BS with GS’s \([^)]*\) > \S+\/bs-only-rows\.sql/);
    expect(r.stderr).toMatch(
      /Kept \S+\/bs-only-rows\.sql \([\d.]+ [KM]?B\): 40 rows only on BS \(INSERT\), 100 that differ \(REPLACE\), in shop\.orders; \d+ tables on both servers compared in [\d.]+s: chunk by chunk by primary key/,
    );
    expect(r.stderr).toMatch(new RegExp(`BS> \\$ (stdbuf -o64K )?mariadb-dump [^\\n]*-- replaces all data on BS[^\\n]*${counts}`));
    expect(r.stderr).toMatch(
      new RegExp(
        `BS’s binary log: no transaction of its own since GS last applied it\\. Its data \\(compared at step 2, BS fenced\\): ${counts}\\. Lock GS [^\\n]*\\(overwriting 40 rows only on BS and 100 that differ in shop\\.orders, kept by step 2\\)`,
      ),
    );
    expect(kept.rows).toMatchObject({ inserts: 40, replaces: 100, tables: ['shop.orders'] });
    // What is kept is the size of what differs: the rows, no dump of their schema.
    expect(kept.dump).toBeUndefined();
    expect(kept.tables).toBeUndefined();
    const rows = readFileSync(kept.rows!.file, 'utf8');
    expect(rows).toMatch(/^-- mmrecover: rows of BS 127\.0\.0\.1:\d+ \(server_id 2\) that GS 127\.0\.0\.1:\d+ lacks \(INSERT\) or holds otherwise/);
    await expectPairHealthy(lab);

    // Replayed on the recovered pair, the rows file puts BS's 40 rows and 100 changes back: without GS's own 25
    // rows, the table is BS's as it was, on both servers.
    await applySql(lab, 'a', rows);
    await withSessions(lab, (gs) => gs.query("DELETE FROM shop.orders WHERE note LIKE 'GS own %'"));
    await expectSameData(lab);
    await withSessions(lab, async (a, b) => {
      expect((await checksums(a))['shop.orders']).toBe(before['shop.orders']);
      expect((await checksums(b))['shop.orders']).toBe(before['shop.orders']);
    });
  });

  it('BS’s binary logs reset past the point GS last applied: the log cannot tell since then; the data can, and the copy is kept', async () => {
    const lab = shared.get();
    await withSessions(lab, async (gs, bs) => {
      await split(gs, bs);
      await bs.query(
        "INSERT INTO shop.orders (customer_id, amount, note) SELECT 1 + seq % 40, seq, CONCAT('BS before its logs went ', seq) FROM shop.seq_1_to_10",
      );
      await bs.query("UPDATE shop.customers SET email = CONCAT('bs-', email) WHERE id <= 5");
      await bs.query('RESET MASTER');
    });
    const { r, kept } = await recover(lab);
    expect(r.stderr).toMatch(
      /warn\s+only on BS\s+its binary log cannot tell what is BS’s own: (its binary logs no longer hold \S+: purged or reset|\S+ is now shorter \(\d+ bytes\) than that point: reset) since GS last applied it \(\S+:\d+\); its data are not read before the copy: step 2 compares them/,
    );
    expect(r.stderr).toMatch(
      /BS’s binary log: cannot tell \([^\n]*\)\. Its data \(compared at step 2, BS fenced\): shop\.customers: 5 that differ; shop\.orders: 10 rows only on BS\. Lock GS/,
    );
    expect(kept.rows).toMatchObject({ inserts: 10, replaces: 5, tables: ['shop.customers', 'shop.orders'] });
    expect(kept.dump).toBeUndefined();
    await expectPairHealthy(lab);
  });

  it('GS’s replication from BS reset (RESET SLAVE ALL): the point GS last applied is unknown; the data tell, and the copy is kept', async () => {
    const lab = shared.get();
    await withSessions(lab, async (gs, bs) => {
      await split(gs, bs);
      await bs.query(
        "INSERT INTO shop.orders (customer_id, amount, note) SELECT 1 + seq % 40, seq, CONCAT('BS while GS forgot it ', seq) FROM shop.seq_1_to_7",
      );
      await gs.query('RESET SLAVE ALL');
    });
    const { r, kept } = await recover(lab);
    expect(r.stderr).toMatch(
      /warn\s+only on BS\s+its binary log cannot tell what is BS’s own: GS has no replication from BS configured \(reset: RESET SLAVE ALL\?\), so where BS’s own events begin is unknown; its data are not read before the copy/,
    );
    expect(r.stderr).toMatch(/Kept \S+\/bs-only-rows\.sql \([^)]+\): 7 rows only on BS \(INSERT\), 0 that differ \(REPLACE\), in shop\.orders/);
    expect(kept.rows).toMatchObject({ inserts: 7, replaces: 0, tables: ['shop.orders'] });
    expect(kept.dump).toBeUndefined();
    await expectPairHealthy(lab);
  });

  it('the comparison itself: a composite text key across key-range chunks, NULLs, binary and time values, a table without a key, the time bound', async () => {
    const lab = shared.get();
    const only = ['keys_t.c', 'keys_t.bare'];
    await withSessions(lab, async (a) => {
      await a.query('CREATE DATABASE keys_t');
      await a.query('CREATE TABLE keys_t.c (region VARCHAR(8) NOT NULL, n INT NOT NULL, v VARBINARY(8), t TIMESTAMP(6) NULL, PRIMARY KEY (region, n))');
      // 25,000 rows: three key ranges, whose boundaries fall inside a region.
      await a.query(
        "INSERT INTO keys_t.c SELECT ELT(1 + seq % 3, 'north', 'south', 'west'), seq, IF(seq % 7 = 0, NULL, UNHEX(HEX(seq))), '2026-01-01 00:00:00.123456' FROM shop.seq_1_to_25000",
      );
      await a.query('CREATE TABLE keys_t.bare (x INT, y INT)');
      await a.query('INSERT INTO keys_t.bare VALUES (1, 2)');
    });
    await expectSameData(lab);
    await withSessions(lab, async (_a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query("INSERT INTO keys_t.c VALUES ('east', 1, NULL, NULL)");
      await b.query("UPDATE keys_t.c SET v = NULL WHERE region = 'south' AND n IN (1, 12001)");
      await b.query("UPDATE keys_t.c SET v = 0x00 WHERE region = 'south' AND n = 7");
      await b.query("UPDATE keys_t.c SET t = '2026-01-02 00:00:00' WHERE region = 'west' AND n = 24998");
      await b.query("DELETE FROM keys_t.c WHERE region = 'north' AND n = 3");
      await b.query('INSERT INTO keys_t.bare VALUES (3, 4)');
    });
    await withSessions(lab, async (a, b) => {
      const [qa, qb]: Query[] = [(x) => a.query(x), (x) => b.query(x)];
      const cmp = await differingTables(qa, qb, { only, rowsWithinMs: 60_000, keys: true });
      const byTable = new Map(cmp.differing.map((d) => [d.table, d]));
      expect(byTable.get('keys_t.c')!.detail).toEqual({ kind: 'rows', onlyOnFirst: 1, onlyOnSecond: 1, differ: 4 });
      expect(byTable.get('keys_t.bare')!.detail).toEqual({ kind: 'no-key' });
      const keys = cmp.keys!.get('keys_t.c')!;
      expect(keys.onlyOnSecond).toEqual([['east', 1]]);
      expect(keys.differ.map((k) => k.join(':')).sort()).toEqual(['south:1', 'south:12001', 'south:7', 'west:24998']);
      // Out of time, a table is not told apart row by row: it is said so.
      const timed = await differingTables(qa, qb, { only, rowsWithinMs: 0 });
      expect(timed.differing.find((d) => d.table === 'keys_t.c')!.detail).toEqual({ kind: 'not-in-time' });

      // A table another session holds locked is not waited for (--lock-wait-timeout): it is said not to be compared.
      const locker = await lab.connect('a');
      try {
        await locker.query('LOCK TABLES keys_t.c WRITE');
        const started = Date.now();
        const locked = await differingTables(lockBounded(qa, a.identity.version, 1), lockBounded(qb, b.identity.version, 1), { only, rowsWithinMs: 60_000 });
        expect(locked.notCompared).toEqual([{ table: 'keys_t.c', error: expect.stringMatching(/locked/) }]);
        expect(locked.differing.map((d) => d.table)).toEqual(['keys_t.bare']);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await locker.close();
      }

      // The statements written for B's rows, replayed on A, make A's table B's (but for the row only A has).
      let sql = `${ROWS_PREAMBLE}SET SESSION sql_log_bin = 0;\n`;
      for await (const st of rowStatements(qb, 'keys_t.c', keys)) sql += st.text;
      await applySql(lab, 'a', sql);
      await a.query('SET SESSION sql_log_bin = 0');
      await a.query("DELETE FROM keys_t.c WHERE region = 'north' AND n = 3");
      const sum = async (s: ServerSession) => String((await s.query('CHECKSUM TABLE keys_t.c'))[0].Checksum);
      expect(await sum(a)).toBe(await sum(b));
    });
    await withSessions(lab, (a) => a.query('DROP DATABASE keys_t'));
    await expectSameData(lab);
  });

  it('BS written to after the preflight, and a table step 2 cannot tell apart by key in time: it stops before the copy; --resume keeps that table whole', async () => {
    const lab = shared.get();
    const env = privateState();
    await withSessions(lab, async (gs, bs) => {
      await split(gs, bs);
      await bs.query('SET SESSION sql_log_bin = 0');
      await bs.query("UPDATE shop.orders SET note = 'changed on BS, compared out of time' WHERE id = 1");
    });
    const s = loadSettings({ flags: { good: `127.0.0.1:${lab.a.port}`, bad: `127.0.0.1:${lab.b.port}` }, env: lab.env(), cwd: lab.dir });
    // --compare-timeout 0: no table is told apart row by row, as a table too large for the bound would not be.
    const settings = { ...s, password: s.password!, replPassword: s.replPassword!, compareTimeout: 0 };
    const yes: Prompter = { interactive: false, confirm: async () => true, secret: async () => '' };
    const events: RunEvent[] = [];
    const run = (resume: boolean, afterStep?: (id: number) => Promise<void>) =>
      runRecovery({ settings: { ...settings, resume }, emit: (e) => events.push(e), prompter: yes, signal: new AbortController().signal, env, afterStep });
    const late = async (id: number) => {
      if (id !== 1) return;
      await withSessions(lab, async (_gs, bs) => {
        await bs.query('SET SESSION sql_log_bin = 0');
        await bs.query('CREATE DATABASE late');
        await bs.query("CREATE TABLE late.t (id INT PRIMARY KEY, v TEXT) SELECT 1 AS id, 'written on BS after the preflight' AS v");
      });
    };
    expect((await run(false, late)).exitCode).toBe(1);
    const stop = events.find((e) => e.event === 'stop') as Extract<RunEvent, { event: 'stop' }>;
    expect(stop.step).toBe(2);
    expect(stop.reason).toMatch(
      /^step 2 found what it could not keep by key: shop\.orders: differs \(GS \d+ rows, BS \d+ rows\); too large to compare row by row within --compare-timeout 0s; step 2 did not keep that table\. Nothing on BS was overwritten/,
    );
    await withSessions(lab, async (_gs, bs) => expect(await bs.value('SELECT v FROM late.t')).toBe('written on BS after the preflight'));

    expect((await run(true)).exitCode).toBe(0);
    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    // Each table whole, named, in a dump of its own schema: late.t (only on BS, planned at step 2) and shop.orders.
    expect(kept.dump).toBeUndefined();
    expect(kept.tables!.map((t) => [t.schema, t.names])).toEqual([
      ['late', ['t']],
      ['shop', ['orders']],
    ]);
    expect(gunzipSync(readFileSync(kept.tables![0].file)).toString()).toContain('written on BS after the preflight');
    const orders = gunzipSync(readFileSync(kept.tables![1].file)).toString();
    expect(orders).toContain('changed on BS, compared out of time');
    expect(orders).not.toMatch(/CREATE TABLE `customers`/);
    await expectPairHealthy(lab);
  });
});
