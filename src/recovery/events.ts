// What a run tells the operator, as typed events emitted once each. The CLI picks a renderer (terminal, plain
// lines, JSON lines) and draws them; nothing below the CLI formats text for a screen.
import type { Member, PlanLine, Role } from './actions.js';
import type { Coordinates, Verification } from './state.js';
import type { BackupRecord } from './state.js';
import type { ClientConnection } from './connections.js';

/** A preflight line. */
/** not-made: the check could not be made (and the detail says why): never reported as passed. */
export type Verdict = 'ok' | 'warn' | 'stop' | 'not-made';

export interface Check {
  verdict: Verdict;
  check: string;
  detail: string;
  /** A stop that only a flag lifts (bad input): a real run ends with exit 2 and this line. */
  missingFlag?: string;
  /** A stop caused by what the operator chose (a --donor that cannot serve): a real run ends with exit 2 and this line. */
  refusal?: boolean;
  /** A --resume refused because the donor moved since the interrupted copy: the journal stops counting what was copied. */
  voidsDonorCopy?: boolean;
}

export type ActionMode = 'run' | 'would-run' | 'read' | 'wait' | 'would-wait' | 'ask' | 'would-ask';

export interface StepSummary {
  step: number;
  title: string;
  on: string;
  lines: PlanLine[];
  /** Asked before it (steps 4 and 5 are confirmed by step 3's question). */
  question?: string;
  confirmedBy?: number;
}

export type RunEvent =
  | {
      event: 'run_start';
      mode: 'dry-run' | 'live';
      method: string;
      /** How GS stands while the copy runs unlocked, for the live line (the method says: 'GS writable (snapshot)'). */
      gsWhileCopying?: string;
      good: string;
      bad: string;
      resume: boolean;
    }
  | { event: 'server'; role: Member; address: string; version?: string; serverId?: number; reachable: boolean; reason?: string }
  | { event: 'preflight'; checks: Check[] }
  | { event: 'journal'; path: string | null; resumingAt?: number }
  | { event: 'plan'; steps: StepSummary[]; /** Run-wide lines above the steps (throttle, control socket, metadata locks). */ header?: string[] }
  | { event: 'step_start'; step: number; title: string; on: string; total: number; lines: PlanLine[] }
  | { event: 'checklist'; step: number; items: string[] }
  | { event: 'question'; steps: number[]; question: string; dryRun: boolean }
  | { event: 'answer'; steps: number[]; question: string; yes: boolean; automatic: boolean }
  | { event: 'action'; step: number; role: Member; text: string; mode: ActionMode }
  | { event: 'note'; level: 'info' | 'ok' | 'warn'; text: string; step?: number }
  | { event: 'activity'; id: string; state: 'start' | 'update' | 'succeed' | 'fail'; text: string }
  | {
      event: 'progress';
      step: number;
      bytes: number;
      estimateBytes: number;
      rateBytesPerSecond: number;
      elapsedSeconds: number;
      etaSeconds: number | null;
      /** A parallel copy (--parallel): rows counted in the streams so far, against information_schema's estimate. */
      rows?: number;
      estimateRows?: number;
      /** Each stream's own progress. */
      streams?: Array<{ label: string; bytes: number; rows: number; estimateRows: number; done: boolean }>;
      /** The stream expected to end last (the ETA is its own). */
      slowest?: string;
      /** While GS is under the read lock: for how long so far. */
      gsLockedSeconds?: number;
      /** The throttle's reason while it caps or pauses the copy: "max-rate 10 MB/s", "Threads_running=23 > 5". */
      throttled?: string;
      /** While sessions on GS wait for a metadata lock the copy holds: "metadata lock: 2 waiting on shop.orders, …". */
      mdlWait?: string;
    }
  /** The copy's throttle changed (--max-rate, --max-load, the control socket): reason null = not throttled. */
  | { event: 'throttle'; step: number; reason: string | null; maxRate?: number; paused: boolean }
  /**
   * The metadata-lock watch (--max-mdl-wait): sessions on GS waiting for a table metadata lock the copy holds (table
   * null: none waits any more). At maxWaitSeconds the copy is stopped.
   */
  | {
      event: 'mdl_wait';
      step: number;
      table: string | null;
      waiting: number;
      longestSeconds: number;
      attribution?: 'measured' | 'probably';
      maxWaitSeconds: number;
      /** The session waiting longest: its id, account and statement (truncated). */
      session?: { id: number; user: string; host: string; statement: string };
      text: string;
    }
  /** The run's control socket (status, throttle, no-throttle, max-rate=<n>), from the start of the run to its end. */
  | { event: 'control_socket'; path: string }
  | { event: 'copy_complete'; step: number; bytes: number; seconds: number }
  /** A parallel copy from a frozen donor: one unit (a pair: tables, a key range, the schemas' structure…) completed and is recorded for --resume. */
  | { event: 'copy_unit'; step: number; label: string }
  /** GS's global read lock taken or given back (at: ISO time): the span production could not write. */
  | { event: 'gs_lock'; state: 'held' | 'released'; at: string }
  | { event: 'coordinates'; role: Role; coordinates: Coordinates; from: string }
  | { event: 'foreign_connections'; role: Role; connections: ClientConnection[] }
  | { event: 'backup'; record: BackupRecord }
  | { event: 'verification'; verification: Verification }
  | { event: 'step_end'; step: number; status: 'done' | 'rehearsed'; ms: number }
  | {
      event: 'summary';
      dryRun: boolean;
      steps: Array<{ step: number; title: string; status: string; ms?: number }>;
      gsCoords?: Coordinates;
      bsCoords?: Coordinates;
      copy?: { bytes: number; seconds: number };
      /** --donor: the replica of GS the copy read (GS was not read by it), and where its SQL thread stopped (GS's coordinates). */
      donor?: { address: string; /** GS was spared the lock the method takes copying from GS (classic). */ lockSpared: boolean; at?: Coordinates };
      /** How long GS could not write (its read lock, every span of this run added up); absent: never locked. */
      gsLockedSeconds?: number;
      /** From step 1 fencing BS to step 11 giving it back (or to now, when step 11 has not run). */
      bsOutOfServiceSeconds?: number;
      backup?: BackupRecord;
      verification?: Verification;
      verify: boolean;
      journal?: string;
      /** A ring: BS's downstream D and where it replicates from BS (GS replicates from its own upstream, not BS). */
      ring?: { downstream: string; dFromBs?: Coordinates };
      /** The physical method: BS's previous datadir, kept whole, and the command that reads what it held that GS lacks. */
      keptDatadir?: { path: string; salvage: string };
    }
  | {
      event: 'stop';
      step: number;
      reason: string;
      next?: string;
      states?: { GS: string; BS: string } & Record<string, string>;
      resume?: string;
      interrupted: boolean;
    }
  | {
      event: 'result';
      status: 'recovered' | 'dry-run-complete' | 'failed' | 'stopped' | 'declined';
      exitCode: number;
      verified?: boolean | null;
      step?: number;
      reason?: string;
      journal: string | null;
      gsCoords?: Coordinates;
      bsCoords?: Coordinates;
    };

export type Emit = (e: RunEvent) => void;
