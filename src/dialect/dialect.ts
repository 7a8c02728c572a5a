// Version-aware SQL for MySQL 5.7–9.x and MariaDB 10.x/11.x. Pure: (flavor, version) → statement text and column names.
// Thresholds are kept in one table so that a reviewer can check them against the vendors' release notes.
import { isAtLeast, type ServerVersion } from './version.js';
import { DEFAULT_QUOTING, ident, literal, stmt, withSecrets, type Quoting, type Statement } from './statement.js';

/** The version at which each new form appeared (null: the flavor never has it). */
export const THRESHOLDS = {
  replicaKeyword: { mysql: '8.0.22', mariadb: '10.5.1' }, // START/STOP/SHOW/RESET REPLICA
  replicaColumns: { mysql: '8.0.22', mariadb: null }, // Replica_IO_Running, Source_Log_File …
  changeReplicationSource: { mysql: '8.0.23', mariadb: null }, // CHANGE REPLICATION SOURCE TO SOURCE_*
  binaryLogStatus: { mysql: '8.2.0', mariadb: null }, // SHOW BINARY LOG STATUS
  binlogStatus: { mysql: null, mariadb: '10.5.2' }, // SHOW BINLOG STATUS
  resetBinaryLogsAndGtids: { mysql: '8.2.0', mariadb: null },
  superReadOnly: { mysql: '5.7.8', mariadb: null },
  offlineMode: { mysql: '5.7.5', mariadb: null },
  getSourcePublicKey: { mysql: '8.0.4', mariadb: null }, // needed by caching_sha2_password without TLS
  binlogSnapshotStatus: { mysql: null, mariadb: '5.3.0' }, // Binlog_snapshot_file/position of a consistent snapshot
  // GTID_ONLY=1 channels (8.0.27+) refuse SOURCE_AUTO_POSITION=0 unless GTID_ONLY=0 is said too.
  gtidOnly: { mysql: '8.0.27', mariadb: null },
  // 8.4 removed SHOW MASTER STATUS, CHANGE MASTER TO, START/STOP SLAVE, RESET MASTER and the MASTER_* options
  // (https://dev.mysql.com/doc/relnotes/mysql/8.4/en/news-8-4-0.html): a client program that still sends them fails.
  legacyReplicationRemoved: { mysql: '8.4.0', mariadb: null },
  // information_schema.COLUMN_STATISTICS, which MySQL 8's mysqldump reads unless --column-statistics=0.
  columnStatisticsTable: { mysql: '8.0.0', mariadb: null },
  // SUPER no longer implies READ ONLY ADMIN (MDEV-29596): an admin needs READ ONLY ADMIN to write on a read_only server.
  // The 10.11.1 changelog carries the commit (https://mariadb.com/kb/en/mariadb-10-11-1-changelog/: "MDEV-29596
  // Separate SUPER and READ ONLY ADMIN privileges"), and on 10.11.19 an account with SUPER alone is refused by
  // read_only (ER 1290) while one with READ_ONLY ADMIN writes (checked live, issue 25): the GRANT page's "11.0.1" is
  // the 11.x line's entry, not the first release. The rule read-only-admin says the same.
  readOnlyAdminSplit: { mysql: null, mariadb: '10.11.1' },
  // SET STATEMENT var=value FOR <statement>: a session variable for one statement only
  // (https://mariadb.com/kb/en/set-statement/, "MariaDB starting with 10.1.2"); MySQL has no such form for SET.
  setStatement: { mysql: null, mariadb: '10.1.2' },
  // A replica verifies its source's certificate unless told otherwise (MASTER_SSL_VERIFY_SERVER_CERT defaults to 1).
  channelVerifiesCertByDefault: { mysql: null, mariadb: '11.4.0' },
  // ALTER EVENT … DISABLE ON REPLICA (DISABLE ON SLAVE deprecated): https://dev.mysql.com/doc/refman/8.0/en/alter-event.html
  disableOnReplica: { mysql: '8.0.22', mariadb: null },
  // ---- client programs, by the program's own flavor and version (see clientFeatures) ----
  // mysqldump --source-data (--master-data is deprecated from 8.0.26).
  dumpSourceData: { mysql: '8.0.26', mariadb: null },
  // mysqldump reads the coordinates with SHOW BINARY LOG STATUS; older ones (and mariadb-dump) send SHOW MASTER STATUS.
  dumpBinaryLogStatus: { mysql: '8.2.0', mariadb: null },
  // mysqldump --set-gtid-purged (MySQL 5.6.9+); mariadb-dump has no such option.
  dumpSetGtidPurged: { mysql: '5.6.9', mariadb: null },
  // mysqldump --column-statistics, on by default: every MySQL 8 mysqldump has it.
  dumpColumnStatistics: { mysql: '8.0.0', mariadb: null },
  // mariadb-dump --gtid: the GTID position beside the coordinates.
  dumpGtid: { mysql: null, mariadb: '10.0.13' },
  // mariadb-dump --dump-history: system-versioned tables with every row version, not only the current ones; it sets
  // system_versioning_insert_history on the import, so the server loading it must be 10.11+ too (the variable's
  // release). "--dump-history: Dump system-versioned tables with history (only for timestamp based versioning).
  // Available from MariaDB 10.11.0": https://mariadb.com/kb/en/mariadb-dump/ ; the variable:
  // https://mariadb.com/kb/en/system-versioned-tables/#system_versioning_insert_history
  dumpHistory: { mysql: null, mariadb: '10.11.0' },
  insertHistory: { mysql: null, mariadb: '10.11.0' },
  // The mysql clients' get-server-public-key (caching_sha2_password without TLS).
  clientGetServerPublicKey: { mysql: '8.0.4', mariadb: null },
  // Clients that encrypt by default when no TLS option is given (MySQL: --ssl-mode=PREFERRED; MariaDB 11.4: TLS, verified).
  clientTlsByDefault: { mysql: '5.7.11', mariadb: '11.4.0' },
} as const satisfies Record<string, { mysql: string | null; mariadb: string | null }>;

