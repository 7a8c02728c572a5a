// What the procedure has learned and changed so far; journaled after every step, so it never holds a secret.
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { OwnEvents } from '../adapters/shell/binlog-reader.js';

export type { Coordinates };

export interface Verification {
  caughtUp: boolean;
  markerGsToBs?: boolean;
  markerBsToGs?: boolean;
  tablesCompared: number;
  mismatched: string[];
  verified: boolean;
}

export interface RecoveryState {
  /** How replication resumes, decided by the preflight (kept across --resume). */
  positioning?: 'file' | 'gtid';
  /** GS binary log coordinates recorded in step 3 (or read from the dump in the online method). */
  gsCoords?: Coordinates;
  /** BS binary log coordinates recorded in step 8, after the import. */
  bsCoords?: Coordinates;
  /**
   * Global variables step 1 switched on BS, with their values before, so step 11 undoes exactly that. `unmeasured`:
   * an offline plan's "if it is OFF" (only a rehearsal that reached no server records that).
   */
  fence: Array<{ variable: string; before: string; unmeasured?: boolean }>;
  /** Step 10 switched offline_mode off so that GS's replica can log in to BS (whether step 1 had switched it on). */
  offlineModeLifted?: { setByStep1: boolean };
  /** Foreign connections step 1 killed on BS (ids and users), for the record. */
  killed: Array<{ id: number; user: string; host: string }>;
  copy?: { bytes: number; seconds: number; complete: boolean };
  /** What BS holds that GS does not, measured by the preflight (see bs-only.ts). */
  bsOnly?: BsOnly;
  /** Where step 2 kept it (or that the operator chose not to). */
  backup?: BackupRecord;
  verification?: Verification;
}

export const emptyState = (): RecoveryState => ({ fence: [], killed: [] });

export interface BsOnly {
  /** GS's executed position in BS's binary log: where BS's own, unreplicated events begin. Absent: the log cannot tell. */
  from?: Coordinates;
  own?: Omit<OwnEvents, 'bytes'>;
  /** The replication error BS stopped on, when it says that BS holds a row GS does not (duplicate key, missing row). */
  conflict?: { errno: number; error: string; table?: string; row?: Record<string, unknown> };
  /** Tables whose CHECKSUM differs, among those BS's events touched (all tables when the log cannot tell). */
  differing: Array<{ table: string; gsRows: number; bsRows: number }>;
  /** Schemas a backup keeps (auto mode). */
  schemas: string[];
}

export interface BackupRecord {
  skipped?: boolean;
  dir?: string;
  events?: { file: string; transactions: number };
  dump?: { file: string; schemas: string[]; bytes: number; fileBytes: number };
}
