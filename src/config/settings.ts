// One typed Settings object for a recovery, validated with zod before anything connects. The options themselves
// (flags, environment, config file keys, defaults, validation) are described once, in ./options.ts.

import type { MethodName } from './copy-methods.js';

/** TLS modes, in MySQL's --ssl-mode names. */
export const tlsModes = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type TlsMode = (typeof tlsModes)[number];

/**
 * The members of a ring of four and more after BS's downstream D, in replication order (D → E → F → … → GS). R (the
 * donor) and U (how the docs name BS's upstream) are left out, so that a label means one thing.
 */
export const RING_OTHER_LABELS = ['E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'S', 'T', 'V', 'W', 'X', 'Y', 'Z'] as const;
export type RingOther = (typeof RING_OTHER_LABELS)[number];

/** The members after BS's downstream up to its upstream (exclusive), with their labels: none in a ring of three. */
export function ringOthers(ring: NonNullable<Settings['ring']>): Array<{ label: RingOther; index: number }> {
  const n = ring.members.length;
  const out: Array<{ label: RingOther; index: number }> = [];
  for (let i = (ring.downstream + 1) % n, k = 0; i !== ring.upstream; i = (i + 1) % n, k++) out.push({ label: RING_OTHER_LABELS[k], index: i });
  return out;
}

export interface Settings {
  good: { host: string; port: number };
  bad: { host: string; port: number };
  /** How BS reaches GS (used in CHANGE MASTER on BS) and vice versa. */
  goodAddress: { host: string; port: number };
  badAddress: { host: string; port: number };
  /**
   * A ring of n ≥ 3 masters (--ring), in replication order: `good` is the bad member's upstream (it plays GS), `bad` the
   * member rebuilt, and `downstream` the member that replicated from it. Absent for a pair.
   */
  ring?: { members: Array<{ host: string; port: number }>; bad: number; upstream: number; downstream: number };
  goodSocket?: string;
  badSocket?: string;
  user: string;
  replUser: string;
  password: string;
  replPassword: string;
  method: MethodName;
  /** [user@]host[:port]: run GS's / BS's host commands (--method physical) through ssh; absent: on this machine. */
  goodSsh?: string;
  badSsh?: string;
  /** [user@]host[:port]: run the donor R's host commands (--method physical with --donor) through ssh; absent: here. */
  donorSsh?: string;
  /** An ssh_config file for those ssh calls (-F). */
  sshConfig?: string;
  /** How BS is stopped and started (--method physical): a systemd unit, or two commands run on BS's host. */
  badService?: string;
  badStopCommand?: string;
  badStartCommand?: string;
  /**
   * --parallel: how many dump | import streams the copy runs side by side (1: the single stream). Absent: chosen from
   * the machine's cores and the size of the copy (recovery/parallel/streams-plan.ts).
   */
  parallel?: number;
  /** How replication resumes: by binary log file/position or by GTID; auto follows what the pair used. */
  positioning: 'auto' | 'file' | 'gtid';
  /** Keep what only BS holds before the copy: auto (when there is any), all (every schema), none (--no-backup). */
  backup: 'auto' | 'all' | 'none';
  /** Where backups go (default: beside the journal). */
  backupDir?: string;
  /** Put BS's own accounts (kept in bs-accounts.sql by step 2) back on BS alone after the copy, not binary-logged. */
  keepBsAccounts: boolean;
  dryRun: boolean;
  yes: boolean;
  confirmBad?: string;
  json: boolean;
  resume: boolean;
  journal?: string;
  lockWaitTimeout: number;
  replicaTimeout: number;
  /** Seconds without a byte through the copy, or without an answer to a statement, after which a server counts as frozen. */
  stallTimeout: number;
  /** --max-rate: the copy stream's cap in bytes per second (all streams together); absent: no cap. */
  maxRate?: number;
  /** --max-load: pause an online or physical copy from GS while one of these global status variables exceeds its max. */
  maxLoad?: Array<{ variable: string; max: number }>;
  /** --max-mdl-wait: seconds a session on GS may wait for a metadata lock the online copy holds before the copy stops; 0: no watch. */
  maxMdlWait: number;
  /** --donor: a replica of GS the copy reads instead of GS (issue 28). */
  donor?: { host: string; port: number };
  /** --donor-max-lag: seconds the donor may be behind GS (preflight), and step 3's bound for it to catch up. */
  donorMaxLag: number;
  /** --fence: HAProxy entries of BS, each `haproxy:<socket>:<backend>/<server>` (see traffic-fence.ts). */
  fence?: string[];
  /** Run with sh -c in step 1 (before anything changes) and step 11 (after BS is unfenced). */
  fenceCommand?: string;
  unfenceCommand?: string;
  /** Seconds to watch BS's client connections after step 1 and before the copy; absent: no watch. */
  fenceWatch?: number;
  /** Longest time comparing BS's data with GS's row by row (status: A's with B's); a table not done by then is kept whole. */
  compareTimeout: number;
  /** Seconds each comparing statement aims to take (chunks of a table by primary key). */
  chunkTime: number;
  /** Longest time the proof compares the data; the tables left are named for `mmrecover verify`. */
  verifyTime: number;
  connectTimeout: number;
  /** --assume mysql-8.4.3: rehearse offline for that flavor and version (dry run only; nothing is reached). */
  assume?: string;
  /** --client-version (with --assume): the client programs rehearsed with, "8.0.36" or "mysql-8.0.36". */
  clientVersion?: string;
  /** --log-import: the import is written to BS's binary log even when no replica of BS needs it. */
  logImport: boolean;
  /** MySQL with gtid_mode=ON and --positioning file: the operator accepts that the import is logged under BS's uuid. */
  acceptFilePositioningOnGtid: boolean;
  /** Prove the result after step 10 (catch-up, marker rows, checksums). */
  verify: boolean;
  /** Write marker rows in the mmrecover schema as part of the proof. */
  marker: boolean;
  tls?: { mode: TlsMode; ca?: string; cert?: string; key?: string };
  replicationSsl: boolean;
  /** The JSON config file the settings came from (--config or MMRECOVER_CONFIG): a resumed run reads it again. */
  config?: string;
  /** The MySQL option file (--defaults-file): a resumed run reads it again. */
  defaultsFile?: string;
  /**
   * The settings some source gave explicitly (flags, environment, .env, config file, option file), default or not.
   * The resume line repeats these even when they equal the default, so that a config file read again cannot change them.
   */
  given?: string[];
}
