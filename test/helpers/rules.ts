// Replaying the steps' own plans through the rules checker, for a version profile: offline (the plans a rehearsal
// that reaches no server shows, branches and all) and as a connected run would compute them (the steps' reads
// answered from the checker's model of the servers, which the replayed statements keep up to date).
import { assumedClients, type Clients } from '../../src/adapters/shell/clients.js';
import type { ServerIdentity } from '../../src/adapters/mysql/session.js';
import { dialectFor } from '../../src/dialect/dialect.js';
import { parseVersion } from '../../src/dialect/version.js';
import type { Row } from '../../src/adapters/mysql/session.js';
import type { RecoveryContext } from '../../src/recovery/context.js';
import { runPreflight } from '../../src/recovery/preflight.js';
import { RuleChecker, type Violation } from '../../src/recovery/rules/check.js';
import { rehearse } from '../../src/recovery/rules/rehearse.js';
import type { TraceEntry } from '../../src/recovery/rules/trace.js';
import type { ClientInfo, Profile, StartingState, World } from '../../src/recovery/rules/world.js';
import type { Statement } from '../../src/dialect/statement.js';
import { offlineContext } from './offline.js';

/** The version profiles the rules and the offline rehearsal cover. */
export const VERSIONS = [
  '5.7.44',
  '8.0.21',
  '8.0.22',
  '8.0.23',
  '8.0.26',
  '8.0.36',
  '8.2.0',
  '8.4.3',
  '9.1.0',
  '10.4.30-MariaDB',
  '10.5.1-MariaDB',
  '10.5.2-MariaDB',
  '10.6.20-MariaDB',
  '10.11.19-MariaDB',
  '11.4.2-MariaDB',
];

export const CLIENTS: Record<string, ClientInfo> = {
  'mysqldump-5.7': { program: 'mysqldump', flavor: 'mysql', version: '5.7.44' },
  'mysqldump-8.0': { program: 'mysqldump', flavor: 'mysql', version: '8.0.36' },
  'mysqldump-8.4': { program: 'mysqldump', flavor: 'mysql', version: '8.4.3' },
  'mariadb-dump': { program: 'mariadb-dump', flavor: 'mariadb', version: '10.11.19' },
};

/** The client programs of a profile, as findClients would report them. */
export function fakeClients(c: ClientInfo): Clients {
  const mysql = c.flavor === 'mysql';
  const [maj, min, patch] = c.version.split('.').map(Number);
  const sourceData = mysql && (maj > 8 || (maj === 8 && (min > 0 || patch >= 26)));
  return {
    dump: { command: c.program, path: `/usr/bin/${c.program}`, version: c.version, flavor: c.flavor, sourceData, gtid: !mysql },
    load: { command: mysql ? 'mysql' : 'mariadb', path: `/usr/bin/${mysql ? 'mysql' : 'mariadb'}`, version: c.version, flavor: c.flavor },
    binlog: { command: mysql ? 'mysqlbinlog' : 'mariadb-binlog', path: '/usr/bin/x', version: c.version, flavor: c.flavor },
  };
}

export const START: Record<string, StartingState> = {
  /** A writable BS (read_only off): step 1 switches every fence on. */
  writable: {
    readOnly: false,
    superReadOnly: false,
    offlineMode: false,
    replExempt: false,
    gtidMode: false,
    autoPosition: false,
    gtidOnly: false,
    adminReadOnlyAdmin: true,
    bsOnly: true,
  },
  /** The usual passive master: read_only and super_read_only already on. */
  passive: {
    readOnly: true,
    superReadOnly: true,
    offlineMode: false,
    replExempt: false,
    gtidMode: false,
    autoPosition: false,
    gtidOnly: false,
    adminReadOnlyAdmin: true,
    bsOnly: true,
  },
  /** The replication account holds CONNECTION_ADMIN: offline_mode does not refuse it. */
  exempt: {
    readOnly: true,
    superReadOnly: false,
    offlineMode: false,
    replExempt: true,
    gtidMode: false,
    autoPosition: false,
    gtidOnly: false,
    adminReadOnlyAdmin: true,
    bsOnly: false,
  },
  /** An operator already put BS in offline_mode. */
  offline: {
    readOnly: true,
    superReadOnly: true,
    offlineMode: true,
    replExempt: false,
    gtidMode: false,
    autoPosition: false,
    gtidOnly: false,
    adminReadOnlyAdmin: true,
    bsOnly: true,
  },
};

