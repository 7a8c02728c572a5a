// `npm run bench`, issue 28's bench line: the classic copy from the donor against the classic copy from GS, same lab,
// same data, same run. One lab with the replica r, the rows loaded on GS and applied by BS and r; then the same break
// recovered twice while the bench's writer inserts on GS: classic from GS (the baseline: GS locked for the copy), then
// classic with --donor r (GS is not read, so not locked). For each: GS's longest write stall, the copy's and the whole
// run's time; then the donor copy's time against GS's (target: stall ≤ 50 ms, copy within 10 % of GS's).
import { readCoordinates, readReplicaStatus } from '../adapters/mysql/replication.js';
import { pollUntil } from '../base/poll.js';
import { breakLab } from '../lab/break.js';
import { startLab, type Lab, type LabName } from '../lab/lab.js';
import { loadOrders } from '../lab/load.js';
import type { BenchTools } from './parallel-bench.js';

export interface DonorBenchOptions {
  rows: number;
  writeRate: number;
  dir?: string;
}

export const DONOR_STALL_TARGET_MS = 50;
export const DONOR_COPY_TARGET_RATIO = 1.1;

const IDLE_SECONDS = 20;

const round = (x: number) => Math.round(x * 100) / 100;

/** The step running at `t` (the last one begun by then), or "before step 1" (the preflight, the program starting). */
function stepAt(startedAt: Record<string, number>, t: number): string {
  const begun = Object.entries(startedAt).filter(([, at]) => at <= t);
  return begun.length ? `step ${begun.reduce((p, q) => (q[1] > p[1] ? q : p))[0]}` : 'before step 1';
}

/**
 * Wait until each of `replicas` has applied GS's binary log to its end: otherwise r would still be applying the load
 * while the first run copies from GS, and the donor preflight could find it lagging; both runs start from rest.
 */
async function caughtUp(lab: Lab, replicas: LabName[], timeoutMs = 600_000): Promise<void> {
  const gs = await lab.connect('a');
  try {
    const end = await readCoordinates(gs);
    for (const name of replicas) {
      const s = await lab.connect(name);
      try {
        const applied = await pollUntil(
          async () => {
            const st = await readReplicaStatus(s);
            if (st.lastSqlErrno) throw new Error(`${name} stopped applying GS's log: ${st.lastSqlError}`);
            return st.execFile === end.file && st.execPos >= end.position ? true : undefined;
          },
          { everyMs: 200, timeoutMs },
        );
        if (!applied) throw new Error(`${name} did not catch up with GS within ${timeoutMs / 1000} s`);
      } finally {
        await s.close();
      }
    }
  } finally {
    await gs.close();
  }
}

/** Both runs on one lab, their lines and the comparison handed to `emit` as each is known. */
export async function donorBench(opts: DonorBenchOptions, tools: Pick<BenchTools, 'startWriter' | 'runTool'>, emit: (line: object) => void): Promise<void> {
  const lab = await startLab({ replica: true, dir: opts.dir });
  try {
    process.stderr.write(`bench: donor: lab up with replica r; loading ${opts.rows} rows into shop.orders…\n`);
    const a = await lab.connect('a');
    await loadOrders(a, opts.rows);
    await a.close();
    await caughtUp(lab, ['b', 'r']);
    // The floor: the same writer with no recovery running, for as long as a copy takes here, so that a stall over the
    // target during the donor run can be told from what the shared cores cause anyway.
    const idle = await tools.startWriter(lab, opts.writeRate);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const floor = await idle.stop();
    emit({
      bench: 'donor',
      rows: opts.rows,
      source: `writer alone, no recovery, ${IDLE_SECONDS} s`,
      gsMaxWriteStallMs: floor.maxGapMs,
      stallsOver50Ms: floor.stalls.length,
      writerInserts: floor.writes,
    });
    const runs: Record<string, { copySeconds: number; stallMs: number }> = {};
    for (const source of ['GS', 'donor r'] as const) {
      await breakLab(lab, 'stopped');
      process.stderr.write(`bench: donor: ${opts.rows} rows, classic from ${source}, writer on GS…\n`);
      const writer = await tools.startWriter(lab, opts.writeRate);
      const run = await tools.runTool(lab, 'classic', source === 'GS' ? [] : ['--donor', `127.0.0.1:${lab.server('r').port}`]);
      const w = await writer.stop();
      runs[source] = { copySeconds: run.copySeconds, stallMs: w.maxGapMs };
      emit({
        bench: 'donor',
        rows: opts.rows,
        method: 'classic',
        source,
        copySeconds: round(run.copySeconds),
        totalSeconds: round(run.totalSeconds),
        dumpBytes: run.copyBytes,
        gsMaxWriteStallMs: w.maxGapMs,
        // Each stall over the target and the step it began in: the copy's, or another's.
        stallsOver50Ms: w.stalls.map((s) => ({ ms: s.ms, step: stepAt(run.stepStartedAt, s.beganAt) })),
        writeRatePerSecond: opts.writeRate,
        writerInserts: w.writes,
        writerFailures: w.failures,
        verified: run.verified,
        exitCode: run.exitCode,
      });
      // The donor run needs r replicating again and caught up, as a replica in production would be.
      if (source === 'GS') await caughtUp(lab, ['r']);
    }
    const [gs, donor] = [runs['GS']!, runs['donor r']!];
    const ratio = gs.copySeconds > 0 ? round(donor.copySeconds / gs.copySeconds) : null;
    emit({
      bench: 'donor',
      rows: opts.rows,
      comparison: 'classic from donor r against classic from GS',
      gsMaxWriteStallMs: { fromGS: gs.stallMs, fromDonor: donor.stallMs },
      donorCopyToGsCopy: ratio,
      stallTargetMet: donor.stallMs <= DONOR_STALL_TARGET_MS,
      copyTargetMet: ratio !== null && ratio <= DONOR_COPY_TARGET_RATIO,
    });
  } finally {
    await lab.stop();
  }
}
