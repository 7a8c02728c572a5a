// `npm run bench` part 2 (issue 18): the logical copy in parallel streams, side by side with the raw single pipe, on
// the same data in the same run: one table of 1M rows, then four tables of 250k. For each shape: the raw `dump | load`
// pipe; the tool, classic, with --parallel 1, 2, 4 (GS's longest write stall = how long it was locked); the tool, online,
// --parallel 2 (GS's longest write stall = the snapshot window); and mydumper/myloader with two threads when they are
// installed (the reference only: the tool does not use them). Each variant runs --parallel-rounds times, interleaved
// (round 1 of every variant, then round 2, …), each run with the CPU the machine spent during its copy; a summary line
// per variant gives the medians and, for the tool's, the throughput against mydumper/myloader's median. One JSON
// object per line on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakLab } from '../lab/break.js';
import { startLab, type Lab } from '../lab/lab.js';
import { loadOrders } from '../lab/load.js';
import { cpuBetween, cpuBusySeconds } from './cpu-busy.js';

/** A gap between the bench writer's acknowledged inserts on GS, and when it began (performance.now()). */
export interface Stall {
  ms: number;
  beganAt: number;
}

export interface BenchTools {
  startWriter: (lab: Lab, perSecond: number) => Promise<{ stop(): Promise<{ maxGapMs: number; stalls: Stall[]; writes: number; failures: number }> }>;
  runTool: (
    lab: Lab,
    method: 'classic' | 'online',
    extra?: string[],
  ) => Promise<{
    copySeconds: number;
    copyBytes: number;
    copyCpuSeconds?: number;
    verified: boolean;
    exitCode: number | null;
    totalSeconds: number;
    stepStartedAt: Record<string, number>;
  }>;
  rawPipeSeconds: (lab: Lab, method: 'classic' | 'online') => Promise<number>;
  forgetRawImport: (lab: Lab) => Promise<void>;
}