export interface Case {
  version: string;
  method: 'classic' | 'online' | 'clone';
  positioning: 'file' | 'gtid';
  client: ClientInfo;
  start: StartingState;
  /** The clients as --assume plans with them (assumedClients: found on this machine's PATH or not), not fakeClients. */
  assumed?: boolean;
}

/** The client programs --assume rehearses with for a version: that vendor's own, at that version. */
export function ownClient(version: string): ClientInfo {
  const v = parseVersion(version);
  const mysql = v.flavor === 'mysql';
  return { program: mysql ? 'mysqldump' : 'mariadb-dump', flavor: v.flavor, version: `${v.major}.${v.minor}.${v.patch}` };
}

const clientsOf = (c: Case): Clients => (c.assumed ? assumedClients(c.client.flavor, c.client.version) : fakeClients(c.client));

export function profileOf(c: Case): Profile {
  const server = parseVersion(c.version);
  const mysql = server.flavor === 'mysql';
  // A GTID recovery needs GTIDs on; a file/position one may run on a pair that has them (and auto-positioned).
  const start = c.positioning === 'gtid' ? { ...c.start, gtidMode: mysql || c.start.gtidMode, autoPosition: true } : c.start;
  return { server, client: c.client, start };
}

/** "10.11.19-MariaDB" → "mariadb-10.11.19", "8.4.3" → "mysql-8.4.3" (what --assume takes). */
export const assumeOf = (version: string) => (/mariadb/i.test(version) ? `mariadb-${version.replace(/-MariaDB.*$/i, '')}` : `mysql-${version}`);

const flagsOf = (c: Case) => ({
  method: c.method,
  positioning: c.positioning,
  dryRun: true,
  assume: assumeOf(c.version),
  ...(c.start.fileOnGtidAccepted ? { acceptFilePositioningOnGtid: true } : {}),
});

export interface Outcome {
  /** STOP lines of the preflight (a real run stops before step 1: nothing runs). */
  stops: string[];
  trace: TraceEntry[];
  violations: Violation[];
}

/** The plans an offline rehearsal shows (--dry-run --assume), replayed for the case's starting state. */
export async function replayOffline(c: Case): Promise<Outcome> {
  const profile = profileOf(c);
  const ctx = offlineContext(c.version, { positioning: c.positioning }, flagsOf(c), clientsOf(c));
  const stops = (await runPreflight(ctx)).filter((x) => x.verdict === 'stop').map((x) => `${x.check}: ${x.detail}`);
  ctx.state.positioning = c.positioning;
  const checker = new RuleChecker(profile);
  const trace = await rehearse(ctx);
  return { stops, trace, violations: stops.length ? [] : checker.feed(trace) };
}

const ON = (b: boolean) => (b ? 'ON' : 'OFF');

