// What the rules checker knows about the servers while it replays a plan: a small state machine per server (the
// fence variables, GTID mode and history, the replication channel), the client program that dumps, and the starting
// state of the recovery. Pure data.
import { compareVersions, type Flavor, type ServerVersion } from '../../dialect/version.js';

/** The dump program a profile runs (mysqldump 5.7/8.0/8.4, mariadb-dump …). */
export interface ClientInfo {
  program: string;
  flavor: Flavor;
  version: string;
}

/** What BS (and the pair) is like before step 1: the cases a connected run would measure. */
export interface StartingState {
  /** BS's read_only / super_read_only / offline_mode before step 1. */
  readOnly: boolean;
  superReadOnly: boolean;
  offlineMode: boolean;
  /** The replication account holds CONNECTION_ADMIN or SUPER (MySQL): offline_mode lets it log in. */
  replExempt: boolean;
  /** MySQL gtid_mode=ON on both servers (MariaDB always writes GTIDs; this is MySQL's switch). */
  gtidMode: boolean;
  /** Each server's channel auto-positions (the pair replicated by GTID). */
  autoPosition: boolean;
  /** MySQL 8.0.27+: the channels were created with GTID_ONLY=1. */
  gtidOnly: boolean;
  /** The admin account holds READ ONLY ADMIN (MariaDB 10.11.1+ needs it to write on a read_only server). */
  adminReadOnlyAdmin: boolean;
  /** BS holds schemas or transactions GS does not (so step 2 keeps a backup and step 4 drops BS-only schemas). */
  bsOnly: boolean;
  /** MySQL, gtid_mode=ON, --positioning file: the operator gave --accept-file-positioning-on-gtid. */
  fileOnGtidAccepted?: boolean;
}

export interface Profile {
  server: ServerVersion;
  client: ClientInfo;
  start: StartingState;
}

/** GS, BS, and the scratch server a backup of BS is replayed on later (it has a GTID history of its own). */
export type Place = 'GS' | 'BS' | 'scratch';

export interface ServerState {
  version: ServerVersion;
  readOnly: boolean;
  superReadOnly: boolean;
  offlineMode: boolean;
  gtidMode: boolean;
  /** gtid_executed is not empty. */
  gtidHistory: boolean;
  channel: { autoPosition: boolean; gtidOnly: boolean };
  /** The tool's session has a lock_wait_timeout of its own (SET SESSION lock_wait_timeout = N, not DEFAULT). */
  sessionLockWait?: boolean;
  /** The tool listed the server's client connections (and offered to KILL them) in this run. */
  clientsListed?: boolean;
}

export interface World {
  profile: Profile;
  servers: Record<Place, ServerState>;
  /** BS's variables before step 1 (for branches that ask what step 1 found). */
  before: { readOnly: boolean; superReadOnly: boolean; offlineMode: boolean };
}

export function initialWorld(p: Profile): World {
  const mysql = p.server.flavor === 'mysql';
  const gtidMode = mysql && p.start.gtidMode;
  const channel = { autoPosition: p.start.autoPosition, gtidOnly: p.start.gtidOnly };
  const server = (o: Partial<ServerState>): ServerState => ({
    version: p.server,
    readOnly: false,
    superReadOnly: false,
    offlineMode: false,
    gtidMode,
    gtidHistory: gtidMode,
    channel: { ...channel },
    ...o,
  });
  return {
    profile: p,
    servers: {
      GS: server({}),
      BS: server({ readOnly: p.start.readOnly || p.start.superReadOnly, superReadOnly: p.start.superReadOnly, offlineMode: p.start.offlineMode }),
      // A server that replays the backup of BS later: any server with a GTID history of its own.
      scratch: server({ gtidMode: mysql, gtidHistory: mysql, channel: { autoPosition: false, gtidOnly: false } }),
    },
    before: { readOnly: p.start.readOnly || p.start.superReadOnly, superReadOnly: p.start.superReadOnly, offlineMode: p.start.offlineMode },
  };
}

/** A version in the numbers `compareVersions` reads ("8.0.36" → [8, 0, 36]); unknown → undefined. */
export function versionNumbers(text: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** `v` is of `flavor` and at least `min`. */
export function atLeast(v: ServerVersion | ClientInfo, flavor: Flavor, min: string): boolean {
  const nums = 'major' in v ? [v.major, v.minor, v.patch] : versionNumbers(v.version);
  return v.flavor === flavor && nums !== undefined && compareVersions(nums, min.split('.').map(Number)) >= 0;
}

export const isMysql = (v: ServerVersion) => v.flavor === 'mysql';
export const isMariadb = (v: ServerVersion) => v.flavor === 'mariadb';
