// Issue 18: how a parallel copy splits GS's tables into streams (pure), the dump argv of each part (golden), and
// several dump | import pairs side by side with real child processes: every check per pair, the first failure stops all.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyRanges, splitStreams, tableUnits, type TableInfo } from '../../src/recovery/parallel/split.js';
import { dumpArgs } from '../../src/adapters/shell/dump-args.js';
import { CopyAborted, CopyFailed, type Command } from '../../src/adapters/shell/pipe.js';
import { runStreams } from '../../src/adapters/shell/streams.js';
import { renderAction, type ParallelCopyAction } from '../../src/recovery/actions.js';
import { stmt } from '../../src/dialect/statement.js';

const t = (schema: string, name: string, bytes: number, rows: number, key?: [number, number]): TableInfo => ({
  schema,
  name,
  bytes,
  rows,
  ...(key ? { intKey: { column: 'id', min: key[0], max: key[1] } } : {}),
});

describe('splitStreams', () => {
  it('splits a table bigger than one stream’s share into open-ended primary-key ranges; the small tables share a stream', () => {
    const s = splitStreams([t('shop', 'orders', 200e6, 1_000_000, [1, 1_000_000]), t('shop', 'customers', 16_384, 40, [1, 40])], 2);
    expect(s.map((x) => x.label)).toEqual(['shop.orders [1/2]', 'shop.orders [2/2]', 'shop.customers']);
    expect(s[0].where).toBe('`id` < 500001');
    expect(s[1].where).toBe('`id` >= 500001');
    // --where applies to every table of an invocation: a range stream holds one table, the others ignored.
    expect(s[0]).toMatchObject({ schemas: ['shop'], tables: ['shop.orders'], ignore: ['shop.customers'], estimateRows: 500_000 });
    expect(s[2]).toMatchObject({ tables: ['shop.customers'], ignore: ['shop.orders'] });
    expect(s[2].where).toBeUndefined();
  });

  it('four tables of equal size with --parallel 2: two streams of two whole tables each, nothing ignored twice', () => {
    const tables = [1, 2, 3, 4].map((i) => t('bench', `t${i}`, 50e6, 250_000, [1, 250_000]));
    const s = splitStreams(tables, 2);
    expect(s).toHaveLength(2);
    expect(s.map((x) => x.tables.length)).toEqual([2, 2]);
    expect(new Set(s.flatMap((x) => x.tables)).size).toBe(4);
    for (const x of s) {
      expect(x.where).toBeUndefined();
      expect([...x.tables, ...x.ignore].sort()).toEqual(tables.map((y) => `bench.${y.name}`));
    }
  });

  it('a big table without an integer primary key stays whole; --parallel 1 is one stream of everything', () => {
    const noKey = splitStreams([t('shop', 'log', 200e6, 1e6), t('shop', 'x', 1000, 1, [1, 1])], 2);
    expect(noKey.every((x) => x.where === undefined)).toBe(true);
    expect(noKey.map((x) => x.tables)).toEqual([['shop.log'], ['shop.x']]);
    const one = splitStreams([t('a', 'p', 100e6, 1e6, [1, 1e6]), t('b', 'q', 10, 1)], 1);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ schemas: ['a', 'b'], tables: ['a.p', 'b.q'], ignore: [] });
  });

  it('keyRanges covers every key: contiguous bounds, first and last open-ended', () => {
    expect(keyRanges('id', 1, 100, 4)).toEqual(['`id` < 26', '`id` >= 26 AND `id` < 51', '`id` >= 51 AND `id` < 76', '`id` >= 76']);
    expect(keyRanges('id', 5, 5, 3)).toEqual([]);
    expect(keyRanges('we`ird', 0, 10, 2)[0]).toBe('`we``ird` < 5');
  });
});

describe('tableUnits (one stream from a frozen donor)', () => {
  it('one unit per table, by name (no --ignore-table list that grows with the schema); no key range', () => {
    const u = tableUnits([t('shop', 'orders', 900, 9), t('crm', 'notes', 5, 1), t('shop', 'customers', 10, 2)]);
    expect(u.map((p) => p.label)).toEqual(['crm.notes', 'shop.customers', 'shop.orders']);
    expect(u[2]).toEqual({
      label: 'shop.orders',
      schemas: ['shop'],
      tables: ['shop.orders'],
      ignore: [],
      byName: true,
      estimateBytes: 900,
      estimateRows: 9,
    });
    expect(u.every((p) => p.byName && p.ignore.length === 0 && !p.where)).toBe(true);
  });

  it('a unit’s dump names its table alone whatever its schema holds, so the plan grows linearly with the tables', () => {
    const many = Array.from({ length: 2000 }, (_x, i) => t('shop', `t${String(i).padStart(4, '0')}`, 10, 1));
    const units = tableUnits(many);
    const c = { dump: { command: 'mariadb-dump', flavor: 'mariadb' as const, version: '10.11.19', sourceData: false } };
    const argv = dumpArgs(c as never, {
      optionFile: 'F',
      consistency: 'transaction',
      gtid: false,
      purpose: 'copy',
      part: 'data',
      tables: { schema: 'shop', names: ['t0007'] },
    });
    expect(argv.slice(-3)).toEqual(['--', 'shop', 't0007']);
    expect(argv.some((a) => a.startsWith('--ignore-table=shop.'))).toBe(false);
    expect(argv).toContain('--no-create-info');
    expect(units.reduce((n, u) => n + u.ignore.length, 0)).toBe(0);
  });
});

