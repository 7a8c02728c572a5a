// What the procedure has learned and changed so far; journaled after every step, so it never holds a secret.
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { BackupRecord, BsOnly } from './bs-only.js';

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
  /** Global variables step 1 switched on BS, with their values before, so step 11 undoes exactly that. */
  fence: Array<{ variable: string; before: string }>;
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
