// Issue 26: `mmrecover verify` on a live master-master pair (pt-table-checksum's method): healthy with a writer on each
// side, one row changed on one side only, Percona's pt-table-checksum agreeing, --resume after a SIGINT, bad usage.
// One lab for the file; the tests run in order and build on each other's state (documented at each).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/lab.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import type { VerifyProgress, VerifyResult } from '../../src/engine/verify-run.js';
import { useLab } from '../helpers/lab.js';
import { runCli, startCli } from '../helpers/cli.js';
import { eventually, withSessions } from '../helpers/pair.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lab = useLab();
const ITEMS = 30_000;

const pairArgs = (l: Lab) => ['--a', `127.0.0.1:${l.a.port}`, '--b', `127.0.0.1:${l.b.port}`];

async function verify(extra: string[] = []): Promise<{ code: number | null; r: VerifyResult; stderr: string }> {
  const res = await runCli(['verify', ...pairArgs(lab.get()), '--tables', 'shop.*', '--format', 'json', ...extra], lab.get().env());
  expect(res.stderr).not.toMatch(/\n\s+at /);
  expect(res.stdout.trim().split('\n'), res.stderr).toHaveLength(1);
  return { code: res.code, r: JSON.parse(res.stdout) as VerifyResult, stderr: res.stderr };
}

/** Both directions have applied everything the other side wrote (the same row counts on both, twice in a row). */
async function caughtUp(): Promise<void> {
  await withSessions(lab.get(), async (a, b) => {
    const counts = async (s: ServerSession) =>
      JSON.stringify(await s.query('SELECT (SELECT COUNT(*) FROM shop.orders) AS o, (SELECT COUNT(*) FROM shop.items) AS i'));
    await eventually(async () => (await counts(a)) === (await counts(b)), 30_000, 'A and B caught up');
  });
}

/**
 * A background writer on one server, one statement at a time, about `perSecond` a second: INSERTs into shop.orders, or
 * (`updates`) UPDATEs of existing shop.items rows, which put rows in flight inside chunks already cut.
 */