/** What the steps read at plan time, answered from the checker's model. */
function simulatedRead(world: World, c: Case) {
  return async (role: 'GS' | 'BS', s: Statement): Promise<Row[]> => {
    const sql = s.sql;
    const server = world.servers[role];
    if (/@@GLOBAL\.(read_only|super_read_only|offline_mode)/.test(sql)) {
      const vars: Record<string, string> = { read_only: ON(server.readOnly), super_read_only: ON(server.superReadOnly), offline_mode: ON(server.offlineMode) };
      const row: Row = {};
      for (const m of sql.matchAll(/@@GLOBAL\.(\w+) AS (\w+)/g)) row[m[2]] = vars[m[1]];
      return [row];
    }
    if (/information_schema\.SCHEMATA/.test(sql))
      return (role === 'BS' && c.start.bsOnly ? ['extra', 'shop'] : ['shop']).map((SCHEMA_NAME) => ({ SCHEMA_NAME }));
    // User tables: shop.orders (keyed) on both; a table only on BS when BS holds a schema of its own (kept whole at step 2).
    const tables = [{ TABLE_SCHEMA: 'shop', TABLE_NAME: 'orders' }, ...(role === 'BS' && c.start.bsOnly ? [{ TABLE_SCHEMA: 'extra', TABLE_NAME: 't' }] : [])];
    if (/TABLE_ROWS/.test(sql) && /DATA_LENGTH/.test(sql)) return tables.map((t) => ({ ...t, bytes: 1_000_000, n: 1000 }));
    if (/SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema\.TABLES/.test(sql)) return tables;
    if (/information_schema\.COLUMNS/.test(sql)) return tables.map((t) => ({ ...t, COLUMN_NAME: 'id', DATA_TYPE: 'int', EXTRA: '' }));
    if (/information_schema\.STATISTICS/.test(sql)) return tables.map((t) => ({ ...t, COLUMN_NAME: 'id' }));
    if (/DATA_LENGTH/.test(sql)) return [{ bytes: 1_000_000 }];
    if (/information_schema\.PROCESSLIST/.test(sql)) return [];
    // Routines, views, triggers and events: the same on both servers (none only on BS to drop before the copy).
    if (/information_schema\.(ROUTINES|VIEWS|TRIGGERS|EVENTS)\b/.test(sql)) return [];
    if (/CONNECTION_ADMIN|Super_priv/i.test(sql)) return c.start.replExempt ? [{ exempt: 1 }] : [{ exempt: 0 }];
    // --method clone: the plugin not installed yet (the plan installs it), the clone completed, BS's uuid kept.
    if (/information_schema\.PLUGINS/.test(sql)) return [];
    if (/performance_schema\.clone_status/.test(sql)) return [{ state: 'Completed', binlog_file: 'binlog.000003', binlog_position: 157, gtid_executed: '' }];
    if (/@@GLOBAL\.server_uuid/.test(sql)) return [{ server_uuid: `uuid-${role === 'GS' ? 1 : 2}` }];
    throw new Error(`simulated server: no answer for ${s.shown}`);
  };
}

function identity(c: Case, serverId: number): ServerIdentity {
  const version = parseVersion(c.version);
  return {
    version,
    serverId,
    serverUuid: `uuid-${serverId}`,
    hostname: `db${serverId}`,
    port: 3306,
    datadir: '/var/lib/mysql/',
    logBin: true,
    logSlaveUpdates: true,
    binlogFormat: 'ROW',
    readOnly: false,
    autoIncrementIncrement: 2,
    autoIncrementOffset: serverId,
    gtidMode: version.flavor === 'mysql' ? ON(profileOf(c).start.gtidMode) : undefined,
  };
}

/** The plans a connected run would compute, step by step, its reads answered by the model the replay keeps. */
export async function replayConnected(c: Case): Promise<Outcome> {
  const profile = profileOf(c);
  const checker = new RuleChecker(profile);
  const base = offlineContext(c.version, { positioning: c.positioning }, flagsOf(c), clientsOf(c));
  const d = dialectFor(parseVersion(c.version));
  const ctx: RecoveryContext = {
    ...base,
    identity: { GS: identity(c, 1), BS: identity(c, 2) },
    dialect: { GS: d, BS: d },
    read: simulatedRead(checker.world, c),
    journalPath: 'journal.json',
  };
  // What the preflight would have measured about BS: its own transactions and a schema GS lacks.
  if (c.start.bsOnly)
    ctx.state.bsOnly = {
      from: { file: 'binlog.000007', position: 4711 },
      own: { transactions: 2, tables: ['extra.t'], firstAt: '2026-01-01T00:00:00Z', lastAt: '2026-01-01T00:00:05Z' },
      schemas: ['extra'],
    };
  const trace = await rehearse(ctx, (_step, entries) => void checker.feed(entries));
  return { stops: [], trace, violations: checker.violations };
}