export type Feature = keyof typeof THRESHOLDS;

export function has(v: ServerVersion, feature: Feature): boolean {
  const min = THRESHOLDS[feature][v.flavor];
  return min !== null && isAtLeast(v, v.flavor, min);
}

/** Column names of SHOW REPLICA/SLAVE STATUS, by meaning. */
export interface ReplicaColumns {
  ioRunning: string;
  sqlRunning: string;
  sourceHost: string;
  sourcePort: string;
  sourceServerId: string;
  /** Binary log file of the source that the IO thread is reading. */
  readFile: string;
  readPos: string;
  /** Binary log file/position of the source that the SQL thread has executed up to. */
  execFile: string;
  execPos: string;
  lag: string;
  lastIoErrno: string;
  lastIoError: string;
  /** null: MariaDB's SHOW REPLICA STATUS has no *_Error_Timestamp columns (MySQL 5.6+ only). */
  lastIoErrorTime: string | null;
  lastSqlErrno: string;
  lastSqlError: string;
  lastSqlErrorTime: string | null;
  sslAllowed: string;
  /** MariaDB: Using_Gtid (No/Slave_Pos/Current_Pos); MySQL: Auto_Position (0/1). */
  gtidMode: string;
  /** The channel (MySQL Channel_Name, 5.7+) or connection (MariaDB Connection_name, in SHOW ALL … STATUS) a row is of. */
  channel: string;
}

const LEGACY_COLUMNS: ReplicaColumns = {
  ioRunning: 'Slave_IO_Running',
  sqlRunning: 'Slave_SQL_Running',
  sourceHost: 'Master_Host',
  sourcePort: 'Master_Port',
  sourceServerId: 'Master_Server_Id',
  readFile: 'Master_Log_File',
  readPos: 'Read_Master_Log_Pos',
  execFile: 'Relay_Master_Log_File',
  execPos: 'Exec_Master_Log_Pos',
  lag: 'Seconds_Behind_Master',
  lastIoErrno: 'Last_IO_Errno',
  lastIoError: 'Last_IO_Error',
  lastIoErrorTime: 'Last_IO_Error_Timestamp',
  lastSqlErrno: 'Last_SQL_Errno',
  lastSqlError: 'Last_SQL_Error',
  lastSqlErrorTime: 'Last_SQL_Error_Timestamp',
  sslAllowed: 'Master_SSL_Allowed',
  gtidMode: 'Auto_Position',
  channel: 'Channel_Name',
};

