// The pair at a glance: both servers, both replication directions, a verdict per direction, and, when something
// is broken, which server is likely bad and why. Read-only: nothing here changes either server.
import { describeEndpoint, type Endpoint } from '../adapters/mysql/endpoint.js';
import { readCoordinates, readReplicaStatus, type Coordinates, type ReplicaStatus } from '../adapters/mysql/replication.js';
import { ServerSession } from '../adapters/mysql/session.js';
import { ident, stmt } from '../dialect/statement.js';
import { versionLabel } from '../dialect/version.js';
import { differingTables, lockBounded, quoteTable, type Query } from '../recovery/compare.js';
import { firstEventTimeAfter, ownEventsSince } from '../adapters/shell/binlog-reader.js';
import { describeOwnEvents } from '../recovery/bs-only-text.js';

export type Side = 'A' | 'B';
export type Verdict = 'healthy' | 'lagging' | 'broken' | 'unknown';

/** A running replica further behind than this is "lagging" in `status` (`check` has its own -w/-c). */
export const LAGGING_AFTER_SECONDS = 10;

export type { Coordinates };

/** A member's label: A or B in a pair; A, B, C… in a ring (ring-status.ts). */
export interface ServerFacts<L extends string = Side> {
  side: L;
  /** host:port as given. */
  address: string;
  reachable: boolean;
  /** Why it could not be reached (one line). */
  error?: string;
  version?: string;
  versionString?: string;
  serverId?: number;
  serverUuid?: string;
  readOnly?: boolean;
  logSlaveUpdates?: boolean;
  /** Where this server has written its binary log up to; null when binary logging is off. */
  binlog?: Coordinates | null;
  gtid?: { binlogPos?: string; binlogState?: string; slavePos?: string; executed?: string; mode?: string; strict?: boolean };
}

export interface ThreadError {
  errno: number;
  message: string;
  time?: string;
}

export interface DirectionFacts<L extends string = Side> {
  /** "A→B": A is the source, B the replica. */
  name: string;
  source: L;
  replica: L;
  verdict: Verdict;
  reason: string;
  configured?: boolean;
  /** Where the replica replicates from, as its replica status says. */
  sourceAddress?: string;
  io?: string;
  sql?: string;
  ioError?: ThreadError;
  sqlError?: ThreadError;
  /** Seconds behind the source; see `lagFrom`. null: cannot tell. */
  lagSeconds: number | null;
  /** seconds_behind: the server's own figure; oldest_unapplied: age of the oldest source event not yet executed. */
  lagFrom: 'seconds_behind' | 'oldest_unapplied' | 'caught_up' | 'none';
  usingGtid?: boolean;
  /** In the source's binary log: read up to by the IO thread, executed up to by the SQL thread. */
  read?: Coordinates;
  executed?: Coordinates;
  /** What the source has written. */
  written?: Coordinates | null;
  /** Bytes of the source's binary log not yet executed by the replica (null: cannot tell). */
  bytesBehind?: number | null;
}

export interface TableDifference {
  table: string;
  rows: Record<Side, number | null>;
  /** Newest value of the table's first timestamp/datetime column on each side, when it has one. */
  newest?: Record<Side, string | null> & { column: string };
  presentOn: Side[];
  /** Compared row by row, by primary key: rows only on each side, rows on both that differ. */
  byKey?: { onlyOn: Record<Side, number>; differ: number };
  /** Why it was not compared row by row, when present on both sides. */
  notByKey?: string;
}

export interface Evidence {
  /** Per side: transactions it has that the other lacks. */
  lacking: Record<Side, Lacking>;
  schemas: Array<{ schema: string; rows: Record<Side, number> }>;
  tablesCompared: number;
  differing: TableDifference[];
  error?: string;
}

/** What one side has that the other lacks; counts compare only in the same unit. */
export interface Lacking {
  count: number | null;
  unit: 'transactions' | 'bytes';
  detail: string;
}

