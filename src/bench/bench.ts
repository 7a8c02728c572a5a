// `npm run bench`: measure what the online-method issue promises, on a real lab pair.
// For each data size and each method: break the lab (BS stopped, GS writing), time the raw `dump | load` pipe on the
// same data, then run the tool as a separate process while a writer inserts on GS without pause, and report the
// longest gap between the writer's acknowledged inserts (GS's write stall), the copy time, the tool's overhead outside
// the copy, the tool's peak RSS, whether the pair was verified, and how long comparing BS's data with GS's took (the
// preflight's and step 2's, from the run's journal), the time outside the copy in parts and how many full reads of
// each server the run made (reads.ts); then, per size, the chunked comparison's rate against CHECKSUM TABLE's on
// shop.orders (compare-rate.ts); at the sizes of --audit-rows, one more run per method on the same lab, broken by one
// conflicting row, with --stall-timeout 2 and the servers' slow query logs on (audit.ts); on a lab with the replica r,
// classic from GS against classic with --donor r (donor-bench.ts). One JSON object per line on stdout.
//   node dist/bench/bench.js [--rows 1000000[,200000...]] [--methods classic,online] [--write-rate 500] [--dir <lab dir>]
//                            [--audit-rows 4000000] [--audit-only]
//                            [--parallel 1,2,4] [--parallel-rows 1000000] [--parallel-rounds 3] [--import-rows 1000000]
//                            [--donor-rows 1000000] [--donor-only]
//                            (--methods '', --audit-rows '', --parallel '', --import-rows '' or --donor-rows '' skips a part)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setHost } from '../base/host.js';
import { findClients } from '../adapters/shell/clients.js';
import { dumpArgs, loadArgs } from '../adapters/shell/dump-args.js';
import { writeOptionFile } from '../adapters/shell/option-file.js';
import { readCoordinates } from '../adapters/mysql/replication.js';
import { breakLab } from '../lab/break.js';
import { startLab, type Lab } from '../lab/lab.js';
import { loadOrders } from '../lab/load.js';
import type { JournalData } from '../engine/journal.js';
import { BENCH_METHODS, methodArgs, physicalFigures, rawConsistency, type BenchMethod } from './physical.js';
import { cpuBetween, cpuBusySeconds } from './cpu-busy.js';
import { parallelBench, type Stall } from './parallel-bench.js';
import { importBench } from './import-bench.js';
import { fullReads, outsideCopy, type FullReads } from './reads.js';
import { compareRateFigures } from './compare-rate.js';
import { auditRuns } from './audit.js';
import { donorBench } from './donor-bench.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mmrecover');

interface ToolRun {
  exitCode: number | null;
  totalSeconds: number;
  copySeconds: number;
  copyBytes: number;
  peakRssMb: number;
  verified: boolean;
  stepsMs: Record<string, number>;
  /** When each step began (performance.now() as its step_start line arrived), to place the writer's stalls. */
  stepStartedAt: Record<string, number>;
  /** The preflight's comparison of BS's data with GS's, and step 2's (BS fenced), in seconds, as the journal recorded them. */
  compareSeconds: number | null;
  recompareSeconds: number | null;
  /** How long the tool says GS was locked (its summary), to set beside the writer's longest stall. */
  gsLockedSeconds: number | null;
  /** Issue 26: full reads of each server (from the journal) and the time outside the copy in parts. */
  fullReads: FullReads | null;
  outsideCopySeconds: Record<string, number> | null;
  /** The run's journal as it ended (the audit reads what step 2 kept and what the proof verified). */
  journal?: JournalData;
  /** CPU the machine spent from the copy's start to its end (cpu-busy.ts), when /proc/stat could be read. */
  copyCpuSeconds?: number;
}

/** The writer lists the gaps longer than this (issue 28's target for GS's longest stall). */
const STALL_LOG_MS = 50;

/**
 * Insert on GS at a steady rate (a busy OLTP table: 500/s by default, one every 2 ms, so a stall is measured to a few
 * ms); the longest time between two acknowledged inserts is GS's write stall.
 */