const REPLICA_COLUMNS: ReplicaColumns = {
  ioRunning: 'Replica_IO_Running',
  sqlRunning: 'Replica_SQL_Running',
  sourceHost: 'Source_Host',
  sourcePort: 'Source_Port',
  sourceServerId: 'Source_Server_Id',
  readFile: 'Source_Log_File',
  readPos: 'Read_Source_Log_Pos',
  execFile: 'Relay_Source_Log_File',
  execPos: 'Exec_Source_Log_Pos',
  lag: 'Seconds_Behind_Source',
  lastIoErrno: 'Last_IO_Errno',
  lastIoError: 'Last_IO_Error',
  lastIoErrorTime: 'Last_IO_Error_Timestamp',
  lastSqlErrno: 'Last_SQL_Errno',
  lastSqlError: 'Last_SQL_Error',
  lastSqlErrorTime: 'Last_SQL_Error_Timestamp',
  sslAllowed: 'Source_SSL_Allowed',
  gtidMode: 'Auto_Position',
  channel: 'Channel_Name',
};

/** MySQL's --ssl-mode names. */
export type SslMode = 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';

export interface ReplicationSourceTls {
  ca?: string;
  cert?: string;
  key?: string;
  /**
   * Verify the source's certificate (*_SSL_VERIFY_SERVER_CERT=1); false says =0 where the server would verify by
   * default (MariaDB 11.4+); absent leaves the server's default.
   */
  verify?: boolean;
}

/**
 * Whether a replication channel must verify its source's certificate, from the --ssl-mode the operator gave (absent:
 * the server's default). MySQL's replica checks the CA whenever SOURCE_SSL_CA is set and the host name only with
 * SOURCE_SSL_VERIFY_SERVER_CERT=1 (VERIFY_IDENTITY); MariaDB's MASTER_SSL_VERIFY_SERVER_CERT checks both, so VERIFY_CA
 * gets the stricter check there rather than none.
 */
export function channelVerify(v: ServerVersion, mode: SslMode | undefined): boolean | undefined {
  if (mode === undefined) return undefined;
  if (mode === 'VERIFY_IDENTITY') return true;
  if (mode === 'VERIFY_CA') return v.flavor === 'mariadb' ? true : undefined;
  return false;
}

export interface ChangeSourceOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** File/position positioning. */
  file?: string;
  position?: number | string;
  /** GTID positioning: MySQL auto-position, MariaDB slave_pos. Mutually exclusive with file/position. */
  gtid?: boolean;
  tls?: ReplicationSourceTls;
  connectRetrySeconds?: number;
  /** Events of these server_ids are not applied (a ring's bypassed member); [] clears the list. Absent: left as it is. */
  ignoreServerIds?: Array<number | string>;
}

/** The value of an `Auto_Position`/`Using_Gtid` column that means "replicates by GTID". */
export function usesGtid(value: unknown): boolean {
  const s = String(value ?? '').toLowerCase();
  return s === '1' || s === 'slave_pos' || s === 'current_pos';
}

