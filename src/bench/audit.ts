// Issue 26's first acceptance line, at the bench's size: on the lab the timed runs used, broken by one conflicting row
// before each method, a recovery with --stall-timeout 2 while both servers keep a slow query log (long_query_time 2)
// and a general log (to tell the tool's sessions from the copy's: lab/server-logs.ts). One line per method: whether it
// ended VERIFIED (every chunk) or VERIFIED IN PART, how many of the tool's own statements each server logged as slow
// (the target is 0) and the slowest of them, the same of the copy's programs (not counted against the target), and
// what step 2 kept. No writer: the writer's inserts would wait out GS's lock in the slow log, and the acceptance has none.
import { breakLab } from '../lab/break.js';
import type { Lab } from '../lab/lab.js';
import { logMarks, restartWithLogs, toolSlowStatements, type SlowEntry } from '../lab/server-logs.js';
import type { JournalData } from '../engine/journal.js';
import type { BenchMethod } from './physical.js';

export const AUDIT_STALL_TIMEOUT_SECONDS = 2;
export const AUDIT_LONG_QUERY_SECONDS = 2;

/** What the audit needs of a tool run (bench.ts's runTool). */
export interface AuditedRun {
  exitCode: number | null;
  totalSeconds: number;
  copySeconds: number;
  verified: boolean;
  journal?: JournalData;
}

export type RunTool = (lab: Lab, method: BenchMethod, extra: string[]) => Promise<AuditedRun>;

const ROLE: Record<string, 'GS' | 'BS'> = { a: 'GS', b: 'BS' };

/** Each method's audit run on `lab`, its line handed to `emit` as soon as it is known. */
export async function auditRuns(lab: Lab, rows: number, methods: BenchMethod[], runTool: RunTool, emit: (line: object) => void): Promise<void> {
  // Startup options rather than SET GLOBAL: the physical method restarts BS, which would forget them.
  await restartWithLogs(lab, AUDIT_LONG_QUERY_SECONDS);
  for (const method of methods) {
    process.stderr.write(`bench: ${rows} rows, ${method}: audit run (--stall-timeout ${AUDIT_STALL_TIMEOUT_SECONDS}, slow query log)…\n`);
    await breakLab(lab, 'conflict');
    const marks = logMarks(lab);
    const run = await runTool(lab, method, ['--stall-timeout', String(AUDIT_STALL_TIMEOUT_SECONDS)]);
    const slow = await toolSlowStatements(lab, marks);
    const v = run.journal?.state.verification;
    const kept = run.journal?.state.backup;
    const by = <T>(f: (x: (typeof slow)[string]) => T) => Object.fromEntries(Object.entries(slow).map(([w, x]) => [ROLE[w], f(x)]));
    emit({
      bench: 'audit',
      rows,
      method,
      stallTimeoutSeconds: AUDIT_STALL_TIMEOUT_SECONDS,
      longQueryTimeSeconds: AUDIT_LONG_QUERY_SECONDS,
      exitCode: run.exitCode,
      verified: run.verified && !v?.unverified?.length ? 'VERIFIED' : run.verified ? 'VERIFIED IN PART' : 'not verified',
      tablesCompared: v?.tablesCompared ?? null,
      totalSeconds: round(run.totalSeconds),
      copySeconds: round(run.copySeconds),
      // The target: none of the tool's own statements on either server took long_query_time or longer.
      toolSlowStatements: by((x) => x.tool.length),
      slowest: by((x) => slowest(x.tool)),
      copySlowStatements: by((x) => x.others.length),
      copySlowest: by((x) => slowest(x.others)),
      keptByStep2: kept?.rows
        ? { inserts: kept.rows.inserts, replaces: kept.rows.replaces, tables: kept.rows.tables, schemaDump: Boolean(kept.dump) }
        : { rows: 0, schemaDump: Boolean(kept?.dump) },
    });
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The three slowest, for the reader to see what they were: "2.4 s: SELECT …" (one line, cut at 160 characters). */
const slowest = (entries: SlowEntry[]) =>
  [...entries]
    .sort((p, q) => q.seconds - p.seconds)
    .slice(0, 3)
    .map((e) => `${e.seconds.toFixed(1)} s: ${e.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