export async function startWriter(lab: Lab, perSecond: number) {
  const s = await lab.connect('a', 'writer');
  let stop = false;
  let last = performance.now();
  let maxGapMs = 0;
  // Every gap over STALL_LOG_MS, when it began (performance.now()): to set it against the run's steps.
  const stalls: Stall[] = [];
  let writes = 0;
  let failures = 0;
  const done = (async () => {
    const interval = 1000 / perSecond;
    while (!stop) {
      const due = last + interval - performance.now();
      if (due > 1) await new Promise((r) => setTimeout(r, due));
      try {
        await s.query("INSERT INTO shop.customers (name, email) VALUES ('bench writer', 'w@example.com')");
      } catch (err) {
        failures++;
        if (failures === 1) process.stderr.write(`bench: a write on GS failed: ${(err as Error).message}\n`);
        continue;
      }
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      if (now - last > STALL_LOG_MS) stalls.push({ ms: Math.round(now - last), beganAt: last });
      last = now;
      writes++;
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      await s.close();
      return { maxGapMs: Math.round(maxGapMs), stalls, writes, failures };
    },
  };
}

/** Peak resident memory of a running process (VmHWM is the high-water mark, so the last reading is the peak). */
function readPeakRssKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function runTool(lab: Lab, method: BenchMethod, extra: string[] = []): Promise<ToolRun> {
  const bad = `127.0.0.1:${lab.b.port}`;
  const journal = join(lab.dir, `bench-${method}-${Date.now()}.json`);
  const args = [
    BIN,
    'recover',
    '--good',
    `127.0.0.1:${lab.a.port}`,
    '--bad',
    bad,
    '--user',
    lab.state.adminUser,
    '--repl-user',
    lab.state.replUser,
    '--method',
    method,
    '--yes',
    '--confirm-bad',
    bad,
    '--json',
    '--journal',
    journal,
    ...methodArgs(lab, method),
    ...extra,
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...lab.env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const stepStartedAt: Record<string, number> = {};
  let cpuAtCopyStart: number | undefined;
  let cpuAtCopyEnd: number | undefined;
  child.stdout.on('data', (d) => {
    // Each line as it arrives (the chunk may end mid-line): a step_start's time is when the bench saw it.
    const from = out.lastIndexOf('\n') + 1;
    out += d;
    for (const line of out.slice(from).split('\n').slice(0, -1).filter(Boolean)) {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.event === 'step_start') stepStartedAt[String(e.step)] = performance.now();
      if (e.event === 'activity' && e.id === 'copy' && e.state === 'start') cpuAtCopyStart = cpuBusySeconds();
      if (e.event === 'copy_complete') cpuAtCopyEnd = cpuBusySeconds();
    }
  });
  child.stderr.on('data', (d) => (err += d));
  let peakKb = 0;
  const poll = setInterval(() => (peakKb = Math.max(peakKb, readPeakRssKb(child.pid!) ?? 0)), 50);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const totalSeconds = (performance.now() - started) / 1000;
  const events = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const copy = events.find((e) => e.event === 'copy_complete');
  const result = events.find((e) => e.event === 'result');
  if (exitCode !== 0) process.stderr.write(`bench: mmrecover exited ${exitCode}:\n${err}\n`);
  const data = readJournal(journal);
  const bsOnly = data?.state.bsOnly;
  const copySeconds = Number(copy?.seconds ?? 0);
  return {
    exitCode,
    totalSeconds,
    copySeconds,
    copyBytes: Number(copy?.bytes ?? 0),
    peakRssMb: Math.round(peakKb / 102.4) / 10,
    verified: result?.verified === true,
    stepStartedAt,
    stepsMs: Object.fromEntries(events.filter((e) => e.event === 'step_end').map((e) => [String(e.step), Number(e.ms)])),
    compareSeconds: bsOnly?.data?.seconds ?? null,
    recompareSeconds: bsOnly?.afterFence?.seconds ?? null,
    gsLockedSeconds: ((s) => (typeof s === 'number' ? Math.round(s * 100) / 100 : null))(events.find((e) => e.event === 'summary')?.gsLockedSeconds),
    fullReads: data ? fullReads(data) : null,
    outsideCopySeconds: data ? outsideCopy(data, totalSeconds, copySeconds) : null,
    journal: data,
    copyCpuSeconds: cpuBetween(cpuAtCopyStart, cpuAtCopyEnd),
  };
}

/** The run's journal as it ended (what it measured and ran), or undefined when there is none. */
function readJournal(path: string): JournalData | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JournalData;
  } catch {
    return undefined;
  }
}