describe('dump argv of a parallel copy’s parts (golden)', () => {
  const c = { dump: { command: 'mariadb-dump', flavor: 'mariadb' as const, version: '10.11.19', sourceData: false } };
  const o = { optionFile: 'F', consistency: 'transaction' as const, gtid: false, purpose: 'copy' as const };
  it('schema, data, post, system', () => {
    expect(dumpArgs(c as never, { ...o, part: 'schema', databases: ['shop'] })).toEqual([
      '--defaults-extra-file=F',
      '--databases',
      'shop',
      '--quick',
      '--single-transaction',
      '--no-data',
      '--skip-triggers',
      '--routines',
      '--skip-events',
      '--hex-blob',
      '--max-allowed-packet=1G',
    ]);
    expect(dumpArgs(c as never, { ...o, part: 'data', databases: ['shop'], ignoreTables: ['shop.c'], where: '`id` < 5' })).toEqual([
      '--defaults-extra-file=F',
      '--databases',
      'shop',
      '--quick',
      '--single-transaction',
      '--no-create-info',
      '--no-create-db',
      '--skip-triggers',
      '--skip-routines',
      '--skip-events',
      '--no-tablespaces',
      '--ignore-table=shop.c',
      '--where=`id` < 5',
      // Ranges of one table load side by side: no LOCK TABLES … WRITE in their imports, or they queue.
      '--skip-add-locks',
      '--hex-blob',
      '--max-allowed-packet=1G',
    ]);
    expect(dumpArgs(c as never, { ...o, part: 'post', databases: ['shop'] })).toEqual([
      '--defaults-extra-file=F',
      '--databases',
      'shop',
      '--quick',
      '--single-transaction',
      '--no-data',
      '--no-create-info',
      '--no-create-db',
      '--triggers',
      '--events',
      '--skip-routines',
      '--hex-blob',
      '--max-allowed-packet=1G',
    ]);
    expect(dumpArgs(c as never, { ...o, part: 'system', databases: ['mysql'] })).toEqual([
      '--defaults-extra-file=F',
      '--databases',
      'mysql',
      '--quick',
      '--single-transaction',
      '--skip-triggers',
      '--skip-routines',
      '--skip-events',
      '--no-tablespaces',
      '--ignore-table=mysql.gtid_slave_pos',
      '--ignore-table=mysql.plugin',
      '--ignore-table=mysql.help_topic',
      '--ignore-table=mysql.help_category',
      '--ignore-table=mysql.help_keyword',
      '--ignore-table=mysql.help_relation',
      '--flush-privileges',
      '--hex-blob',
      '--max-allowed-packet=1G',
    ]);
  });
});

describe('the plan of a parallel copy', () => {
  const cmd = (x: string) => ({ program: 'mariadb-dump', args: [x] });
  const load = { program: 'mariadb', args: ['--batch'] };
  const a: ParallelCopyAction = {
    kind: 'parallel-copy',
    role: 'BS',
    before: [{ label: 'schema', dump: cmd('--no-data'), load, estimateBytes: 0, estimateRows: 0 }],
    streams: [1, 2].map((i) => ({ label: `s${i}`, dump: cmd(`--where=${i}`), load, estimateBytes: 2 << 20, estimateRows: 10 })),
    after: [{ label: 'triggers and events', dump: cmd('--triggers'), load, estimateBytes: 0, estimateRows: 0 }],
    snapshotLock: {
      statements: [stmt('FLUSH TABLES WITH READ LOCK')],
      timeoutSeconds: 5,
      record: [{ kind: 'sql', role: 'GS', statement: stmt('SHOW MASTER STATUS') }],
      release: stmt('UNLOCK TABLES'),
    },
    lockSays: 'GS is locked only while the 2 streams open their snapshots',
  };
  it('shows every stream’s argv, in order: schema, lock and coordinates on GS, streams, unlock, triggers; and how long GS is locked', () => {
    const lines = renderAction(a);
    expect(lines.map((l) => `${l.role} ${l.text}`)).toEqual([
      'BS $ mariadb-dump --no-data | mariadb --batch',
      'GS FLUSH TABLES WITH READ LOCK',
      'GS SHOW MASTER STATUS',
      'BS $ mariadb-dump --where=1 | mariadb --batch',
      'BS $ mariadb-dump --where=2 | mariadb --batch',
      'GS UNLOCK TABLES',
      'BS $ mariadb-dump --triggers | mariadb --batch',
    ]);
    expect(lines[3].note).toMatch(/stream 1\/2 side by side: s1, ~2 MB, ~10 rows; GS is locked only while the 2 streams open their snapshots/);
  });

  it('one at a time (a single stream from a donor): the same lines, each stream said to run after the one before', () => {
    const one: ParallelCopyAction = { ...a, snapshotLock: undefined, oneAtATime: true, lockSays: 'GS is neither locked nor read' };
    const lines = renderAction(one);
    expect(lines.map((l) => l.text)).toHaveLength(4);
    expect(lines[2].note).toMatch(/^stream 2\/2 one after another: s2, /);
  });
});

