// Everything a step may touch, handed in by the runner: settings, adapters, executor, UI. Steps do no other I/O.
import type { Settings } from '../config/settings.js';
import type { ServerSession } from '../adapters/mysql/session.js';
import type { BinlogCoordinates } from '../adapters/mysql/replication.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Reporter } from '../cli/ui/reporter.js';
import type { Prompter } from '../cli/ui/prompter.js';
import type { Executor } from '../engine/executor.js';
import type { GlobalReadLock } from '../adapters/mysql/read-lock.js';
import type { BackupRecord, BsOnly } from './bs-only.js';

/** GS = the good server, kept; BS = the bad server, rebuilt from GS. */
export type Role = 'GS' | 'BS';

/** What the procedure has learned and changed so far; journaled after every step, so it never holds a secret. */
/** Binary log coordinates and, on MariaDB, the GTID position they correspond to (@@gtid_binlog_pos). */
export interface Coordinates extends BinlogCoordinates {
  gtid?: string;
}

export interface RecoveryState {
  /** How replication resumes, decided by the preflight (kept across --resume). */
  positioning?: 'file' | 'gtid';
  /** GS binary log coordinates recorded in step 3 (or read from the dump in the online method). */
  gsCoords?: Coordinates;
  /** BS binary log coordinates recorded in step 8, after the import. */
  bsCoords?: Coordinates;
  /** Global variables step 1 switched on BS, with their values before, so step 11 undoes exactly that. */
  fence: Array<{ variable: string; before: string }>;
  /** Foreign connections step 1 killed on BS (ids and users), for the record. */
  killed: Array<{ id: number; user: string; host: string }>;
  copy?: { bytes: number; seconds: number; complete: boolean; dump: string; load: string };
  /** What BS holds that GS does not, measured by the preflight (see steps/keep-bs-only.ts). */
  bsOnly?: BsOnly;
  /** Where step 2 kept it (or that the operator chose not to). */
  backup?: BackupRecord;
  verification?: Verification;
}

export interface Verification {
  caughtUp: boolean;
  markerGsToBs?: boolean;
  markerBsToGs?: boolean;
  tablesCompared: number;
  mismatched: string[];
  verified: boolean;
}

export interface RecoveryContext {
  settings: Settings;
  /** Connected sessions; absent only in a dry run against servers that do not answer. */
  gs?: ServerSession;
  bs?: ServerSession;
  gsDialect: Dialect;
  bsDialect: Dialect;
  exec: Executor;
  ui: Reporter;
  prompter: Prompter;
  state: RecoveryState;
  /** Aborted on Ctrl-C/SIGTERM: long waits and the copy stop at once. */
  signal: AbortSignal;
  /** The journal's path (backups go beside it unless --backup-dir says otherwise). */
  journalPath?: string;
  /** The dedicated GS connection holding FLUSH TABLES WITH READ LOCK between steps 3 and 5. */
  lock?: GlobalReadLock;
}

export function session(ctx: RecoveryContext, role: Role): ServerSession | undefined {
  return role === 'GS' ? ctx.gs : ctx.bs;
}

export function dialect(ctx: RecoveryContext, role: Role): Dialect {
  return role === 'GS' ? ctx.gsDialect : ctx.bsDialect;
}

/** "GS 10.0.0.1:3306" for messages. */
export function where(ctx: RecoveryContext, role: Role): string {
  const e = role === 'GS' ? ctx.settings.good : ctx.settings.bad;
  return `${role} ${e.host}:${e.port}`;
}
