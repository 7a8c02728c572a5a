// Issue 26: what is kept is the size of what differs, and the data are read once before the copy (none for the
// physical method). One row written on BS alone (sql_log_bin=0) is kept as that row, not as its schema's dump; a table
// without a primary key is kept whole, named; the preflight runs no chunk comparison (the servers' general logs show
// it) and says what step 2's comparison will cost; the physical method compares nothing before the copy.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/lab.js';
import type { Check } from '../../src/recovery/events.js';
import { runCli } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, recoverArgs, withSessions, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';

type Ev = { event: string; [k: string]: unknown };
const events = (stdout: string): Ev[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Ev);
const checksOf = (stdout: string) => events(stdout).find((e) => e.event === 'preflight')!.checks as Check[];

/** What a data comparison sends: a chunk's count and checksum, a whole table's checksum, a row's MD5. */
const COMPARING = /SUM\(CRC32|CHECKSUM TABLE|BIT_XOR|MD5\(CONCAT/i;

/** Both servers' general logs, to a file of their own, while `fn` runs: the statements the tool sent. */
async function generalLogs(lab: Lab, tag: string, fn: () => Promise<void>): Promise<string[]> {
  const files = [join(lab.dir, `general-a-${tag}.log`), join(lab.dir, `general-b-${tag}.log`)];
  await withSessions(lab, async (a, b) => {
    for (const [s, f] of [
      [a, files[0]],
      [b, files[1]],
    ] as const) {
      await s.query(`SET GLOBAL general_log_file = '${f}'`);
      await s.query('SET GLOBAL general_log = ON');
    }
  });
  try {
    await fn();
  } finally {
    await withSessions(lab, (a, b) => Promise.all([a.query('SET GLOBAL general_log = OFF'), b.query('SET GLOBAL general_log = OFF')]));
  }
  return files.map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : ''));
}