function writer(which: 'a' | 'b', perSecond: number, updates = false) {
  let stop = false;
  let written = 0;
  const done = (async () => {
    const s = await lab.get().connect(which);
    try {
      while (!stop) {
        const began = Date.now();
        await s.query(
          updates
            ? `UPDATE shop.items SET price = price + 1 WHERE id = ${1 + Math.floor(Math.random() * ITEMS)}`
            : `INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (written % 40)}, ${written % 997}.25, 'writer ${which} ${written}')`,
        );
        written++;
        const wait = 1000 / perSecond - (Date.now() - began);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    } finally {
      await s.close();
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
      return written;
    },
  };
}

/** pt-table-checksum on the lab: A as the master, B found through a DSN table (its processlist gives no port). */
function ptTableChecksum(): { code: number | null; diffs: Map<string, number>; out: string } {
  const l = lab.get();
  const r = spawnSync(
    'pt-table-checksum',
    [
      `h=127.0.0.1,P=${l.a.port},u=${l.state.adminUser},p=${l.state.adminPassword}`,
      '--recursion-method',
      `dsn=h=127.0.0.1,P=${l.a.port},D=percona_dsn,t=dsns`,
      // B logs in ROW format (the seed's setting); only a chain of replicas needs STATEMENT there.
      '--no-check-binlog-format',
      '--databases',
      'shop',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const diffs = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\S+\s+(\d+)\s+(\d+)\s+\d+\s+\S+\s+\d+\s+\d+\s+[\d.]+\s+(\S+)$/.exec(line.trim());
    if (m) diffs.set(m[3], Number(m[2]));
  }
  return { code: r.status, diffs, out: r.stdout + r.stderr };
}

const ptMissing = spawnSync('pt-table-checksum', ['--version'], { encoding: 'utf8' }).status !== 0;

describe('mmrecover verify', () => {
  it('bad usage: one line, exit 2, nothing written', async () => {
    const l = lab.get();
    // A recovery's journal whose proof was cut short, of another pair: --resume --journal refuses it.
    const other = join(mkdtempSync(join(tmpdir(), 'mmrecover-journal-')), 'recover.json');
    writeFileSync(
      other,
      JSON.stringify({
        servers: { GS: { host: '10.0.0.1', port: 3306 }, BS: { host: '10.0.0.2', port: 3306 } },
        state: { verification: { unverified: ['shop.orders'], resumeAfter: { table: 'shop.orders', after: ['500'] } } },
      }),
    );
    for (const extra of [
      ['--max-lag', 'soon'],
      ['--tables', 'orders'],
      ['--journal', other],
      ['--resume', '--journal', other],
      ['--resume', '--journal', join(tmpdir(), 'no-such-mmrecover-journal.json')],
    ]) {
      const r = await runCli(['verify', ...pairArgs(l), ...extra], l.env());
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
    const noB = await runCli(['verify', '--a', `127.0.0.1:${l.a.port}`], { ...l.env(), MMRECOVER_B: undefined });
    expect(noB.code).toBe(2);
    expect(noB.stderr.trim().split('\n')).toHaveLength(1);
    await withSessions(l, async (a, b) => {
      for (const s of [a, b])
        expect(await s.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mmrecover' AND TABLE_NAME = 'checksums'")).toEqual([]);
      // The table the next tests cut into many chunks.
      await a.query('CREATE TABLE shop.items (id INT PRIMARY KEY, sku VARCHAR(32) NOT NULL, price DECIMAL(10,2), updated_at TIMESTAMP NULL) ENGINE=InnoDB');
      await a.query(
        `INSERT INTO shop.items SELECT seq, CONCAT('sku-', seq), seq / 100, IF(seq % 3 = 0, NULL, '2026-01-02 03:04:05') FROM shop.seq_1_to_${ITEMS}`,
      );
    });
    await caughtUp();
  });

  it('a healthy pair with a writer on each side: exit 0, no chunk different, three runs', async () => {
    // Inserts on both sides; updates of shop.items on B only (a chunk checked from A while one is in flight differs
    // for a moment, and matches when checked again from B).
    const writers = [writer('a', 200), writer('b', 200), writer('b', 100, true)];
    try {
      for (let run = 0; run < 3; run++) {
        const { code, r, stderr } = await verify(['--chunk-size', '2000']);
        expect(code, stderr + JSON.stringify(r.tables)).toBe(0);
        expect(r.outcome).toBe('matched');
        expect(r.tables.map((t) => t.table)).toEqual(['shop.customers', 'shop.items', 'shop.orders']);
        for (const t of r.tables) expect(t.differing).toEqual([]);
        expect(r.tables.find((t) => t.table === 'shop.items')!.chunks).toBe(ITEMS / 2000);
        // Chunks that differed for a moment (rows in flight) and matched when checked again, for the record.
        console.log(`verify run ${run + 1}: ${r.seconds} s, settled on recheck: ${r.tables.map((t) => `${t.table} ${t.settledOnRecheck}`).join(', ')}`);
      }
    } finally {
      const n = await Promise.all(writers.map((w) => w.stop()));
      console.log(`writers: ${n[0]} rows inserted on A, ${n[1]} on B, ${n[2]} updated on B`);
    }
    await caughtUp();
  }, 60_000);

  it.skipIf(ptMissing)('pt-table-checksum agrees on the healthy pair', async () => {
    await withSessions(lab.get(), async (a) => {
      await a.query('CREATE DATABASE IF NOT EXISTS percona_dsn');
      await a.query('CREATE TABLE IF NOT EXISTS percona_dsn.dsns (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, dsn VARCHAR(255) NOT NULL)');
      await a.query(`INSERT INTO percona_dsn.dsns (dsn) VALUES ('h=127.0.0.1,P=${lab.get().b.port}')`);
    });
    const pt = ptTableChecksum();
    expect([...pt.diffs.keys()].sort(), pt.out).toEqual(['shop.customers', 'shop.items', 'shop.orders']);
    expect([...pt.diffs.values()], pt.out).toEqual([0, 0, 0]);
    expect((pt.code ?? 255) & 16, pt.out).toBe(0);
  });

  it('--resume after a SIGINT halfway continues from the next chunk; the two runs compare every chunk once', async () => {
    const l = lab.get();
    const args = ['verify', ...pairArgs(l), '--tables', 'shop.*', '--format', 'json', '--chunk-size', '50'];
    const first = startCli(args, l.env());
    await withSessions(l, async (a) => {
      await eventually(
        async () =>
          Number(
            (await a.query("SELECT COUNT(*) AS n FROM mmrecover.checksums WHERE tbl = 'items' AND master_crc IS NOT NULL").catch(() => [{ n: 0 }]))[0].n,
          ) >= 60,
        30_000,
        'verify halfway through shop.items',
      );
    });
    first.child.kill('SIGINT');
    const one = await first.result;
    expect(one.code, one.stderr).toBe(130);
    const r1 = JSON.parse(one.stdout) as VerifyResult & { resumeCommand: string };
    expect(r1.outcome).toBe('interrupted');
    expect(r1.resumeCommand).toMatch(/ --resume$/);
    const items1 = r1.tables.find((t) => t.table === 'shop.items')!.comparedNow;
    expect(items1.length).toBeGreaterThanOrEqual(60);
    expect(items1.length).toBeLessThan(ITEMS / 50);
    expect(r1.tables.find((t) => t.table === 'shop.orders')).toBeUndefined();

    const two = await runCli([...args, '--resume'], l.env());
    expect(two.code, two.stderr).toBe(0);
    const r2 = JSON.parse(two.stdout) as VerifyResult;
    expect(r2.resumed).toBe(true);
    for (const t of r2.tables) {
      const before = r1.tables.find((x) => x.table === t.table)?.comparedNow ?? [];
      const all = [...before, ...t.comparedNow].sort((x, y) => x - y);
      // Every chunk of the table once: 1..chunks, none twice, none missed.
      expect(all, t.table).toEqual(Array.from({ length: t.chunks }, (_v, i) => i + 1));
    }
    const items = r2.tables.find((t) => t.table === 'shop.items')!;
    expect(items.chunks).toBe(ITEMS / 50);
    expect(items.comparedNow[0]).toBe(items1.at(-1)! + 1);
    expect(items.rows).toEqual({ A: ITEMS, B: ITEMS });
  }, 60_000);

  it('a row changed on one side only: exit 1, naming the table and the key range; pt-table-checksum agrees', async () => {
    await withSessions(lab.get(), async (_a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query("UPDATE shop.items SET sku = 'changed on B only' WHERE id = 12345");
      await b.query('SET SESSION sql_log_bin = 1');
    });
    const { code, r } = await verify(['--chunk-size', '1000']);
    expect(code).toBe(1);
    expect(r.outcome).toBe('differs');
    const items = r.tables.find((t) => t.table === 'shop.items')!;
    expect(items.status).toBe('differs');
    expect(items.differing).toHaveLength(1);
    const d = items.differing[0];
    expect(d.key).toEqual(['id']);
    expect(Number(d.lower![0])).toBeLessThanOrEqual(12345);
    expect(Number(d.upper![0])).toBeGreaterThanOrEqual(12345);
    expect(Number(d.upper![0]) - Number(d.lower![0])).toBeLessThan(1000);
    for (const t of r.tables.filter((x) => x.table !== 'shop.items')) expect(t.status).toBe('matched');
    const text = await runCli(['verify', ...pairArgs(lab.get()), '--tables', 'shop.items', '--chunk-size', '1000'], lab.get().env());
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`shop\\.items chunk \\d+: id from ${d.lower![0]} to ${d.upper![0]}`));
    if (ptMissing) return console.log('pt-table-checksum is not installed (scripts/setup.sh installs percona-toolkit): its comparison skipped');
    const pt = ptTableChecksum();
    expect(pt.diffs.get('shop.items'), pt.out).toBeGreaterThan(0);
    expect(pt.diffs.get('shop.customers'), pt.out).toBe(0);
    expect(pt.diffs.get('shop.orders'), pt.out).toBe(0);
    expect((pt.code ?? 0) & 16, pt.out).toBe(16);
  });

  it('progress: a JSON event per chunk on stderr (tables, chunks, rows, ETA), monotonic, ending at the rows compared', async () => {
    const l = lab.get();
    const res = await runCli(['verify', ...pairArgs(l), '--tables', 'shop.*', '--format', 'json', '--chunk-size', '1000'], l.env());
    // Exit 1: the row the test before changed on B only still differs; progress is the same either way.
    expect([0, 1], res.stderr).toContain(res.code);
    const r = JSON.parse(res.stdout) as VerifyResult;
    const events = res.stderr
      .split('\n')
      .filter((x) => x.startsWith('{'))
      .map((x) => JSON.parse(x) as { event: string } & VerifyProgress)
      .filter((e) => e.event === 'verify-progress');
    expect(events.length).toBeGreaterThanOrEqual(ITEMS / 1000);
    events.forEach((e, i) => {
      expect(e.chunks).toBe(i + 1);
      expect(e.tables).toBe(r.tables.length);
      expect(e.rowsEstimated).toBeGreaterThan(0);
      expect(e.etaSeconds === null || e.etaSeconds >= 0).toBe(true);
      if (i === 0) return;
      const p = events[i - 1];
      expect(e.tableIndex).toBeGreaterThanOrEqual(p.tableIndex);
      expect(e.rows).toBeGreaterThanOrEqual(p.rows);
      expect(e.elapsedSeconds).toBeGreaterThanOrEqual(p.elapsedSeconds);
      if (e.table === p.table) expect(e.chunk).toBe(p.chunk + 1);
    });
    expect(events.at(-1)!.rows).toBe(r.tables.reduce((n, t) => n + t.rows.A, 0));
    // Written as text, the same progress comes as a line (the first chunk's at least).
    const text = await runCli(['verify', ...pairArgs(l), '--tables', 'shop.items', '--chunk-size', '1000'], l.env());
    expect(text.stderr).toMatch(/mmrecover: progress: table 1\/1 shop\.items · \d+ chunk\(s\) · \d+ of ~\d+ rows · [\d.]+ s/);
  });

  it('--max-lag: while B lags behind A, verify waits and says so; once B catches up it goes on (exit 0)', async () => {
    const l = lab.get();
    await withSessions(l, async (a) => {
      await a.query('CREATE TABLE shop.lag (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB');
      await a.query('INSERT INTO shop.lag VALUES (1, 0)');
    });
    await eventually(
      async () => withSessions(l, async (_a, b) => Number((await b.query('SELECT COUNT(*) AS n FROM shop.lag'))[0].n) === 1),
      20_000,
      'shop.lag on B',
    );
    // Real lag, its SQL thread running: a session on B holds shop.lag locked, so B's SQL thread waits on A's UPDATE of it
    // and Seconds_Behind_Master grows by a second a second (a stopped SQL thread shows NULL, which is not a lag).
    const hold = await l.connect('b');
    await hold.query('LOCK TABLES shop.lag WRITE');
    let run: ReturnType<typeof startCli> | undefined;
    try {
      await withSessions(l, async (a) => a.query('UPDATE shop.lag SET v = 1 WHERE id = 1'));
      await withSessions(l, async (_a, b) =>
        eventually(async () => Number((await b.query('SHOW SLAVE STATUS'))[0]?.Seconds_Behind_Master ?? 0) >= 2, 20_000, 'B lags 2 s'),
      );
      run = startCli(['verify', ...pairArgs(l), '--tables', 'shop.lag,shop.customers', '--max-lag', '1'], l.env());
      await eventually(async () => /waiting: B 127\.0\.0\.1:\d+ is \d+ s behind A \(--max-lag 1\)/.test(run!.output()), 20_000, 'verify waits');
      // Still waiting a second later: nothing compared while B lags.
      await new Promise((r) => setTimeout(r, 1000));
      expect(run.child.exitCode).toBeNull();
      expect(run.output()).not.toMatch(/matched/);
    } finally {
      await hold.query('UNLOCK TABLES').catch(() => undefined);
      await hold.close();
    }
    const done = await run.result;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toMatch(/shop\.lag .* matched/);
    await withSessions(l, async (a) => a.query('DROP TABLE shop.lag'));
  }, 90_000);

  it('could not tell: a table without a primary key, replication A→B stopped: exit 3, saying which and why', async () => {
    const l = lab.get();
    await withSessions(l, async (a) => {
      await a.query('CREATE TABLE shop.nokey (n INT, note VARCHAR(20)) ENGINE=InnoDB');
      await a.query("INSERT INTO shop.nokey VALUES (1, 'one'), (2, 'two')");
    });
    await eventually(
      async () => withSessions(l, async (_a, b) => Number((await b.query('SELECT COUNT(*) AS n FROM shop.nokey'))[0].n) === 2),
      20_000,
      'shop.nokey on B',
    );
    const nokey = await runCli(['verify', ...pairArgs(l), '--tables', 'shop.nokey,shop.customers'], l.env());
    expect(nokey.code, nokey.stdout + nokey.stderr).toBe(3);
    expect(nokey.stdout).toMatch(/shop\.nokey .*NOT COMPARED: no primary key/);
    expect(nokey.stdout).toMatch(/shop\.customers .* matched/);
    await withSessions(l, async (_a, b) => b.query('STOP SLAVE'));
    try {
      const stopped = await runCli(['verify', ...pairArgs(l), '--tables', 'shop.customers'], l.env());
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(3);
      expect(stopped.stdout).toMatch(/Could not tell: replication A→B is not running on B 127\.0\.0\.1:\d+ \(IO No, SQL No\)/);
    } finally {
      await withSessions(l, async (_a, b) => b.query('START SLAVE'));
    }
  });
});
