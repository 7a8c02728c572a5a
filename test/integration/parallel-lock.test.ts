// Issue 18: how long GS cannot write, measured by a writer on GS. Classic --parallel 2 holds the read lock for less
// time than the single stream on the same data (measured in `npm run bench`); online --parallel 2 stalls GS only while the streams open their
// snapshots (bounded generously here; `npm run bench` gives the figures). Progress across the streams as JSON events.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { jsonEvents, runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, privateState, withSessions, yesArgs } from '../helpers/pair.js';
import { countWrites, startWriter } from '../helpers/parallel.js';

describe('GS’s write stall with --parallel', () => {
  const labs = useLab();
  const stalls: Record<string, number> = {};

  async function recoverUnderWriter(tag: string, args: string[]) {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const writer = startWriter(lab, tag);
    let r;
    try {
      await new Promise((res) => setTimeout(res, 300));
      r = await runCli(yesArgs(lab, [...args, '--json']), { ...lab.env(), ...privateState() });
    } finally {
      await writer.stop();
    }
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(writer.errors).toEqual([]);
    // Every acknowledged write, once, on BS too (once replication has brought the last ones over).
    await eventually(async () => (await countWrites(lab, 'b', tag)).rows === writer.acknowledged.length, 20_000, 'BS to catch up');
    expect(await countWrites(lab, 'b', tag)).toEqual({ rows: writer.acknowledged.length, duplicated: 0 });
    stalls[tag] = writer.maxStallMs;
    return jsonEvents(r.stdout);
  }

  it('classic --parallel 2 under a writer: every write once on both, GS locked for the copy, progress across the streams', async () => {
    // Four tables of 75k rows: whole tables side by side, two to a stream. How much shorter the lock is than with one
    // stream is a timing figure: `npm run bench` measures both shapes side by side in one run.
    await withSessions(labs.get(), async (a) => {
      for (let i = 1; i <= 4; i++) {
        await a.query(`CREATE TABLE shop.part${i} LIKE shop.orders`);
        await a.query(
          `INSERT INTO shop.part${i} (customer_id, amount, note) SELECT 1 + seq % 40, seq % 1000 + 0.99, CONCAT('bulk order ', seq, ' ', REPEAT('x', 100)) FROM shop.seq_1_to_75000`,
        );
      }
      await a.query('ANALYZE TABLE shop.part1, shop.part2, shop.part3, shop.part4, shop.orders, shop.customers');
    });
    const events = await recoverUnderWriter('two streams', ['--parallel', '2']);
    // The writer waited on GS's read lock while the streams copied (classic: GS locked from step 3 to step 5).
    const locked = Number(events.filter((e) => e.event === 'progress').at(-1)?.gsLockedSeconds);
    expect(locked).toBeGreaterThan(0);
    expect(stalls['two streams']).toBeGreaterThan(0);

    // Progress across the streams: bytes, rows against the estimate, each stream, the slowest, and GS's lock time.
    const progress = events.filter((e) => e.event === 'progress' && Array.isArray(e.streams));
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(Number(last.rows)).toBeGreaterThan(0);
    expect(Number(last.estimateRows)).toBeGreaterThan(100_000);
    // Two streams of two big tables each (the small ones beside them), and the mysql schema.
    expect((last.streams as unknown[]).length).toBe(3);
    expect(progress.some((e) => typeof e.slowest === 'string' && /shop\.part\d/.test(String(e.slowest)))).toBe(true);
    expect(progress.some((e) => typeof e.etaSeconds === 'number')).toBe(true);
    expect(progress.every((e) => Number(e.gsLockedSeconds) > 0)).toBe(true);
  });

  it('online: GS stalls only while the streams open their snapshots', async () => {
    const events = await recoverUnderWriter('online two streams', ['--parallel', '2', '--method', 'online']);
    const unlocked = events.find((e) => e.event === 'note' && /GS unlocked after (\d+) ms/.test(String(e.text)));
    const lockMs = Number(/after (\d+) ms/.exec(String(unlocked?.text))?.[1]);
    const copyMs = 1000 * Number(events.find((e) => e.event === 'copy_complete')?.seconds);
    console.log(`online --parallel 2: GS locked ${lockMs} ms by the tool, writer's longest stall ${stalls['online two streams']} ms, copy ${copyMs} ms`);
    // Behaviour, whatever the machine's load: GS is locked, and the writer waits, for a small part of the copy only
    // (the streams opening their snapshots), never for the copy as the classic method is. The figures (≤ 300 ms on an
    // idle machine) are the bench's to measure, side by side with the classic lock.
    expect(copyMs).toBeGreaterThan(0);
    expect(lockMs).toBeLessThan(copyMs / 2);
    expect(stalls['online two streams']).toBeLessThan(copyMs / 2);
  });

  it('the plan says how many streams and why (default from the cores and the size), every stream’s argv, and how long GS is locked', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const byDefault = await runCli(yesArgs(lab, ['--dry-run']), env);
    expect(byDefault.code, byDefault.stderr.slice(-2000)).toBe(0);
    expect(byDefault.stderr).toMatch(/one stream \(default: the copy, ~\d+ MB, is under 256 MB; --parallel \d to split it\)/);
    const two = await runCli(yesArgs(lab, ['--dry-run', '--parallel', '2']), env);
    expect(two.code, two.stderr.slice(-2000)).toBe(0);
    expect(two.stderr).toMatch(/--no-data --skip-triggers --routines[^\n]*every user schema’s tables, views and routines, no data, no trigger; first, alone/);
    expect(two.stderr).toMatch(
      /--ignore-table=shop\.part\d[^\n]*stream 1\/3 side by side: [^\n]*shop\.part\d[^\n]*~\d+ MB, ~\d+ rows; GS stays locked \(since step 3\) until the slowest of the 2 streams ends/,
    );
    expect(two.stderr).toMatch(/--databases mysql [^\n]*stream 3\/3 side by side: the mysql schema whole/);
    expect(two.stderr).toMatch(/--triggers --events[^\n]*triggers and events; after every row is in/);
    const online = await runCli(yesArgs(lab, ['--dry-run', '--parallel', '2', '--method', 'online']), env);
    expect(online.code, online.stderr.slice(-2000)).toBe(0);
    expect(online.stderr).toMatch(/GS> FLUSH TABLES WITH READ LOCK {3}-- on a dedicated session, only while the streams below open their snapshots/);
    expect(online.stderr).toMatch(/GS is locked only while the 3 streams open their snapshots/);
    expect(online.stderr).toMatch(/locking GS only while the 2 copy streams open their snapshots/);
  });
});
