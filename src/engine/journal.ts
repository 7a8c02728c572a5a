// The journal: where a run is, written atomically after every step so that --resume can pick up after a crash.
// It records what ran (statements as shown, secrets masked), coordinates and what step 1 changed. Never a password.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { randomUUID } from 'node:crypto';
import { redact } from '../base/redact.js';
import type { Member, PlanLine, RingOther } from '../recovery/actions.js';
import type { ActionMode } from '../recovery/events.js';
import type { RecoveryState } from '../recovery/state.js';
import { UsageError } from '../base/errors.js';
import type { MethodName } from '../config/copy-methods.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

/** An action as it ran (or was answered), rendered from the action itself with its slots filled. */
export interface ExecutedLine {
  role: Member;
  text: string;
  mode: ActionMode;
  at: string;
}

export interface JournalStep {
  id: number;
  title: string;
  /** Who it acted on, as its header said (R → BS for a copy from the donor); absent in older journals. */
  on?: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  ms?: number;
  /** What the step showed before it ran (slots for values known only when it runs). */
  plan: PlanLine[];
  /** What it then ran, in order. */
  executed: ExecutedLine[];
}

export interface ServerFingerprint {
  host: string;
  port: number;
  serverId: number;
  serverUuid: string;
  version: string;
}

/** Who started a run (or resumed it), where, and with which arguments (never a password: none is an argument). */
export interface Invocation {
  at: string;
  user: string;
  host: string;
  argv: string[];
  resume: boolean;
}

/** A span of time: `to` absent while it lasts (or when the run ended without saying). */
export interface Span {
  from: string;
  to?: string;
}

export interface JournalData {
  format: 2;
  runId: string;
  startedAt: string;
  updatedAt: string;
  finished: boolean;
  outcome?: 'completed' | 'failed' | 'interrupted' | 'declined';
  stoppedAt?: { step: number; reason: string };
  method: MethodName;
  /** D: a ring's downstream of BS, E, F, …: the members after it (absent for a pair). R: the donor the copy read instead of GS (--donor; absent otherwise). */
  servers: { GS: ServerFingerprint; BS: ServerFingerprint; D?: ServerFingerprint; R?: ServerFingerprint } & Partial<Record<RingOther, ServerFingerprint>>;
  steps: JournalStep[];
  state: RecoveryState;
  /** Each start and resume of this run, for the post-incident report. */
  invocations?: Invocation[];
  /** When GS held its global read lock: production could not write. */
  gsLocks?: Span[];
  /** Each copy GS → BS: when it ran, what it moved, whether it completed. */
  copies?: Array<Span & { bytes?: number; complete?: boolean }>;
}

/** The default journal file for a pair, so that --resume finds it from the same --good/--bad. */
export function defaultJournalPath(env: NodeJS.ProcessEnv, good: { host: string; port: number }, bad: { host: string; port: number }): string {
  const safe = (e: { host: string; port: number }) => `${e.host}_${e.port}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(stateDir(env), `recover-${safe(good)}--${safe(bad)}.json`);
}

export class Journal {
  private constructor(
    readonly path: string,
    readonly data: JournalData,
  ) {}

  static create(path: string, init: Omit<JournalData, 'format' | 'runId' | 'startedAt' | 'updatedAt' | 'finished'>): Journal {
    const now = new Date().toISOString();
    const j = new Journal(path, { format: 2, runId: randomUUID(), startedAt: now, updatedAt: now, finished: false, ...init });
    j.save();
    return j;
  }

  static load(path: string): Journal {
    if (!existsSync(path)) throw new UsageError(`--resume: no journal at ${path}; nothing to resume (give --journal <file> if it is elsewhere)`);
    let data: JournalData;
    try {
      data = JSON.parse(readFileSync(path, 'utf8')) as JournalData;
    } catch (err) {
      throw new UsageError(`--resume: ${path} is not a readable journal (${(err as Error).message})`);
    }
    if (!Array.isArray(data.steps)) throw new UsageError(`--resume: ${path} is not an mmrecover journal`);
    if (data.format !== 2)
      throw new UsageError(
        `--resume: ${path} was written by another version of mmrecover (journal format ${String(data.format)}); finish or redo that run with the version that started it`,
      );
    return new Journal(path, data);
  }

  step(id: number): JournalStep {
    const s = this.data.steps.find((x) => x.id === id);
    if (!s) throw new Error(`journal has no step ${id}`);
    return s;
  }

  /** Atomic: write a temp file beside the journal, then rename over it. Mode 0600: it names servers and accounts. */
  save(): void {
    this.data.updatedAt = new Date().toISOString();
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomUUID()}.tmp`;
    writeFileSync(tmp, redact(JSON.stringify(this.data, null, 2)) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