export interface ParallelBenchOptions {
  streams: number[];
  rows: number;
  /** How many times each variant runs, interleaved (default 1). */
  rounds?: number;
  writeRate: number;
  dir?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The middle value (the mean of the middle two for an even count), or undefined for none. */
function median(xs: number[] | undefined): number | undefined {
  if (!xs?.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Four tables of `rows / 4` each, shaped like shop.orders, loaded the same way. */
async function loadFourTables(lab: Lab, rows: number): Promise<void> {
  const a = await lab.connect('a');
  try {
    for (let i = 1; i <= 4; i++) {
      await a.query(`CREATE TABLE shop.orders${i} LIKE shop.orders`);
      await a.query(
        `INSERT INTO shop.orders${i} (customer_id, amount, note) SELECT 1 + seq % 40, seq % 1000 + 0.99, CONCAT('bulk order ', seq, ' ', REPEAT('x', 100)) FROM shop.seq_1_to_${Math.round(rows / 4)}`,
      );
    }
    await a.query('ANALYZE TABLE shop.orders1, shop.orders2, shop.orders3, shop.orders4');
  } finally {
    await a.close();
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${err.slice(-500)}`))));
  });
}

const installed = (program: string) =>
  new Promise<boolean>((resolve) => {
    const p = spawn(program, ['--version'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
  });

/** mydumper (2 threads, 100k-row chunks, one consistent snapshot) into a directory, then myloader (2 threads) from it. */
async function mydumperSeconds(lab: Lab): Promise<{ dumpSeconds: number; loadSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-bench-mydumper-'));
  const cnf = (w: 'a' | 'b') => {
    const path = join(dir, `${w}.cnf`);
    const text = `[client]\nuser=${lab.state.adminUser}\npassword="${lab.state.adminPassword}"\nhost=127.0.0.1\nport=${lab.server(w).port}\n`;
    writeFileSync(path, text.replace('[client]', '[mydumper]') + text.replace('[client]', '[myloader]') + text, { mode: 0o600 });
    return path;
  };
  try {
    const out = join(dir, 'dump');
    const t0 = performance.now();
    await run('mydumper', [
      `--defaults-file=${cnf('a')}`,
      '--host',
      '127.0.0.1',
      '--port',
      String(lab.a.port),
      '--threads',
      '2',
      '--rows',
      '100000',
      '--trx-consistency-only',
      '--database',
      'shop',
      '--outputdir',
      out,
    ]);
    const t1 = performance.now();
    await run('myloader', [
      `--defaults-file=${cnf('b')}`,
      '--host',
      '127.0.0.1',
      '--port',
      String(lab.b.port),
      '--threads',
      '2',
      '--overwrite-tables',
      '--directory',
      out,
    ]);
    return { dumpSeconds: (t1 - t0) / 1000, loadSeconds: (performance.now() - t1) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Break the lab the way the other benchmark does: BS stopped while GS wrote, GS's replica stopped. */
async function rebreak(lab: Lab): Promise<void> {
  await breakLab(lab, 'stopped');
  const gs = await lab.connect('a');
  await gs.query(gs.dialect.stopReplica());
  await gs.close();
}

export async function parallelBench(o: ParallelBenchOptions, t: BenchTools): Promise<void> {
  const haveMydumper = (await installed('mydumper')) && (await installed('myloader'));
  for (const shape of ['1 table', '4 tables'] as const) {
    const lab = await startLab({ dir: o.dir ? join(o.dir, `parallel-${shape.replace(' ', '-')}`) : undefined });
    try {
      process.stderr.write(`bench: parallel, ${shape}: loading ${o.rows} rows…\n`);
      if (shape === '1 table') {
        const a = await lab.connect('a');
        await loadOrders(a, o.rows);
        await a.query('ANALYZE TABLE shop.orders');
        await a.close();
      } else await loadFourTables(lab, o.rows);
      const emit = (line: Record<string, unknown>) => process.stdout.write(JSON.stringify({ bench: 'parallel', shape, rows: o.rows, ...line }) + '\n');

      const variants: Array<{ method: 'classic' | 'online'; n: number }> = [
        ...o.streams.map((n) => ({ method: 'classic' as const, n })),
        ...(o.streams.includes(2) ? [{ method: 'online' as const, n: 2 }] : []),
      ];
      const REFERENCE = 'mydumper/myloader 2 threads (reference)';
      const runs = new Map<string, Array<{ seconds: number; cpu?: number }>>();
      const keep = (variant: string, seconds: number, cpu?: number) => runs.set(variant, [...(runs.get(variant) ?? []), { seconds, cpu }]);
      const rounds = o.rounds ?? 1;
      for (let round = 1; round <= rounds; round++) {
        const tag = rounds > 1 ? ` (round ${round} of ${rounds})` : '';
        await rebreak(lab);
        process.stderr.write(`bench: parallel, ${shape}: raw pipe${tag}…\n`);
        const rawWriter = await t.startWriter(lab, o.writeRate);
        const rawCpu0 = cpuBusySeconds();
        const raw = await t.rawPipeSeconds(lab, 'classic');
        const rawCpu = cpuBetween(rawCpu0, cpuBusySeconds());
        const rw = await rawWriter.stop();
        await t.forgetRawImport(lab);
        keep('raw pipe', raw, rawCpu);
        emit({ round, variant: 'raw pipe', copySeconds: round2(raw), copyCpuSeconds: rawCpu, gsMaxWriteStallMs: rw.maxGapMs });

        for (const v of variants) {
          await rebreak(lab);
          process.stderr.write(`bench: parallel, ${shape}: ${v.method} --parallel ${v.n}${tag}…\n`);
          const writer = await t.startWriter(lab, o.writeRate);
          const r = await t.runTool(lab, v.method, ['--parallel', String(v.n)]);
          const w = await writer.stop();
          const variant = `${v.method} --parallel ${v.n}`;
          if (r.exitCode === 0 && r.verified) keep(variant, r.copySeconds, r.copyCpuSeconds);
          emit({
            round,
            variant,
            copySeconds: round2(r.copySeconds),
            copyCpuSeconds: r.copyCpuSeconds,
            rawPipeSeconds: round2(raw),
            // Throughput against the raw single pipe on the same data, in the same round: raw time / tool time.
            throughputVsRaw: r.copySeconds > 0 ? round2(raw / r.copySeconds) : null,
            dumpBytes: r.copyBytes,
            gsMaxWriteStallMs: w.maxGapMs,
            writerFailures: w.failures,
            verified: r.verified,
            exitCode: r.exitCode,
          });
        }
        if (haveMydumper) {
          await rebreak(lab);
          process.stderr.write(`bench: parallel, ${shape}: mydumper/myloader, 2 threads (reference)${tag}…\n`);
          // The same writer on GS as for every other variant: the reference's dump does not lock GS for its length
          // (--trx-consistency-only), so GS takes the writer's inserts on the same cores, as in the online copy.
          const writer = await t.startWriter(lab, o.writeRate);
          const cpu0 = cpuBusySeconds();
          const m = await mydumperSeconds(lab);
          const cpu = cpuBetween(cpu0, cpuBusySeconds());
          const w = await writer.stop();
          keep(REFERENCE, m.dumpSeconds + m.loadSeconds, cpu);
          emit({
            round,
            variant: REFERENCE,
            copySeconds: round2(m.dumpSeconds + m.loadSeconds),
            copyCpuSeconds: cpu,
            dumpSeconds: round2(m.dumpSeconds),
            loadSeconds: round2(m.loadSeconds),
            rawPipeSeconds: round2(raw),
            throughputVsRaw: round2(raw / (m.dumpSeconds + m.loadSeconds)),
            gsMaxWriteStallMs: w.maxGapMs,
            writerFailures: w.failures,
          });
        } else if (round === 1) emit({ variant: 'mydumper/myloader', skipped: 'not installed (apt-get install mydumper)' });
      }
      // The medians side by side: throughput is time's inverse, so a ratio of throughputs is the reference's median
      // time over the variant's (≥ 1: as fast as the reference or faster).
      const reference = median(runs.get(REFERENCE)?.map((r) => r.seconds));
      for (const [variant, list] of runs) {
        const seconds = median(list.map((r) => r.seconds))!;
        const cpu = median(list.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu])));
        emit({
          summary: true,
          variant,
          runs: list.length,
          medianCopySeconds: round2(seconds),
          ...(cpu !== undefined ? { medianCopyCpuSeconds: round2(cpu) } : {}),
          ...(reference !== undefined && variant !== REFERENCE ? { throughputVsMydumper: round2(reference / seconds) } : {}),
        });
      }
    } finally {
      await lab.stop();
    }
  }
}