export interface Recommendation {
  good: Side;
  bad: Side;
  reasons: string[];
  caveats: string[];
  command: string;
}

export interface PairStatus {
  checkedAt: string;
  servers: Record<Side, ServerFacts>;
  directions: [DirectionFacts, DirectionFacts];
  /** Set when at least one direction is broken and both servers answered. */
  recommendation?: Recommendation;
  /** Gathered only when both directions are broken. */
  evidence?: Evidence;
  notes: string[];
}

export interface GatherOptions {
  connectTimeoutMs: number;
  /** Gather evidence (row counts, checksums) when both directions are broken. `check` skips it. */
  evidence: boolean;
  /** How long the data may be compared row by row, by primary key (absent: tables by chunk checksums only). */
  compareTimeoutMs?: number;
  /** What each comparing statement aims to take. */
  chunkTimeMs?: number;
  /** Longest wait for a table's lock while comparing: a table locked longer is reported as not compared. */
  lockWaitSeconds?: number;
  /** The recover command line to suggest once `good` is chosen (default: --good/--bad with the servers' addresses). */
  recoverCommand?: (good: Side) => string;
}

const other = (s: Side): Side => (s === 'A' ? 'B' : 'A');

export interface Gathered<L extends string = Side> {
  facts: ServerFacts<L>;
  session?: ServerSession;
  replica?: ReplicaStatus;
  binlogSizes?: Map<string, number>;
  endpoint: Endpoint;
}

export async function gatherServer<L extends string>(side: L, endpoint: Endpoint, address: string, connectTimeoutMs: number): Promise<Gathered<L>> {
  let session: ServerSession;
  try {
    session = await ServerSession.connect(endpoint, { connectTimeoutMs });
  } catch (err) {
    return { endpoint, facts: { side, address, reachable: false, error: (err as Error).message } };
  }
  const id = session.identity;
  const facts: ServerFacts<L> = {
    side,
    address,
    reachable: true,
    version: versionLabel(id.version),
    versionString: id.version.raw,
    serverId: id.serverId,
    serverUuid: id.serverUuid,
    readOnly: id.readOnly,
    logSlaveUpdates: id.logSlaveUpdates,
  };
  const [binlog, replica, sizes, gtidState] = await Promise.all([
    readCoordinates(session).catch(() => null),
    readReplicaStatus(session),
    session.query('SHOW BINARY LOGS').then(
      (rows) => new Map(rows.map((r) => [String(r.Log_name), Number(r.File_size)])),
      () => undefined,
    ),
    id.version.flavor === 'mariadb' ? session.value('SELECT @@GLOBAL.gtid_binlog_state').catch(() => undefined) : Promise.resolve(undefined),
  ]);
  facts.binlog = binlog;
  facts.gtid =
    id.version.flavor === 'mariadb'
      ? {
          binlogPos: id.gtidBinlogPos ?? '',
          binlogState: gtidState === undefined ? undefined : String(gtidState ?? ''),
          slavePos: id.gtidSlavePos ?? '',
          strict: id.gtidStrictMode,
        }
      : { mode: id.gtidMode ?? 'OFF', executed: id.gtidExecuted ?? '' };
  return { endpoint, facts, session, replica, binlogSizes: sizes };
}

/** Bytes from `from` to `to` across the source's binary logs (null when a file in between is unknown or purged). */
export function bytesBetween(from: Coordinates, to: Coordinates, sizes?: Map<string, number>): number | null {
  if (from.file === to.file) return Math.max(0, to.position - from.position);
  if (!sizes) return null;
  const names = [...sizes.keys()];
  const i = names.indexOf(from.file);
  const j = names.indexOf(to.file);
  if (i < 0 || j < 0 || j < i) return null;
  let total = sizes.get(from.file)! - from.position;
  for (let k = i + 1; k < j; k++) total += sizes.get(names[k])!;
  return Math.max(0, total + to.position);
}