/** The hand-run pipe on the same data with the same dump options, for the throughput baseline: no tool in between. */
export async function rawPipeSeconds(lab: Lab, method: 'classic' | 'online'): Promise<number> {
  const c = await findClients();
  // TCP to 127.0.0.1, as the tool connects (--good/--bad host:port): a Unix socket would make the baseline faster
  // for a reason that has nothing to do with the tool.
  const creds = (w: 'a' | 'b') => ({ host: '127.0.0.1', port: lab.server(w).port, user: lab.state.adminUser, password: lab.state.adminPassword });
  const [gs, bs] = [await writeOptionFile(creds('a'), c.dump.flavor), await writeOptionFile(creds('b'), c.load.flavor)];
  try {
    const started = performance.now();
    const dump = spawn(c.dump.command, dumpArgs(c, { optionFile: gs.path, consistency: method === 'classic' ? 'lock-all-tables' : 'snapshot' }), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Unlogged, as the tool imports where no replica of BS needs the binary log (recovery/import-binlog.ts).
    const load = spawn(c.load.command, loadArgs(c, { optionFile: bs.path, unlogged: true }), { stdio: ['pipe', 'ignore', 'inherit'] });
    dump.stdout.pipe(load.stdin);
    const codes = await Promise.all([dump, load].map((p) => new Promise<number | null>((r) => p.on('close', r))));
    if (codes.some((x) => x !== 0)) throw new Error(`raw pipe failed: exit codes ${codes.join(', ')}`);
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all([gs.dispose(), bs.dispose()]);
  }
}

/**
 * The raw import went into BS's binary log as BS's own writes; the tool would rightly report and keep them as
 * "only on BS". Point GS's (stopped) replication past them, as if GS had applied them: BS then holds nothing of its
 * own, the state the benchmark means to measure (a backup costs in proportion to what BS alone holds).
 */
export async function forgetRawImport(lab: Lab): Promise<void> {
  const [gs, bs] = await Promise.all([lab.connect('a'), lab.connect('b')]);
  try {
    const end = await readCoordinates(bs);
    await gs.query(`CHANGE MASTER TO MASTER_LOG_FILE=${gs.dialect.literal(end.file)}, MASTER_LOG_POS=${end.position}`);
  } finally {
    await Promise.all([gs.close(), bs.close()]);
  }
}

async function main(): Promise<void> {
  setHost({ env: process.env, kill: (pid, signal) => void process.kill(pid, signal), uid: process.getuid?.(), pid: process.pid });
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      'write-rate': { type: 'string', default: '500' },
      methods: { type: 'string', default: 'classic,online' },
      // Issue 18: --parallel 1,2,4 side by side with the raw pipe (parallel-bench.ts); '' skips it.
      parallel: { type: 'string', default: '1,2,4' },
      'parallel-rows': { type: 'string', default: '1000000' },
      // Each shape's variants run this many times, interleaved, and the medians are set side by side: one run of each
      // varied by 20 % from one minute to the next on a shared 2-core machine.
      'parallel-rounds': { type: 'string', default: '3' },
      // Issue 29: where the import's time goes (import-bench.ts); '' skips it.
      'import-rows': { type: 'string', default: '1000000' },
      // Issue 26: at these sizes (of --rows), each method's audit run (audit.ts); '' skips it. --audit-only: that run
      // alone (no raw pipe, no timed run, no compare-rate), on the same lab.
      'audit-rows': { type: 'string', default: '4000000' },
      'audit-only': { type: 'boolean', default: false },
      // Issue 28: classic from GS against classic from the donor r, same lab, same run (donor-bench.ts); '' skips it.
      // --donor-only: that part alone.
      'donor-rows': { type: 'string', default: '1000000' },
      'donor-only': { type: 'boolean', default: false },
      dir: { type: 'string' },
    },
  });
  const sizes = values.rows.split(',').map((x) => Number(x.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--rows must be positive whole numbers, not "${values.rows}"`);
  const writeRate = Number(values['write-rate']);
  if (!(writeRate > 0)) throw new Error(`--write-rate must be a positive number of inserts per second, not "${values['write-rate']}"`);
  const methods = values.methods
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean) as BenchMethod[];
  for (const m of methods) if (!BENCH_METHODS.includes(m)) throw new Error(`--methods: "${m}" is not ${BENCH_METHODS.join(', ')}`);

  const auditSizes = values['audit-rows'] ? values['audit-rows'].split(',').map((x) => Number(x.trim())) : [];
  const streams = values.parallel ? values.parallel.split(',').map((x) => Number(x.trim())) : [];
  if (streams.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--parallel must be whole numbers of streams, not "${values.parallel}"`);

  const parallelRounds = Number(values['parallel-rounds']);
  if (!(Number.isInteger(parallelRounds) && parallelRounds > 0))
    throw new Error(`--parallel-rounds must be a positive whole number, not "${values['parallel-rounds']}"`);
  const donorRows = values['donor-rows'] ? Number(values['donor-rows']) : 0;
  if (values['donor-rows'] && !(Number.isInteger(donorRows) && donorRows > 0))
    throw new Error(`--donor-rows must be a positive whole number, not "${values['donor-rows']}"`);
  if (values['donor-only'] && !donorRows) throw new Error('--donor-only needs --donor-rows');
  const emit = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
  if (values['donor-only']) return donorBench({ rows: donorRows, writeRate, dir: values.dir }, { startWriter, runTool }, emit);

  for (const rows of methods.length ? sizes : []) {
    const lab = await startLab({ dir: values.dir ? join(values.dir, `rows-${rows}`) : undefined });
    try {
      process.stderr.write(`bench: lab up; loading ${rows} rows into shop.orders…\n`);
      const a = await lab.connect('a');
      await loadOrders(a, rows);
      await a.close();
      const audit = auditSizes.includes(rows);
      for (const method of values['audit-only'] && audit ? [] : methods) {
        await breakLab(lab, 'stopped');
        // GS must not replicate the raw import back from BS (the tool's step 3 does the same before its copy).
        const gs = await lab.connect('a');
        await gs.query(gs.dialect.stopReplica());
        await gs.close();
        process.stderr.write(`bench: ${rows} rows, ${method}: raw pipe…\n`);
        // Same dump options and the same writer load as the tool's run, so that the ratio measures the tool alone.
        const rawWriter = await startWriter(lab, writeRate);
        const raw = await rawPipeSeconds(lab, rawConsistency(method));
        await rawWriter.stop();
        await forgetRawImport(lab);
        process.stderr.write(`bench: ${rows} rows, ${method}: recovery with a writer on GS…\n`);
        const writer = await startWriter(lab, writeRate);
        const run = await runTool(lab, method);
        const w = await writer.stop();
        const line = {
          method,
          rows,
          dumpBytes: run.copyBytes,
          copySeconds: round(run.copySeconds),
          rawPipeSeconds: round(raw),
          throughputRatio: run.copySeconds > 0 ? round(raw / run.copySeconds) : null,
          toolOverheadSeconds: round(run.totalSeconds - run.copySeconds),
          totalSeconds: round(run.totalSeconds),
          gsMaxWriteStallMs: w.maxGapMs,
          gsLockedSeconds: run.gsLockedSeconds,
          writeRatePerSecond: writeRate,
          writerInserts: w.writes,
          writerFailures: w.failures,
          peakRssMb: run.peakRssMb,
          checksumsMatched: run.verified,
          exitCode: run.exitCode,
          // Comparing BS's data with GS's (every table: CHECKSUM TABLE, counts, row by row where they differ): by the
          // preflight, and again by step 2 once BS is fenced.
          compareSeconds: run.compareSeconds,
          stepTwoCompareSeconds: run.recompareSeconds,
          stepsMs: run.stepsMs,
          // Issue 26: the time outside the copy in parts, and the full reads of each server before the copy (target:
          // at most one of each, none for physical), by the copy and by the proof (target: one of each).
          outsideCopySeconds: run.outsideCopySeconds,
          fullReads: run.fullReads,
          ...physicalFigures(method, run.stepsMs, raw),
        };
        emit(line);
      }
      if (!(values['audit-only'] && audit)) {
        // Issue 26: the chunked comparison's rate against CHECKSUM TABLE's, on the pair the last run recovered.
        process.stderr.write(`bench: ${rows} rows: chunked comparison against CHECKSUM TABLE…\n`);
        emit(await compareRateFigures(lab, rows));
      }
      // Last on this lab: it restarts both servers with their logs on.
      if (audit) await auditRuns(lab, rows, methods, runTool, emit);
    } finally {
      await lab.stop();
    }
  }
  if (values['import-rows']) await importBench({ rows: Number(values['import-rows']), dir: values.dir });
  if (streams.length)
    await parallelBench(
      { streams, rows: Number(values['parallel-rows']), rounds: parallelRounds, writeRate, dir: values.dir },
      { startWriter, runTool, rawPipeSeconds, forgetRawImport },
    );
  if (donorRows) await donorBench({ rows: donorRows, writeRate, dir: values.dir && join(values.dir, 'donor') }, { startWriter, runTool }, emit);
}

const round = (x: number) => Math.round(x * 100) / 100;

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