export interface Dialect {
  version: ServerVersion;
  /** How this server's session reads string literals (its sql_mode). */
  quoting: Quoting;
  /** A string literal this server's session reads back as `value`. */
  literal(value: string): string;
  stopReplica(): Statement;
  startReplica(): Statement;
  showReplicaStatus(): Statement;
  /**
   * Every channel's status: MySQL's SHOW REPLICA STATUS has a row per channel; MariaDB's shows only the default
   * connection, SHOW ALL SLAVES STATUS (ALL REPLICAS from 10.5.1) every named one.
   */
  showAllReplicasStatus(): Statement;
  resetReplicaAll(): Statement;
  /**
   * The replicas registered with this server as their source (columns Server_id/Server_Id, Host, Port): MySQL's SHOW
   * REPLICAS from 8.0.22 (https://dev.mysql.com/doc/refman/8.0/en/show-replicas.html), MariaDB's SHOW REPLICA HOSTS
   * from 10.5.1 (https://mariadb.com/kb/en/show-replica-hosts/), SHOW SLAVE HOSTS before.
   */
  showReplicaHosts(): Statement;
  /** Binary log coordinates of this server as a source (columns File, Position). */
  showBinlogStatus(): Statement;
  resetBinlogs(): Statement;
  changeSource(o: ChangeSourceOptions): Statement;
  replicaColumns: ReplicaColumns;
  /**
   * Global variables that fence client writes, in the order they must be switched on: MySQL's offline_mode first (it
   * cuts the clients without CONNECTION_ADMIN and waits for no lock), then read_only and super_read_only.
   */
  fenceVariables: string[];
  /**
   * SET GLOBAL <variable> = ON. read_only and super_read_only take the global read lock and wait for other sessions'
   * table locks (and, on MySQL, their open transactions) while new writes queue behind them: where the server bounds
   * one statement (MariaDB's SET STATEMENT), the wait is bounded to `lockWaitSeconds` in the statement itself;
   * elsewhere by `sessionLockWait` around it.
   */
  fenceOn(variable: string, lockWaitSeconds: number): Statement;
  /** Whether switching `variable` on waits for other sessions' locks (the global read lock). */
  fenceWaitsForLocks(variable: string): boolean;
  /**
   * Where the server cannot bound one statement (MySQL): the session's lock_wait_timeout set before the fence and put
   * back to the global value after it (SET SESSION … = DEFAULT). Undefined where fenceOn bounds itself.
   */
  sessionLockWait(seconds: number): { set: Statement; reset: Statement } | undefined;
  /** MariaDB GTID: set the position this server resumes replication from. */
  setGtidSlavePos(gtidPos: string): Statement;
  /** Stop applying (the IO thread keeps receiving). */
  stopReplicaSqlThread(): Statement;
  startReplicaSqlThread(): Statement;
  /** Apply up to exactly the source position `file`/`position`, then stop the SQL thread. */
  startReplicaSqlThreadUntil(file: string, position: number | string): Statement;
  /** Both threads; the SQL thread stops at exactly the source position `file`/`position` (a ring's catch-up). */
  startReplicaUntil(file: string, position: number | string): Statement;
  /** Whether `START TRANSACTION WITH CONSISTENT SNAPSHOT` reports the binary log position of its snapshot. */
  snapshotReportsBinlogPosition: boolean;
  /** ALTER EVENT: run it here ('enable') or hold it as a replica's copy ('replica-disabled': SLAVESIDE_DISABLED),
   *  keeping its definer (`user@host` as information_schema.EVENTS shows it). */
  alterEventStatus(schema: string, name: string, status: 'enable' | 'replica-disabled', definer: string): Statement;
}