/**
 * Age in seconds of the oldest event in the source's binary log after `from` (what the replica has not executed).
 * Seconds_Behind_Master is NULL whenever the SQL thread is stopped, yet that is exactly when an operator needs a
 * number: the vendor's binlog reader reads the next event header, whose timestamp is compared with the source's
 * clock. null when it cannot tell (no reader installed, no privilege, purged log).
 */
export async function oldestUnappliedAge(endpoint: Endpoint, from: Coordinates, timeoutMs: number): Promise<{ seconds: number; waiting: boolean } | null> {
  let session: ServerSession;
  try {
    session = await ServerSession.connect(endpoint, { connectTimeoutMs: timeoutMs });
  } catch {
    return null;
  }
  try {
    const now = Number(await session.value('SELECT UNIX_TIMESTAMP()'));
    const eventTime = await firstEventTimeAfter(endpoint, from, timeoutMs);
    if (eventTime === null) return null;
    return eventTime === 'end' ? { seconds: 0, waiting: false } : { seconds: Math.max(0, now - eventTime), waiting: true };
  } catch {
    return null;
  } finally {
    session.destroy();
  }
}

/** What a replication error number usually means, for an operator deciding which side to trust. */
export function explainErrno(errno: number): string | undefined {
  switch (errno) {
    case 1062:
      return 'a row it was told to insert already exists there: it took a write the other side never saw';
    case 1032:
      return 'a row it was told to change or delete is missing there: its data no longer match the other side';
    case 1146:
      return 'a table the other side changed does not exist there';
    case 1049:
      return 'a database the other side changed does not exist there';
    case 1007:
    case 1050:
      return 'something the other side created already exists there';
    case 1045:
      return 'the replication account was refused: password or grants, no data problem';
    case 2003:
    case 2005:
    case 2013:
      return 'it cannot reach the other side over the network';
    case 1236:
      return 'the other side cannot send the binary log it needs (purged, or the position is invalid)';
    default:
      return undefined;
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** The error text is shown in full beside the thread; verdicts quote only its start. */
const brief = (s: string) => (s.length > 100 ? s.slice(0, 99) + '…' : s);

function threadError(errno: number, message: string, time: string): ThreadError | undefined {
  if (!errno) return undefined;
  return { errno, message: oneLine(message), ...(time ? { time } : {}) };
}

function judge(d: DirectionFacts<string>, r: ReplicaStatus): { verdict: Verdict; reason: string } {
  const R = d.replica;
  const S = d.source;
  if (!r.configured) return { verdict: 'broken', reason: `${R} has no replication from ${S} configured` };
  if (r.sqlRunning !== 'Yes' && d.sqlError) {
    const why = explainErrno(d.sqlError.errno);
    return { verdict: 'broken', reason: `${R}'s SQL thread stopped on error ${d.sqlError.errno}: ${why ?? brief(d.sqlError.message)}` };
  }
  if (r.ioRunning !== 'Yes' && d.ioError) {
    const why = explainErrno(d.ioError.errno);
    return {
      verdict: 'broken',
      reason: `${R}'s IO thread ${r.ioRunning === 'Connecting' ? `cannot connect to ${S}` : 'stopped'} on error ${d.ioError.errno}: ${why ?? brief(d.ioError.message)}`,
    };
  }
  if (r.ioRunning === 'Connecting') return { verdict: 'broken', reason: `${R}'s IO thread is still connecting to ${S}: it receives nothing` };
  if (r.ioRunning !== 'Yes')
    return {
      verdict: 'broken',
      reason: `${R}'s replication threads are stopped (IO ${r.ioRunning}, SQL ${r.sqlRunning}) with no error recorded: someone stopped them, and ${R} receives nothing from ${S}`,
    };
  if (r.sqlRunning !== 'Yes')
    return { verdict: 'lagging', reason: `${R}'s SQL thread is stopped with no error (IO still receiving): ${S}'s changes pile up unapplied${lagText(d)}` };
  if (d.lagSeconds !== null && d.lagSeconds > LAGGING_AFTER_SECONDS) return { verdict: 'lagging', reason: `${R} is ${d.lagSeconds}s behind ${S}` };
  return { verdict: 'healthy', reason: `${R} applies ${S}'s changes${d.lagSeconds === null ? '' : `, ${d.lagSeconds}s behind`}` };
}

function lagText(d: DirectionFacts<string>): string {
  if (d.lagFrom === 'oldest_unapplied') return `; the oldest is ${d.lagSeconds}s old`;
  if (d.lagFrom === 'caught_up') return '; nothing waiting yet';
  return '';
}

export async function gatherDirection<L extends string>(source: Gathered<L>, replica: Gathered<L>, timeoutMs: number): Promise<DirectionFacts<L>> {
  const S = source.facts.side;
  const R = replica.facts.side;
  const d: DirectionFacts<L> = { name: `${S}→${R}`, source: S, replica: R, verdict: 'unknown', reason: '', lagSeconds: null, lagFrom: 'none' };
  const r = replica.replica;
  if (!replica.facts.reachable || !r) {
    d.reason = `${R} is unreachable: cannot tell whether it applies ${S}'s changes`;
    return d;
  }
  d.configured = r.configured;
  d.sourceAddress = r.configured ? `${r.sourceHost}:${r.sourcePort}` : undefined;
  d.io = r.ioRunning;
  d.sql = r.sqlRunning;
  d.ioError = threadError(r.lastIoErrno, r.lastIoError, r.lastIoErrorTime);
  d.sqlError = threadError(r.lastSqlErrno, r.lastSqlError, r.lastSqlErrorTime);
  d.usingGtid = r.usingGtid;
  if (r.configured) {
    d.read = { file: r.readFile, position: r.readPos };
    d.executed = { file: r.execFile, position: r.execPos };
  }
  d.written = source.facts.reachable ? (source.facts.binlog ?? null) : undefined;
  if (d.executed && d.written) d.bytesBehind = bytesBetween(d.executed, d.written, source.binlogSizes);
  if (r.lagSeconds !== null) {
    d.lagSeconds = r.lagSeconds;
    d.lagFrom = 'seconds_behind';
  } else if (d.bytesBehind === 0) {
    d.lagSeconds = 0;
    d.lagFrom = 'caught_up';
  } else if (d.executed && d.written && source.facts.reachable) {
    const age = await oldestUnappliedAge(source.endpoint, d.executed, timeoutMs);
    d.lagSeconds = age?.seconds ?? null;
    d.lagFrom = age === null ? 'none' : age.waiting ? 'oldest_unapplied' : 'caught_up';
  }
  Object.assign(d, judge(d, r));
  return d;
}

/** Number of transactions in a MySQL GTID set text ("uuid:1-5:7,uuid2:3"). */
export function countMysqlGtids(set: string): number {
  let n = 0;
  for (const m of set.replace(/\s/g, '').matchAll(/:(\d+)(?:-(\d+))?/g)) n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  return n;
}

/** What `side` has that the other lacks: by GTID set subtraction when MySQL GTIDs are on, otherwise from its binary log. */
async function lacking(side: Side, g: Record<Side, Gathered>, dirs: DirectionFacts[]): Promise<Lacking> {
  const mine = g[side];
  const theirs = g[other(side)];
  const f = mine.facts;
  if (!mine.session || f.serverId === undefined) return { count: null, unit: 'transactions', detail: 'cannot tell' };
  if (f.gtid?.mode?.toUpperCase() === 'ON' && f.gtid.executed !== undefined) {
    const diff = String(
      (await mine.session
        .value(`SELECT GTID_SUBTRACT(${mine.session.dialect.literal(f.gtid.executed)}, ${mine.session.dialect.literal(theirs.facts.gtid?.executed ?? '')})`)
        .catch(() => '')) ?? '',
    );
    const count = countMysqlGtids(diff);
    return {
      count,
      unit: 'transactions',
      detail: count ? `${count} transaction(s) by GTID set subtraction: ${oneLine(diff)}` : 'no transactions by GTID set subtraction',
    };
  }
  const towardsOther = dirs.find((d) => d.source === side)!;
  if (!towardsOther.executed)
    return { count: null, unit: 'transactions', detail: `cannot tell (${other(side)} has no replication position in ${side}'s binary log)` };
  const bytes = towardsOther.bytesBehind;
  const bytesText = bytes === null || bytes === undefined ? '' : `, ${bytes} bytes of binary log`;
  try {
    const n = await ownEventsSince(mine.endpoint, towardsOther.executed, f.serverId);
    return {
      count: n.transactions,
      unit: 'transactions',
      detail: `${n.transactions} transaction(s) it wrote that ${other(side)} has not executed${describeOwnEvents(n)}${bytesText}`,
    };
  } catch {
    return {
      count: bytes ?? null,
      unit: 'bytes',
      detail: bytes === null || bytes === undefined ? 'cannot tell' : `${bytes} bytes of ${side}'s binary log not executed by ${other(side)}`,
    };
  }
}

const NOT_BY_KEY = {
  'no-key': 'no primary key',
  columns: 'its columns differ between A and B',
  'not-in-time': 'not compared row by row within --compare-timeout',
  failed: 'comparing it row by row failed',
} as const;

const TIME_COLUMNS = stmt(
  "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE DATA_TYPE IN ('timestamp', 'datetime') ORDER BY TABLE_SCHEMA, TABLE_NAME, (COLUMN_NAME REGEXP 'updat|modif|chang') DESC, ORDINAL_POSITION",
);

async function gatherEvidence(g: Record<Side, Gathered>, dirs: DirectionFacts[], opts: GatherOptions): Promise<Evidence> {
  const qa: Query = (s) => g.A.session!.query(s);
  const qb: Query = (s) => g.B.session!.query(s);
  const bounded = (q: Query, side: Side) => (opts.lockWaitSeconds ? lockBounded(q, g[side].session!.identity.version, opts.lockWaitSeconds) : q);
  const ev: Evidence = {
    lacking: { A: await lacking('A', g, dirs), B: await lacking('B', g, dirs) },
    schemas: [],
    tablesCompared: 0,
    differing: [],
  };
  try {
    // The recovery's own comparison: the same figures its preflight reports (what a rebuild of either side overwrites).
    const cmp = await differingTables(bounded(qa, 'A'), bounded(qb, 'B'), { rowsWithinMs: opts.compareTimeoutMs, chunkTimeMs: opts.chunkTimeMs });
    ev.tablesCompared = cmp.compared;
    // Rows per schema from the comparison's own reads (chunk by chunk): no second full read of either server.
    const countOn = (i: 0 | 1) => new Map([...cmp.counts].filter(([, n]) => n[i] !== null).map(([t, n]) => [t, n[i]!] as const));
    const [countA, countB] = [countOn(0), countOn(1)];
    const schemas = new Map<string, Record<Side, number>>();
    for (const [side, m] of [
      ['A', countA],
      ['B', countB],
    ] as const)
      for (const [t, n] of m) {
        const schema = t.slice(0, t.indexOf('.'));
        const e = schemas.get(schema) ?? { A: 0, B: 0 };
        e[side] += n;
        schemas.set(schema, e);
      }
    ev.schemas = [...schemas].sort(([x], [y]) => x.localeCompare(y)).map(([schema, rows]) => ({ schema, rows }));
    const timeCols = new Map<string, string>();
    for (const r of await qa(TIME_COLUMNS)) {
      const t = `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`;
      if (!timeCols.has(t)) timeCols.set(t, String(r.COLUMN_NAME));
    }
    const newest = async (q: Query, t: string, col: string) => {
      const v = (await q(stmt(`SELECT MAX(${ident(col)}) AS newest FROM ${quoteTable(t)}`)).catch(() => []))[0]?.newest;
      return v === null || v === undefined ? null : String(v);
    };
    for (const { table: t, rows, detail } of cmp.differing) {
      const presentOn: Side[] = [...(rows[0] !== null ? ['A' as const] : []), ...(rows[1] !== null ? ['B' as const] : [])];
      const diff: TableDifference = { table: t, rows: { A: rows[0], B: rows[1] }, presentOn };
      if (detail?.kind === 'rows') diff.byKey = { onlyOn: { A: detail.onlyOnFirst, B: detail.onlyOnSecond }, differ: detail.differ };
      else if (detail && detail.kind !== 'one-side') diff.notByKey = NOT_BY_KEY[detail.kind] + (detail.kind === 'failed' ? ` (${detail.error})` : '');
      const col = timeCols.get(t);
      if (col && presentOn.length === 2) diff.newest = { column: col, A: await newest(qa, t, col), B: await newest(qb, t, col) };
      ev.differing.push(diff);
    }
    for (const n of cmp.notCompared)
      ev.differing.push({ table: n.table, rows: { A: null, B: null }, presentOn: ['A', 'B'], notByKey: `could not be compared: ${n.error}` });
  } catch (err) {
    ev.error = `could not compare the tables: ${(err as Error).message}`;
  }
  return ev;
}

function recoverCommand(good: Side, opts: GatherOptions, g: Record<Side, Gathered>): string {
  return opts.recoverCommand?.(good) ?? `mmrecover recover --good ${g[good].facts.address} --bad ${g[other(good)].facts.address}`;
}

function recommendOne(broken: DirectionFacts, healthy: DirectionFacts, g: Record<Side, Gathered>, opts: GatherOptions): Recommendation {
  const bad = broken.replica;
  const good = other(bad);
  const reasons = [`${bad} stopped replicating from ${good}: ${broken.reason}`, `${good} still follows ${bad} (${healthy.name} ${healthy.verdict})`];
  const caveats: string[] = [];
  if (!broken.sqlError && broken.ioError)
    caveats.push(`only ${bad}'s IO thread failed: fixing the connection or the replication account may be enough, without a rebuild`);
  if (!broken.sqlError && !broken.ioError) caveats.push(`no error was recorded: if ${bad}'s data are intact, START SLAVE on ${bad} may be enough`);
  if (broken.bytesBehind) caveats.push(`${bad} has not executed ${broken.bytesBehind} bytes of ${good}'s binary log`);
  return { good, bad, reasons, caveats, command: recoverCommand(good, opts, g) };
}

function recommendBoth(dirs: DirectionFacts[], ev: Evidence | undefined, g: Record<Side, Gathered>, opts: GatherOptions): Recommendation {
  const errorOf = (s: Side) => dirs.find((d) => d.replica === s)!.sqlError;
  const reasons: string[] = [];
  let good: Side | undefined;
  const [ea, eb] = [errorOf('A'), errorOf('B')];
  if (Boolean(ea) !== Boolean(eb)) {
    const failed: Side = ea ? 'A' : 'B';
    good = other(failed);
    const e = (ea ?? eb)!;
    reasons.push(
      `${failed} failed to apply ${good}'s changes (error ${e.errno}${explainErrno(e.errno) ? `: ${explainErrno(e.errno)}` : ''}); ${good} applied everything of ${failed}'s it received without error`,
    );
  }
  const la = ev?.lacking.A.count ?? null;
  const lb = ev?.lacking.B.count ?? null;
  if (la !== null && lb !== null && ev!.lacking.A.unit === ev!.lacking.B.unit) {
    const more: Side | undefined = la > lb ? 'A' : lb > la ? 'B' : undefined;
    if (more) {
      good ??= more;
      reasons.push(
        `${more} holds more that the other lacks (${ev!.lacking[more].count} ${ev!.lacking[more].unit} against ${ev!.lacking[other(more)].count}): rebuilding ${other(more)} discards less`,
      );
    }
  }
  const ro = (s: Side) => g[s].facts.readOnly;
  if (ro('A') !== ro('B')) {
    const writable: Side = ro('A') ? 'B' : 'A';
    good ??= writable;
    reasons.push(`${other(writable)} is read_only, so the application most likely wrote to ${writable}`);
  }
  if (!good) {
    good = 'A';
    reasons.push('no evidence favours either side; A is suggested only by default: look at the differing tables before choosing');
  }
  const bad = other(good);
  const caveats = [`rebuilding ${bad} discards what only ${bad} has (${ev?.lacking[bad].detail ?? 'unknown'}); save those rows first if they matter`];
  if (ev?.differing.length) caveats.push(`tables that differ: ${ev.differing.map((d) => d.table).join(', ')}`);
  return { good, bad, reasons, caveats, command: recoverCommand(good, opts, g) };
}

/** Look at both servers (each may be unreachable) and judge each direction. Never throws for a server problem. */
export async function gatherPairStatus(endpoints: Record<Side, Endpoint>, opts: GatherOptions): Promise<PairStatus> {
  const address = (e: Endpoint) => describeEndpoint({ host: e.host, port: e.port });
  const [ga, gb] = await Promise.all([
    gatherServer('A', endpoints.A, address(endpoints.A), opts.connectTimeoutMs),
    gatherServer('B', endpoints.B, address(endpoints.B), opts.connectTimeoutMs),
  ]);
  const g: Record<Side, Gathered> = { A: ga, B: gb };
  try {
    const dirs: [DirectionFacts, DirectionFacts] = await Promise.all([
      gatherDirection(ga, gb, opts.connectTimeoutMs),
      gatherDirection(gb, ga, opts.connectTimeoutMs),
    ]);
    const status: PairStatus = { checkedAt: new Date().toISOString(), servers: { A: ga.facts, B: gb.facts }, directions: dirs, notes: [] };
    const down = (['A', 'B'] as const).filter((s) => !g[s].facts.reachable);
    for (const s of down)
      status.notes.push(
        `${s} is unreachable (${g[s].facts.error}); start it or fix the connection, then look again: a server that is down is not evidence that its data are bad`,
      );
    if (down.length) return status;
    if (ga.facts.serverId === gb.facts.serverId && ga.facts.serverUuid === gb.facts.serverUuid)
      status.notes.push(`A and B are the same server (server_id ${ga.facts.serverId}): check the addresses`);
    for (const d of dirs) {
      const src = g[d.source].facts;
      if (d.configured && src.serverId !== undefined) {
        const sid = g[d.replica].replica?.sourceServerId;
        if (sid && sid !== src.serverId)
          status.notes.push(`${d.replica} replicates from server_id ${sid} (${d.sourceAddress}), not from ${d.source} (server_id ${src.serverId})`);
      }
    }
    const broken = dirs.filter((d) => d.verdict === 'broken');
    // Whenever a direction is broken, what only A and only B hold is part of the decision (and of what a rebuild
    // would overwrite): the same figures recover's preflight reports.
    if (broken.length > 0 && opts.evidence) status.evidence = await gatherEvidence(g, dirs, opts);
    if (broken.length === 1)
      status.recommendation = recommendOne(
        broken[0],
        dirs.find((d) => d !== broken[0])!,
        g,
        opts,
      );
    if (broken.length === 2) status.recommendation = recommendBoth(dirs, status.evidence, g, opts);
    return status;
  } finally {
    await Promise.all([ga.session?.close(), gb.session?.close()]);
  }
}

/** 0 when both directions are healthy; the worst verdict otherwise. */
export function worstVerdict(s: PairStatus): Verdict {
  const order: Verdict[] = ['healthy', 'lagging', 'broken', 'unknown'];
  return s.directions.map((d) => d.verdict).reduce((w, v) => (order.indexOf(v) > order.indexOf(w) ? v : w), 'healthy' as Verdict);
}
