// What the procedure has learned and changed so far; journaled after every step, so it never holds a secret.
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { OwnEvents } from '../adapters/shell/binlog-reader.js';
import type { ObjectDiff } from './bs-objects.js';
import type { DonorCopyRecord } from './copy-units.js';

export type { Coordinates };

export interface Verification {
  caughtUp: boolean;
  markerGsToBs?: boolean;
  markerBsToGs?: boolean;
  tablesCompared: number;
  mismatched: string[];
  /** Tables not compared within --verify-time (the rest of the data is for `mmrecover verify`), and how much was read. */
  unverified?: string[];
  rowsRead?: number;
  rowsEstimated?: number;
  /**
   * The table --verify-time cut short and the key (as text) its chunks were compared up to: `mmrecover verify --resume
   * --journal <this journal>` compares the unverified tables from there, so that no chunk is compared twice.
   */
  resumeAfter?: { table: string; after: Array<string | null> };
  /** With unverified tables: the command that compares them on the live pair. */
  verifyCommand?: string;
  verified: boolean;
  /** What the proof says beside its verdict (BS's own accounts: kept or dropped). */
  said?: string[];
  /** A ring: each marker's journey, "U→BS" etc.: whether it arrived. */
  ringMarkers?: Record<string, boolean>;
}

/** "2 tables not compared within --verify-time (about 31 % of rows read): a.b, c.d" (empty when all were). */
export function unverifiedText(v: Verification): string {
  const left = v.unverified ?? [];
  if (!left.length) return '';
  const share = v.rowsEstimated ? `about ${Math.min(99, Math.floor((100 * (v.rowsRead ?? 0)) / v.rowsEstimated))} % of rows read` : 'rows read unknown';
  return `${left.length} table(s) not compared within --verify-time (${share}): ${left.join(', ')}`;
}

export interface RecoveryState {
  /**
   * --donor: its SQL thread stopped by step 3 (frozen) and where (GS's coordinates); started again after the copy.
   * copy: a parallel copy from it, how it was split and which units completed; a copy that stops part-way leaves the
   * donor frozen, so that --resume copies only the rest (parallel/resume.ts).
   */
  donor?: {
    frozen: boolean;
    at?: Coordinates;
    copy?: DonorCopyRecord;
    /** R's gtid_slave_pos at that point, read for a physical copy from it: mariadb-backup's slave info is checked against it. */
    slavePos?: string;
  };
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
  /**
   * HAProxy entries of BS that step 1 put into maintenance (--fence), with the state each had before: step 11 gives
   * exactly that back. Recorded before the first change is sent, so a run killed in between still knows it.
   */
  traffic?: Array<{ socket: string; backend: string; server: string; before: 'ready' | 'drain' | 'maint' }>;
  /** --fence-command ran (step 1): traffic was moved away outside the tool; --unfence-command is step 11's. */
  fenceHookRan?: boolean;
  /** Step 10 switched offline_mode off so that GS's replica can log in to BS (whether step 1 had switched it on). */
  offlineModeLifted?: { setByStep1: boolean };
  /**
   * Client connections step 1 listed on BS (killed or kept by the operator): the fence watch counts only others, so a
   * client that connects after step 1's list, even before the watch starts, is a breach.
   */
  listedConnections?: Array<{ id: number; user: string; host: string }>;
  /** Foreign connections step 1 killed on BS (ids and users), for the record. */
  killed: Array<{ id: number; user: string; host: string }>;
  /** streams: a parallel copy's data streams (--parallel); GS's coordinates were then recorded by step 4 on the online method. */
  copy?: { bytes: number; seconds: number; complete: boolean; streams?: number; snapshotLockMs?: number };
  /** --method physical: where the copy is, and which datadir BS runs on (so that a stop and --resume can say). */
  physical?: PhysicalRecord;
  /** What BS holds that GS does not, measured by the preflight (see bs-only.ts). */
  bsOnly?: BsOnly;
  /** Where step 2 kept it (or that the operator chose not to). */
  backup?: BackupRecord;
  verification?: Verification;
  /** A ring only (--ring): what the extra steps for BS's downstream D recorded. */
  ring?: RingRecord;
  /** BS's server state and GS's settings, measured by the preflight before anything changed (server-state.ts). */
  serverState?: ServerStateRecord;
  /** Whether the import is written to BS's binary log, decided by the preflight (import-binlog.ts; kept across --resume). */
  importBinlog?: { logged: boolean; why: string; readers?: string[] };
  /** BS global variables step 4 changed for the import and has not put back yet, with their values before. */
  bsSettings?: Array<{ variable: string; before: string }>;
}

export type EventStatus = 'ENABLED' | 'DISABLED' | 'SLAVESIDE_DISABLED';

export interface ServerSettings {
  maxAllowedPacket: number;
  slaveMaxAllowedPacket?: number;
  eventScheduler: string;
}

export interface ServerStateRecord {
  gs: ServerSettings;
  bs: ServerSettings;
  /** BS's events before the copy: schema.name, status, the server_id that created it. */
  bsEvents: Array<{ event: string; status: EventStatus; originator: number }>;
  /** Plugins loaded from a library on one side only: "NAME (library)". */
  bsOnlyPlugins: string[];
  gsOnlyPlugins: string[];
}