const node = (script: string): Command => ({ command: process.execPath, args: ['-e', script] });
const MARKER = '-- Dump completed on 2026-11-25 03:00:00\n';
/** A dump that says it starts on a table, writes `rows` rows, then its marker (unless `end` says otherwise). */
const dump = (rows: number, o: { end?: string; exit?: number; delayMs?: number } = {}) =>
  node(
    `setTimeout(()=>{process.stdout.write('-- Dumping data for table \`t\`\\nINSERT INTO \`t\` VALUES\\n');let i=0;const w=()=>{while(i<${rows}){i++;if(!process.stdout.write('('+i+'),\\n'))return process.stdout.once('drain',w);}process.stdout.write(${JSON.stringify(o.end ?? MARKER)},()=>process.exit(${o.exit ?? 0}));};w();},${o.delayMs ?? 0})`,
  );
const sink = (file: string) => node(`const fs=require('fs');const o=fs.createWriteStream(${JSON.stringify(file)});process.stdin.pipe(o);`);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runStreams', () => {
  it('runs every pair at once; each is complete, counted in rows, and said opened once it started on a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streams-'));
    const opened: number[] = [];
    const r = await runStreams({
      streams: [0, 1, 2].map((i) => ({ label: `s${i}`, dump: dump(20_000 * (i + 1)), load: sink(join(dir, `${i}.sql`)) })),
      onOpened: (i) => opened.push(i),
    });
    expect(r.map((x) => x.rows)).toEqual([20_000, 40_000, 60_000]);
    expect(opened.sort()).toEqual([0, 1, 2]);
    expect(readFileSync(join(dir, '2.sql'), 'utf8').endsWith(MARKER)).toBe(true);
  });

  it('concurrency 1: each pair starts only once the one before completed, in order; a failure starts no later pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streams-'));
    const log: string[] = [];
    const r = await runStreams({
      streams: [0, 1, 2].map((i) => ({ label: `s${i}`, dump: dump(10_000, { delayMs: 50 }), load: sink(join(dir, `${i}.sql`)) })),
      concurrency: 1,
      onStart: (i) => log.push(`start ${i}`),
      onDone: (i) => log.push(`done ${i}`),
    });
    expect(r.map((x) => x.rows)).toEqual([10_000, 10_000, 10_000]);
    expect(log).toEqual(['start 0', 'done 0', 'start 1', 'done 1', 'start 2', 'done 2']);
    const started: number[] = [];
    const err = await runStreams({
      streams: [
        { label: 'a', dump: dump(10), load: sink(join(dir, 'a.sql')) },
        { label: 'b', dump: dump(10, { end: '', exit: 2 }), load: sink(join(dir, 'b.sql')) },
        { label: 'c', dump: dump(10), load: sink(join(dir, 'c.sql')) },
      ],
      concurrency: 1,
      onStart: (i) => started.push(i),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^stream b: .*exited 2/);
    expect(started).toEqual([0, 1]);
  });

  it('one stream’s dump failing stops every other pair at once and names the stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streams-'));
    const pids: number[] = [];
    const started = Date.now();
    const err = await runStreams({
      streams: [
        { label: 'shop.orders [1/2]', dump: dump(50_000_000), load: sink(join(dir, 'a.sql')) },
        { label: 'shop.orders [2/2]', dump: dump(10, { end: '', exit: 2, delayMs: 200 }), load: sink(join(dir, 'b.sql')) },
      ],
      onSpawn: (_i, p) => pids.push(p.dump!, p.load!),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyFailed);
    expect((err as Error).message).toMatch(/^stream shop\.orders \[2\/2\]: .*exited 2/);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  });

  it('one stream’s import failing fails the whole; abort kills every pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streams-'));
    const badLoad = node(`process.stdin.once('data',()=>{console.error('ERROR 1062 (23000) at line 3: Duplicate entry');process.exit(1)})`);
    await expect(
      runStreams({
        streams: [
          { label: 'a', dump: dump(5_000_000), load: sink(join(dir, 'a.sql')) },
          { label: 'b', dump: dump(5_000_000), load: badLoad },
        ],
      }),
    ).rejects.toThrow(/^stream b: .*ERROR 1062/);
    const ac = new AbortController();
    const pids: number[] = [];
    const p = runStreams({
      streams: [0, 1].map((i) => ({ label: `s${i}`, dump: dump(50_000_000), load: sink(join(dir, `x${i}.sql`)) })),
      signal: ac.signal,
      onSpawn: (_i, x) => pids.push(x.dump!, x.load!),
    });
    setTimeout(() => ac.abort(), 300);
    await expect(p).rejects.toBeInstanceOf(CopyAborted);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
