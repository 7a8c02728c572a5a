// Issue 16: the data comparison costs reads, not a transfer. A table of a million rows with a handful that differ is
// told apart row by row well within --compare-timeout (at step 2; issue 26: the rehearsal's preflight reads only the first chunks, to measure the rate, and
// says what that comparison will cost).
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Check } from '../../src/recovery/events.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { readsWhole, tablesRead } from '../helpers/statements.js';
import { privateState, recoverArgs, withSessions, yesArgs } from '../helpers/pair.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { differingTables, type Query } from '../../src/recovery/compare.js';
import type { JournalData } from '../../src/engine/journal.js';
import type { VerifyResult } from '../../src/engine/verify-run.js';
import { readFileSync } from 'node:fs';

const ROWS = 1_000_000;
const BOUND_SECONDS = 60;

describe('comparing a table of 1M rows', () => {
  const shared = useLab();

  it('5 rows that differ among 1M, and 25 only on GS: found row by row within the time bound', async () => {
    const lab = shared.get();
    // The same rows on both servers, loaded side by side without the binary log: cheaper than replicating them.
    await withSessions(lab, (a, b) =>
      Promise.all(
        [a, b].map(async (s) => {
          await s.query('SET SESSION sql_log_bin = 0');
          await loadOrders(s, ROWS, 250_000, { firstId: 1001 });
        }),
      ),
    );
    await breakLab(lab, 'stopped'); // BS stops replicating; GS writes 25 orders
    await withSessions(lab, async (_a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('UPDATE shop.orders SET amount = amount + 1 WHERE id IN (1001, 250001, 500001, 750001, 1001000)');
    });

    const r = await runCli(recoverArgs(lab, ['--dry-run', '--json', '--compare-timeout', String(BOUND_SECONDS)]), lab.env());
    expect(r.code, r.stderr).toBe(0);
    const checks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; checks?: Check[] })
      .find((e) => e.event === 'preflight')!.checks!;
    const detail = (name: string) => checks.find((c) => c.check === name)!.detail;
    expect(detail('only on BS')).toMatch(/its data are not read before the copy: step 2 compares them with GS’s once/);
    expect(detail('data comparison')).toMatch(
      /\d+ tables, [\d.]+ [KMGT]?B on BS and [\d.]+ [KMGT]?B on GS \(information_schema\), about \S+ at [\d.]+ [KMG]?B\/s per server \(estimated from a measured rate of [\d.]+ [KMG]?B\/s: \d+ rows of shop\.orders compared in \d+ ms\)/,
    );
    // The comparison step 2 makes, BS (second) against GS (first), bound as --compare-timeout bounds it.
    const started = Date.now();
    const cmp = await withSessions(lab, (a, b) =>
      differingTables(
        (x) => a.query(x),
        (x) => b.query(x),
        { rowsWithinMs: BOUND_SECONDS * 1000 },
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(cmp.differing.find((d) => d.table === 'shop.orders')!.detail).toEqual({ kind: 'rows', onlyOnFirst: 25, onlyOnSecond: 0, differ: 5 });
    expect(seconds).toBeLessThan(BOUND_SECONDS);
    console.log(`compare-1m: ${ROWS + 200} rows in shop.orders compared in ${seconds}s (bound ${BOUND_SECONDS}s)`);
  });

  it('issue 26: no statement reads a whole table with a key; chunks sized by time; the counts come from the chunks', async () => {
    const lab = shared.get();
    await withSessions(lab, async (a, b) => {
      const seen: string[] = [];
      const recorded =
        (s: ServerSession): Query =>
        (x) => {
          seen.push(x.sql);
          return s.query(x);
        };
      // A chunk time of 50 ms scales the 0.5 s default down to the lab, as a 1 TB table scales it up.
      const cmp = await differingTables(recorded(a), recorded(b), { only: ['shop.orders'], rowsWithinMs: 60_000, chunkTimeMs: 50 });
      const orders = cmp.differing.find((d) => d.table === 'shop.orders')!;
      expect(orders.detail).toEqual({ kind: 'rows', onlyOnFirst: 25, onlyOnSecond: 0, differ: 5 });
      const [onA, onB] = await Promise.all([a.value('SELECT COUNT(*) FROM shop.orders'), b.value('SELECT COUNT(*) FROM shop.orders')]);
      expect(cmp.counts.get('shop.orders')).toEqual([Number(onA), Number(onB)]);
      expect(cmp.readWhole).toEqual([]);
      const onOrders = seen.filter((q) => tablesRead(q).includes('shop.orders') || /CHECKSUM TABLE/i.test(q));
      // Every read of the table is bounded by key, but the key's MIN/MAX (the index's ends); no CHECKSUM TABLE.
      expect(onOrders.filter(readsWhole)).toEqual([]);
      const chunks = onOrders.filter((q) => /SUM\(CRC32/.test(q) && /FORCE INDEX/.test(q)).length / 2;
      expect(chunks).toBeGreaterThan(5);
    });
  });

  it('two rows of one chunk changed the same way are both found (their CRC32s would cancel in a BIT_XOR)', async () => {
    await withSessions(shared.get(), async (a, b) => {
      for (const s of [a, b]) {
        await s.query('SET SESSION sql_log_bin = 0');
        await s.query('CREATE TABLE shop.twins (id INT PRIMARY KEY, v VARCHAR(8) NOT NULL) ENGINE=InnoDB');
        await s.query("INSERT INTO shop.twins VALUES (11, 'a0'), (12, 'a0'), (13, 'b0')");
      }
      // Same length, same bytes changed at the same place: equal XOR differences of the rows' CRC32s.
      await b.query("UPDATE shop.twins SET v = 'a1' WHERE id IN (11, 12)");
      const cmp = await differingTables(
        (x) => a.query(x),
        (x) => b.query(x),
        { only: ['shop.twins'], rowsWithinMs: 10_000 },
      );
      expect(cmp.differing.find((d) => d.table === 'shop.twins')?.detail).toEqual({ kind: 'rows', onlyOnFirst: 0, onlyOnSecond: 0, differ: 2 });
      for (const s of [a, b]) await s.query('DROP TABLE shop.twins');
    });
  });

  it('--verify-time 1: the recovery completes, says how much was verified, and the printed verify --resume line compares the rest once (exit 0)', async () => {
    const lab = shared.get();
    // Chunks of 20 ms: the 1M-row table cannot be compared within the second, as a 1 TB one within the default 10 min.
    const r = await runCli(yesArgs(lab, ['--verify-time', '1', '--chunk-time', '0.02']), { ...lab.env(), ...privateState() });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/Pair verified in part: [^\n]*table\(s\) not compared within --verify-time \(about \d+ % of rows read\): [^\n]*shop\.orders/);
    const line = /VERIFIED IN PART: [^\n]*Continue with: (mmrecover verify [^\n]+)/.exec(r.stderr)?.[1];
    expect(line, r.stderr.slice(-2000)).toMatch(/^mmrecover verify --a 127\.0\.0\.1:\d+ --b 127\.0\.0\.1:\d+ --resume --journal \S+$/);
    // Where the proof stopped, as its journal recorded it: shop.orders, up to some key.
    const journal = JSON.parse(readFileSync(line!.split(' ').at(-1)!, 'utf8')) as JournalData;
    const v0 = journal.state.verification!;
    expect(v0.unverified).toContain('shop.orders');
    expect(v0.resumeAfter?.table).toBe('shop.orders');
    const after = Number(v0.resumeAfter!.after[0]);
    // The pair is in production again (step 11 ran): the rest is compared on the live pair, from where the proof stopped.
    const v = await runCli([...line!.split(' ').slice(1), '--user', lab.state.adminUser, '--format', 'json'], lab.env());
    expect(v.code, v.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(v.stdout) as VerifyResult;
    expect(result.tables.map((t) => t.table).sort()).toEqual([...v0.unverified!].sort());
    // Every row of shop.orders compared once over the two runs: the proof up to its key, verify past it.
    const [left, all] = await withSessions(lab, (a) =>
      Promise.all([a.value(`SELECT COUNT(*) FROM shop.orders WHERE id > ${after}`), a.value('SELECT COUNT(*) FROM shop.orders')]),
    );
    expect(result.tables.find((t) => t.table === 'shop.orders')!.rows.A).toBe(Number(left));
    expect(Number(left)).toBeLessThan(Number(all));
  });
});