export interface RingRecord {
  /** Where BS had executed U's binary log when its replica stopped (step 2): where D's catch-up from U starts. */
  bsFromU?: Coordinates;
  /** Where D had executed BS's binary log when it stopped (step 2), for the record. */
  dFromBs?: Coordinates;
  /** BS's binary log right after the import, before it applied anything from U (step 6): where D resumes from BS. */
  bsAfterImport?: Coordinates;
  /** D reached the copy's coordinates (step 9): a resumed run does not catch it up again. */
  dCaughtUp?: boolean;
}

export interface PhysicalRecord {
  datadir: string;
  /** Where the copy was streamed and prepared, beside the datadir. */
  incoming: string;
  prepared: boolean;
  /** Once the swap ran: BS runs on the copy, on its previous datadir (rolled back), or not at all. */
  running?: 'copy' | 'previous' | 'none';
  /** BS's previous datadir, kept under a dated name. */
  kept?: string;
}

export const emptyState = (): RecoveryState => ({ fence: [], killed: [] });

export interface BsOnly {
  /** GS's executed position in BS's binary log: where BS's own, unreplicated events begin. Absent: the log cannot tell. */
  from?: Coordinates;
  own?: Omit<OwnEvents, 'bytes'>;
  /** Why BS's binary log cannot tell what is BS's own (no position of GS in it, purged or reset since, unreadable). */
  logGap?: string;
  /** The replication error BS stopped on, when it says that BS holds a row GS does not (duplicate key, missing row). */
  conflict?: { errno: number; error: string; table?: string; row?: Record<string, unknown> };
  /** Every user table compared with GS's, by the preflight (before step 1 fenced BS). */
  data?: DataSummary;
  /** Why the data could not be compared. */
  dataError?: string;
  /**
   * How BS's data are kept before the copy, as the preflight planned it: compared with GS's once, at step 2 (BS fenced
   * and stopped), what differs kept by key; dumped whole without a comparison (--backup all); or not read at all,
   * since the physical method keeps BS's datadir whole. The preflight itself reads no data.
   */
  dataAt?: 'step-2' | 'dump' | 'datadir';
  /** What the comparison at step 2 reads, estimated by the preflight from information_schema (no data read). */
  cost?: { tables: number; gsBytes: number; bsBytes: number; seconds: number; rateBytes: number };
  /** The same comparison made again by step 2, once BS was fenced and its replication stopped: what was kept. */
  afterFence?: DataSummary;
  /** Schemas a backup keeps (auto mode). */
  schemas: string[];
  /** Accounts only on BS, or with another password, plugin or grants there (names only: the statements are in the kept file). */
  accounts?: Array<{ name: string; kind: 'only-on-bs' | 'differs' }>;
  /** Routines, views, triggers and events only on BS, or defined otherwise there (compared by definition). */
  objects?: ObjectDiff[];
  /** Why accounts or objects could not be compared. */
  extrasError?: string;
}

/** What a comparison of BS's data with GS's measured (see compare.ts differingTables). */
export interface DataSummary {
  /** Tables on both servers, compared chunk by chunk by primary key (or whole, see readWhole). */
  compared: number;
  /** Tables read whole in one statement (CHECKSUM TABLE, COUNT(*)): no primary key, or the sides' columns differ. */
  readWhole?: string[];
  /** The --chunk-time each comparing statement aimed at. */
  chunkSeconds?: number;
  seconds: number;
  /** The --compare-timeout it was bound by. */
  boundSeconds: number;
  /** The tables that differ. */
  tables: DataTable[];
}

export interface DataTable {
  table: string;
  gsRows: number | null;
  bsRows: number | null;
  detail: DataDetail;
}

/** How a table that differs compares row by row, from BS's side. */
export type DataDetail =
  | { kind: 'rows'; onlyOnBs: number; onlyOnGs: number; differ: number }
  | { kind: 'only-on-bs' }
  | { kind: 'only-on-gs' }
  | { kind: 'no-key' }
  | { kind: 'columns' }
  | { kind: 'not-in-time' }
  | { kind: 'failed'; error: string }
  /** Not compared at all (a lock held too long on either server, an error): why. */
  | { kind: 'not-compared'; error: string };

export interface BackupRecord {
  skipped?: boolean;
  dir?: string;
  events?: { file: string; transactions: number };
  dump?: { file: string; schemas: string[]; bytes: number; fileBytes: number };
  /** Tables kept whole (they cannot be kept row by row: no primary key, columns that differ, only on BS), one dump per schema. */
  tables?: Array<{ file: string; schema: string; names: string[]; bytes: number; fileBytes: number }>;
  /** bs-only-rows.sql: rows only on BS (INSERT) and rows that differ (REPLACE), by table. */
  rows?: { file: string; inserts: number; replaces: number; tables: string[] };
  /** bs-accounts.sql: statements that recreate BS's own accounts (0600: it holds password hashes). */
  accounts?: { file: string; names: string[] };
  /** bs-objects.sql: DDL that recreates BS's own routines, views, triggers and events. */
  objects?: { file: string; names: string[] };
}