/** Split the pair and write, on BS alone and unlogged, one customer and (unless told not to) one row of a table without a key. */
async function breakWithOneRow(lab: Lab, name: string, nokey = true): Promise<void> {
  await withSessions(lab, async (gs) => {
    await gs.query('CREATE TABLE IF NOT EXISTS shop.nokey (x INT, note VARCHAR(64))');
    await gs.query("INSERT INTO shop.nokey VALUES (1, 'on both')");
  });
  // Replicated to BS, then the split: replication stopped both ways.
  await withSessions(lab, async (gs, bs) => {
    for (let i = 0; i < 100 && Number(await bs.value("SELECT COUNT(*) FROM shop.nokey WHERE note = 'on both'")) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    await Promise.all([gs.query('STOP SLAVE'), bs.query('STOP SLAVE')]);
    await bs.query('SET SESSION sql_log_bin = 0');
    await bs.query(`INSERT INTO shop.customers (name, email) VALUES ('${name}', '${name}@example.com')`);
    if (nokey) await bs.query(`INSERT INTO shop.nokey VALUES (2, '${name}')`);
    await bs.query('SET SESSION sql_log_bin = 1');
    await gs.query("INSERT INTO shop.orders (customer_id, amount, note) VALUES (1, 1.00, 'GS own row')");
  });
}

describe('what is kept is the size of what differs; one read before the copy', () => {
  const shared = useLab();

  it('the preflight (a dry run) sends no comparison statement but the first chunks of one table (the rate) and says what step 2’s comparison will cost', async () => {
    const lab = shared.get();
    await breakWithOneRow(lab, 'dry run row');
    let r!: Awaited<ReturnType<typeof runCli>>;
    const logs = await generalLogs(lab, 'dry', async () => {
      r = await runCli(recoverArgs(lab, ['--dry-run', '--json']), lab.env());
    });
    expect(r.code, r.stderr).toBe(0);
    for (const log of logs) {
      expect(log).toMatch(/information_schema/); // the log did record the preflight's reads
      // Only the rate measurement: at most 4 chunks of one table, each bounded by key (FORCE INDEX … WHERE), never a table.
      const comparing = log.split('\n').filter((l) => COMPARING.test(l));
      expect(comparing.length).toBeLessThanOrEqual(4);
      // (1 = 1: the lab's table is smaller than one chunk of 1,000 key values, the first size tried.)
      for (const l of comparing) expect(l).toMatch(/SUM\(CRC32\(.*FORCE INDEX \(PRIMARY\) WHERE (`[^`]+` <?=|1 = 1$)/);
    }
    const checks = checksOf(r.stdout);
    const detail = (name: string) => checks.find((c) => c.check === name)?.detail ?? '';
    expect(detail('only on BS')).toMatch(/step 2 compares them with GS’s once, BS fenced and stopped, and keeps what differs/);
    expect(detail('data comparison')).toMatch(
      /^not made here \(the preflight reads only the first chunks of the largest table, to measure the rate\): step 2 compares BS’s data with GS’s once, with BS fenced and stopped, chunk by chunk by primary key .*: \d+ tables, [\d.]+ [KMG]?B on BS and [\d.]+ [KMG]?B on GS \(information_schema\), about \S+ at [\d.]+ [KMG]?B\/s per server \(estimated from a measured rate of [\d.]+ [KMG]?B\/s: \d+ rows of \S+ compared in \d+ ms\), BS out of service meanwhile\. Instead: --backup all keeps a full dump of BS’s data whole .*, or answer No before step 2$/,
    );
    // The space for what will be kept: the table without a key, named with its size, and the rows that differ.
    expect(detail('backup')).toMatch(/the rows that differ from GS \(by key, in bs-only-rows\.sql;/);
    expect(detail('backup')).toMatch(/whole, as they cannot be compared by key: shop\.nokey \(no primary key, [\d.]+ [KM]?B\)/);
    expect(detail('backup')).toMatch(/up to about [\d.]+ [KM]?B; [\d.]+ [KMGT]?B free/);
    expect(JSON.stringify(checks)).not.toMatch(/data compared/);
  });

  it('step 2 compares once, BS fenced, and keeps the one row by key and the table without a key whole: no schema dump', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    const dir = join(env.XDG_STATE_HOME, 'kept');
    let r!: Awaited<ReturnType<typeof runCli>>;
    const logs = await generalLogs(lab, 'run', async () => {
      r = await runCli(yesArgs(lab, ['--backup-dir', dir, '--json']), env);
    });
    expect(r.code, r.stderr.slice(-4000)).toBe(0);
    // The comparison was made (at step 2), on both servers.
    for (const log of logs) expect(log).toMatch(/SUM\(CRC32/);
    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    expect(kept.rows).toMatchObject({ inserts: 1, replaces: 0, tables: ['shop.customers'] });
    expect(kept.dump).toBeUndefined();
    const files = readdirSync(kept.dir!).sort();
    expect(files).toEqual(['bs-only-rows.sql', 'bs-tables-shop.sql.gz']);
    const rows = readFileSync(kept.rows!.file, 'utf8');
    expect(rows.match(/^INSERT INTO/gm)).toHaveLength(1);
    expect(rows).toContain("'dry run row'");
    // The table kept whole holds that table only, BS's rows of it, and no other table of its schema.
    expect(kept.tables).toEqual([expect.objectContaining({ schema: 'shop', names: ['nokey'] })]);
    const whole = gunzipSync(readFileSync(kept.tables![0].file)).toString();
    expect(whole).toMatch(/CREATE TABLE `nokey`/);
    expect(whole).toContain('dry run row');
    expect(whole).not.toMatch(/CREATE TABLE `(customers|orders)`/);
    // The plan said how it keeps it, and the summary what it kept.
    expect(r.stdout).toMatch(
      /compare its data with GS’s once \([^)]*by the preflight’s estimate\) and keep what differs by key, and the tables that cannot be compared by key whole/,
    );
    expect(r.stdout).toMatch(/Kept [^"]*bs-only-rows\.sql \([\d.]+ [K]?B\): 1 row only on BS \(INSERT\), 0 that differ \(REPLACE\), in shop\.customers/);
    expect(r.stdout).not.toMatch(/bs-data\.sql\.gz/);
    await expectPairHealthy(lab);
  });

  it('--method physical: no comparison before the copy, BS’s datadir kept whole; salvage reads what it held, and stops its server', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakWithOneRow(lab, 'physical row', false);
    const r = await runCli(yesArgs(lab, [...physicalArgs(lab), '--json']), env);
    expect(r.code, r.stderr.slice(-4000)).toBe(0);
    const ev = events(r.stdout);
    const checks = checksOf(r.stdout);
    expect(checks.find((c) => c.check === 'data comparison')!.detail).toMatch(
      /^none before the copy: the physical method renames BS’s datadir aside whole \(\S+\.mmrecover-kept-<time>\), so nothing BS held .* is lost, and no comparison delays the outage/,
    );
    expect(checks.find((c) => c.check === 'only on BS')!.detail).toMatch(/the physical method keeps BS’s datadir whole, so nothing it held is lost/);
    // Step 2: no comparison (no keep-rows of bs-only-rows.sql), a note saying why.
    const step2 = ev.find((e) => e.event === 'step_start' && e.step === 2)!;
    expect(JSON.stringify(step2.lines)).not.toMatch(/compare every user table/);
    expect(
      ev.some((e) => e.event === 'note' && e.step === 2 && /BS’s data are not compared; step 4 renames its datadir aside whole/.test(String(e.text))),
    ).toBe(true);
    const before4 = ev.slice(
      0,
      ev.findIndex((e) => e.event === 'step_start' && e.step === 4),
    );
    expect(before4.some((e) => e.event === 'activity' && /^Comparing every user table/.test(String(e.text)))).toBe(false);
    expect(readJournal(env.XDG_STATE_HOME).data.state.backup?.rows).toBeUndefined();
    const kept = ev.map((e) => (e.event === 'note' ? /previous datadir is kept at (\S+) \(/.exec(String(e.text))?.[1] : undefined)).find(Boolean);
    expect(kept!.startsWith(`${lab.b.datadir}.mmrecover-kept-`)).toBe(true);

    // The summary prints the command that reads the kept directory; run, it keeps exactly the row BS alone held.
    const summary = ev.find((e) => e.event === 'summary') as { keptDatadir?: { path: string; salvage: string } };
    expect(summary.keptDatadir).toEqual({ path: kept, salvage: `mmrecover salvage --datadir ${kept} --against 127.0.0.1:${lab.a.port}` });
    const out = join(env.XDG_STATE_HOME, 'salvaged');
    const s = await runCli(['salvage', '--datadir', kept!, '--against', `127.0.0.1:${lab.a.port}`, '--output', out], lab.env());
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/Kept \S+\/bs-only-rows\.sql: 1 row\(s\) only in the kept directory \(INSERT\), 0 that differ \(REPLACE\), in shop\.customers/);
    const rows = readFileSync(join(out, 'bs-only-rows.sql'), 'utf8');
    expect(rows.match(/^(INSERT|REPLACE) INTO/gm)).toEqual(['INSERT INTO']);
    expect(rows.match(/^\(.*\)[,;]$/gm)).toHaveLength(1);
    expect(rows).toContain("'physical row'");
    // No mariadbd is left running on the kept directory.
    const onKept = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`--datadir=${kept}`);
        } catch {
          return false;
        }
      });
    expect(onKept).toEqual([]);
    // A directory that is not a data directory: one line, exit 2.
    const bad = await runCli(['salvage', '--datadir', lab.dir, '--against', `127.0.0.1:${lab.a.port}`], lab.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/salvage: --datadir \S+ is not a data directory/)]);
    // Last: the health check writes rows of its own on both sides, which the kept directory would then differ from.
    await expectPairHealthy(lab);
  });
});