export function dialectFor(v: ServerVersion, q: Quoting = DEFAULT_QUOTING): Dialect {
  const lit = (value: string) => literal(value, q);
  const replica = has(v, 'replicaKeyword');
  const newSource = has(v, 'changeReplicationSource');
  const columns =
    v.flavor === 'mariadb'
      ? { ...LEGACY_COLUMNS, gtidMode: 'Using_Gtid', lastIoErrorTime: null, lastSqlErrorTime: null, channel: 'Connection_name' }
      : has(v, 'replicaColumns')
        ? REPLICA_COLUMNS
        : LEGACY_COLUMNS;
  const fence: string[] = [];
  // offline_mode first: it disconnects the clients that lack CONNECTION_ADMIN (releasing their locks) before
  // read_only waits on them (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_offline_mode).
  if (has(v, 'offlineMode')) fence.push('offline_mode');
  fence.push('read_only');
  if (has(v, 'superReadOnly')) fence.push('super_read_only');
  const waitsForLocks = (variable: string) => variable === 'read_only' || variable === 'super_read_only';
  const boundsOneStatement = has(v, 'setStatement');

  return {
    version: v,
    quoting: q,
    literal: lit,
    stopReplica: () => stmt(replica ? 'STOP REPLICA' : 'STOP SLAVE'),
    startReplica: () => stmt(replica ? 'START REPLICA' : 'START SLAVE'),
    showReplicaStatus: () => stmt(replica ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS'),
    showAllReplicasStatus: () =>
      stmt(v.flavor === 'mariadb' ? (replica ? 'SHOW ALL REPLICAS STATUS' : 'SHOW ALL SLAVES STATUS') : replica ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS'),
    resetReplicaAll: () => stmt(replica ? 'RESET REPLICA ALL' : 'RESET SLAVE ALL'),
    showReplicaHosts: () => stmt(replica ? (v.flavor === 'mysql' ? 'SHOW REPLICAS' : 'SHOW REPLICA HOSTS') : 'SHOW SLAVE HOSTS'),
    showBinlogStatus: () => stmt(has(v, 'binaryLogStatus') ? 'SHOW BINARY LOG STATUS' : has(v, 'binlogStatus') ? 'SHOW BINLOG STATUS' : 'SHOW MASTER STATUS'),
    resetBinlogs: () => stmt(has(v, 'resetBinaryLogsAndGtids') ? 'RESET BINARY LOGS AND GTIDS' : 'RESET MASTER'),
    changeSource: (o) => changeSource(v, newSource, o, q),
    replicaColumns: columns,
    fenceVariables: fence,
    fenceWaitsForLocks: waitsForLocks,
    fenceOn: (variable, seconds) => {
      if (!/^[a-z_]+$/.test(variable)) throw new Error(`fenceOn: bad variable ${variable}`);
      if (!Number.isSafeInteger(seconds) || seconds < 1) throw new Error(`fenceOn: bad lock wait ${seconds}`);
      const set = `SET GLOBAL ${variable} = ON`;
      return stmt(waitsForLocks(variable) && boundsOneStatement ? `SET STATEMENT lock_wait_timeout=${seconds} FOR ${set}` : set);
    },
    sessionLockWait: (seconds) => {
      if (boundsOneStatement) return undefined;
      if (!Number.isSafeInteger(seconds) || seconds < 1) throw new Error(`sessionLockWait: bad lock wait ${seconds}`);
      return { set: stmt(`SET SESSION lock_wait_timeout = ${seconds}`), reset: stmt('SET SESSION lock_wait_timeout = DEFAULT') };
    },
    setGtidSlavePos: (pos) => stmt(`SET GLOBAL gtid_slave_pos = ${lit(pos)}`),
    stopReplicaSqlThread: () => stmt(`${replica ? 'STOP REPLICA' : 'STOP SLAVE'} SQL_THREAD`),
    startReplicaSqlThread: () => stmt(`${replica ? 'START REPLICA' : 'START SLAVE'} SQL_THREAD`),
    startReplicaSqlThreadUntil: (file, position) => {
      const P = newSource ? 'SOURCE' : 'MASTER';
      // A number, or a slot that the executor fills with a checked integer when it runs.
      if (typeof position === 'number' && (!Number.isSafeInteger(position) || position < 0))
        throw new Error(`startReplicaSqlThreadUntil: bad position ${position}`);
      return stmt(`${replica ? 'START REPLICA' : 'START SLAVE'} SQL_THREAD UNTIL ${P}_LOG_FILE=${lit(file)}, ${P}_LOG_POS=${position}`);
    },
    startReplicaUntil: (file, position) => {
      const P = newSource ? 'SOURCE' : 'MASTER';
      if (typeof position === 'number' && (!Number.isSafeInteger(position) || position < 0)) throw new Error(`startReplicaUntil: bad position ${position}`);
      return stmt(`${replica ? 'START REPLICA' : 'START SLAVE'} UNTIL ${P}_LOG_FILE=${lit(file)}, ${P}_LOG_POS=${position}`);
    },
    snapshotReportsBinlogPosition: has(v, 'binlogSnapshotStatus'),
    // https://mariadb.com/kb/en/alter-event/ (DISABLE ON SLAVE), https://dev.mysql.com/doc/refman/8.0/en/alter-event.html
    // Without DEFINER the account running ALTER EVENT becomes the event's definer ("When a user executes a successful
    // ALTER EVENT statement, that user becomes the definer"), and BS's copy would differ from GS's.
    alterEventStatus: (schema, name, status, definer) => {
      const at = definer.lastIndexOf('@');
      const who = at < 0 ? 'CURRENT_USER' : `${lit(definer.slice(0, at))}@${lit(definer.slice(at + 1))}`;
      return stmt(
        `ALTER DEFINER = ${who} EVENT ${ident(schema)}.${ident(name)} ${status === 'enable' ? 'ENABLE' : has(v, 'disableOnReplica') ? 'DISABLE ON REPLICA' : 'DISABLE ON SLAVE'}`,
      );
    },
  };
}

function changeSource(v: ServerVersion, newSource: boolean, o: ChangeSourceOptions, q: Quoting): Statement {
  const quote = (value: string) => literal(value, q);
  if (o.gtid && (o.file !== undefined || o.position !== undefined)) throw new Error('changeSource: GTID and file/position positioning are exclusive');
  if (!o.gtid && (o.file === undefined || o.position === undefined)) throw new Error('changeSource: file and position are required without GTID');
  const P = newSource ? 'SOURCE' : 'MASTER';
  const head = newSource ? 'CHANGE REPLICATION SOURCE TO' : 'CHANGE MASTER TO';
  const parts: Array<string | { secret: string }> = [
    `${head} ${P}_HOST=${quote(o.host)}, ${P}_PORT=${o.port}, ${P}_USER=${quote(o.user)}, ${P}_PASSWORD=`,
    { secret: o.password },
  ];
  const add = (s: string) => parts.push(`, ${s}`);
  if (o.gtid) {
    add(v.flavor === 'mariadb' ? 'MASTER_USE_GTID=slave_pos' : `${P}_AUTO_POSITION=1`);
  } else {
    add(`${P}_LOG_FILE=${quote(o.file!)}, ${P}_LOG_POS=${o.position}`);
    // MariaDB 10.10+ would otherwise pick MASTER_USE_GTID itself. MySQL refuses a file/position while the channel still
    // auto-positions (ER 1776: "Parameters SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be
    // set when SOURCE_AUTO_POSITION is active"), as a pair that replicated by GTID left it; a GTID_ONLY=1 channel
    // (8.0.27+) keeps auto-positioning unless GTID_ONLY=0 is said too
    // (https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html).
    if (v.flavor === 'mariadb') add('MASTER_USE_GTID=no');
    else {
      add(`${P}_AUTO_POSITION=0`);
      if (has(v, 'gtidOnly')) add('GTID_ONLY=0');
    }
  }
  if (o.connectRetrySeconds !== undefined) add(`${P}_CONNECT_RETRY=${o.connectRetrySeconds}`);
  if (o.ignoreServerIds) {
    // A number, or a slot that the executor fills with a checked integer when it runs.
    if (!o.ignoreServerIds.every((id) => typeof id === 'string' || (Number.isSafeInteger(id) && id >= 0)))
      throw new Error(`changeSource: bad server ids ${o.ignoreServerIds.join(',')}`);
    add(`IGNORE_SERVER_IDS=(${o.ignoreServerIds.join(', ')})`);
  }
  if (o.tls) {
    add(`${P}_SSL=1`);
    if (o.tls.ca) add(`${P}_SSL_CA=${quote(o.tls.ca)}`);
    if (o.tls.cert) add(`${P}_SSL_CERT=${quote(o.tls.cert)}`);
    if (o.tls.key) add(`${P}_SSL_KEY=${quote(o.tls.key)}`);
    if (o.tls.verify) add(`${P}_SSL_VERIFY_SERVER_CERT=1`);
    // MariaDB 11.4+ verifies by default: an operator who asked for encryption without verification must say so.
    else if (o.tls.verify === false && has(v, 'channelVerifiesCertByDefault')) add(`${P}_SSL_VERIFY_SERVER_CERT=0`);
  } else if (has(v, 'getSourcePublicKey')) {
    // caching_sha2_password (the MySQL 8 default) refuses an unencrypted replica unless it may fetch the RSA key.
    add(newSource ? 'GET_SOURCE_PUBLIC_KEY=1' : 'GET_MASTER_PUBLIC_KEY=1');
  }
  return withSecrets(parts, q);
}
