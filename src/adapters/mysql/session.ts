// The MySQL adapter: every statement the tool sends to a server goes through a ServerSession.
//
// Bounds. A server can hang instead of failing (SIGSTOPped, its disk stalled, a network path dropping packets): its
// kernel still completes TCP handshakes and acknowledges what we send, so nothing ever errors. Connecting is bounded by
// connectTimeoutMs (TCP connect, greeting, TLS, login, and reading the server's variables). Statements are bounded by
// queryTimeoutMs (session default) or a per-call timeoutMs: past it the call rejects with ServerTimeout naming the server,
// and the session is closed (see ServerSession.query for why it cannot be kept).
import { connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { describeEndpoint, type Endpoint } from './endpoint.js';
import { parseVersion, type ServerVersion } from '../../dialect/version.js';
import { dialectFor, type Dialect } from '../../dialect/dialect.js';
import { quotingFor, type Statement } from '../../dialect/statement.js';

export type Row = Record<string, unknown>;

/** An error an operator can act on: one line, naming the server. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly errno?: number,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** A server that did not answer within a bound: "GS 127.0.0.1:3306 did not answer within 10 s (…)". */
export class ServerTimeout extends ServerError {
  constructor(
    message: string,
    /** "GS 127.0.0.1:3306" */
    readonly server: string,
    readonly timeoutMs: number,
    /** connect: no greeting or login (or variables) in time; query: a statement on an open session. */
    readonly phase: 'connect' | 'query',
  ) {
    super(message, 'ETIMEDOUT');
    this.name = 'ServerTimeout';
  }
}

export interface ServerIdentity {
  version: ServerVersion;
  serverId: number;
  serverUuid: string;
  hostname: string;
  port: number;
  datadir: string;
  logBin: boolean;
  logSlaveUpdates: boolean;
  binlogFormat: string;
  readOnly: boolean;
  autoIncrementIncrement: number;
  autoIncrementOffset: number;
  /** MySQL gtid_mode (OFF/ON/...); MariaDB has none. */
  gtidMode?: string;
  /** MariaDB gtid positions. */
  gtidBinlogPos?: string;
  gtidSlavePos?: string;
  gtidStrictMode?: boolean;
  /** MySQL gtid_executed. */
  gtidExecuted?: string;
  /** This session's sql_mode: how it reads the literals the tool writes (NO_BACKSLASH_ESCAPES). */
  sqlMode?: string;
  /** The cipher of this session's TLS, empty when it is not encrypted (Ssl_cipher). */
  sslCipher?: string;
}

export interface ConnectOptions {
  /** Bound on connecting, login and reading the server's variables (default 10 s). */
  connectTimeoutMs?: number;
  /** Default bound on every statement of this session (undefined or 0: none); see ServerSession.query. */
  queryTimeoutMs?: number;
}

export interface QueryOptions {
  /** Bound on this statement, overriding the session's queryTimeoutMs; 0: none for this call. */
  timeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** At least this long for reading the variables after a login that used up most of the connect bound. */
const MIN_IDENTITY_MS = 1000;
/** How long close() waits for statements still running before it drops the connection (no query bound set). */
const CLOSE_WAIT_MS = 2000;

/** "GS 127.0.0.1:3306": the server as every timeout message names it. */
export function serverName(e: Endpoint): string {
  return `${e.label} ${describeEndpoint(e)}`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

interface Pending {
  shown: string;
  reject: (err: Error) => void;
}

/** Settles as `p` does, or rejects with onTimeout() after `ms` (0/undefined: no bound). */
function bounded<T>(p: Promise<T>, ms: number | undefined, onTimeout: () => Error): Promise<T> {
  if (!ms) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** One-line reason for a failed connection, for the operator. */
export function explainConnectError(e: Endpoint, err: unknown): string {
  const where = `${e.label} (${describeEndpoint(e)})`;
  const code = (err as { code?: string }).code;
  const msg = (err as Error).message ?? String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `${where} does not answer: connection refused. Is the server running and is the port right?`;
    case 'ENOENT':
      return `${where}: the socket file does not exist. Is the server running?`;
    case 'ETIMEDOUT':
      return `${where} does not answer: connection timed out. Check the address and any firewall.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: the host name does not resolve.`;
    case 'ER_ACCESS_DENIED_ERROR':
      return `${where} refused the login for user '${e.user}': wrong password or no such account. Check MMRECOVER_PASSWORD.`;
    case 'HANDSHAKE_SSL_ERROR':
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return `${where}: TLS failed (${msg}). Check --ssl-mode and the certificate files.`;
    default:
      return `${where}: cannot connect (${code ?? ''}${code ? ': ' : ''}${msg})`;
  }
}

export class ServerSession {
  private lost?: Error;
  private lostHandlers: Array<(err: Error) => void> = [];
  private pending = new Set<Pending>();
  /** Default bound on each statement (undefined or 0: none). The read lock may tighten it for UNLOCK TABLES. */
  queryTimeoutMs: number | undefined;

  private constructor(
    readonly endpoint: Endpoint,
    private readonly conn: Connection,
    /** The socket under the connection (under TLS too): destroying it frees a connection to a frozen server at once. */
    private readonly socket: Socket,
    readonly identity: ServerIdentity,
    readonly dialect: Dialect,
    queryTimeoutMs: number | undefined,
  ) {
    this.queryTimeoutMs = queryTimeoutMs;
    conn.on('error', (err: Error) => this.markLost(err));
    conn.on('end', () => this.markLost(new Error('connection closed')));
  }

  /**
   * Connect, log in and read the server's variables, all within connectTimeoutMs (reading the variables gets at least
   * 1 s, even when the login used up most of the bound). A server that accepts the TCP connection but never speaks (a stopped process: the
   * kernel completes the handshake from its listen backlog) fails with ServerTimeout, not a hang.
   */
  static async connect(endpoint: Endpoint, opts: ConnectOptions = {}): Promise<ServerSession> {
    const connectTimeoutMs = opts.connectTimeoutMs || DEFAULT_CONNECT_TIMEOUT_MS;
    const started = Date.now();
    // Our own socket, so that we know how far the connection got and can destroy it outright.
    let socket: Socket | undefined;
    const reached = { accepted: false, greeted: false };
    const stream = () => {
      const s = endpoint.socket ? netConnect(endpoint.socket) : netConnect(endpoint.port, endpoint.host);
      if (!endpoint.socket) s.setNoDelay(true); // as mysql2 does for its own TCP sockets
      s.once('connect', () => {
        reached.accepted = true;
        if (!endpoint.socket) s.setKeepAlive(true);
      });
      s.once('data', () => (reached.greeted = true));
      socket = s;
      return s;
    };
    const open = (ssl: mysql.SslOptions | undefined) =>
      mysql.createConnection({
        host: endpoint.socket ? undefined : endpoint.host,
        port: endpoint.socket ? undefined : endpoint.port,
        socketPath: endpoint.socket,
        stream,
        user: endpoint.user,
        password: endpoint.password,
        // mysql2 clears this timer only when the login has completed: it bounds greeting, TLS and login too.
        connectTimeout: connectTimeoutMs,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        multipleStatements: false,
        ssl,
      });
    let conn: Connection;
    try {
      conn = await open(tlsOptions(endpoint)).catch((err: { code?: string }) => {
        // No TLS setting given (the clients' own default, PREFERRED): encrypt when the server offers TLS, plainly when
        // it does not. A TLS handshake that fails for any other reason is an error, as with the mysql client.
        if (preferred(endpoint) && err.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
          socket?.destroy();
          return open(undefined);
        }
        throw err;
      });
    } catch (err) {
      socket?.destroy();
      const code = (err as { code?: string }).code;
      if (code === 'ETIMEDOUT' && reached.accepted) {
        const what = reached.greeted ? 'it sent its greeting but did not complete the login' : 'it accepted the connection but sent no greeting';
        throw new ServerTimeout(
          `${serverName(endpoint)} did not answer within ${seconds(connectTimeoutMs)}: ${what} (the server process is stopped or hung, or its disk stalled)`,
          serverName(endpoint),
          connectTimeoutMs,
          'connect',
        );
      }
      throw new ServerError(explainConnectError(endpoint, err), code);
    }
    const sock = socket!;
    const left = Math.max(MIN_IDENTITY_MS, connectTimeoutMs - (Date.now() - started));
    try {
      const identity = await bounded(readIdentity(conn), left, () => {
        const s = serverName(endpoint);
        return new ServerTimeout(
          `${s} did not answer within ${seconds(left)}: it accepted the login but not the first query (the server process is stopped or hung, or its disk stalled)`,
          s,
          left,
          'connect',
        );
      });
      return new ServerSession(endpoint, conn, sock, identity, dialectFor(identity.version, quotingFor(identity.sqlMode)), opts.queryTimeoutMs);
    } catch (err) {
      conn.destroy();
      sock.destroy();
      if (err instanceof ServerTimeout) throw err;
      throw new ServerError(`${endpoint.label}: connected but could not read server variables: ${(err as Error).message}`);
    }
  }

  get label(): string {
    return this.endpoint.label;
  }

  get threadId(): number {
    return this.conn.threadId ?? -1;
  }

  /** Set when the connection has been lost; the read lock (if any) went with it. */
  get lostReason(): Error | undefined {
    return this.lost;
  }

  onLost(handler: (err: Error) => void): void {
    this.lostHandlers.push(handler);
  }

  private markLost(err: Error): void {
    if (this.lost) return;
    this.lost = err;
    for (const h of this.lostHandlers) h(err);
  }

  /**
   * Run a statement and return its rows (empty for statements without a result set), within `opts.timeoutMs` or the
   * session's queryTimeoutMs (0 or unset: no bound).
   *
   * Past the bound the call rejects with ServerTimeout ("GS 127.0.0.1:3306 did not answer within 10 s (SELECT 1) …"),
   * the session is marked lost (onLost handlers run) and closed, and every other statement waiting on it is rejected.
   * It cannot be kept: the timed-out statement may still run, or already have run, once the server answers again, and
   * the protocol has no way to cancel it from this connection; mysql2 would queue every later statement behind it.
   * Closing it releases what it held (a read lock, a transaction) as soon as the server reads again.
   *
   * mysql2's own per-query `timeout` is not used, because it does less: its timer starts only when the statement
   * reaches the head of the connection's queue (so one queued behind a hung statement is never bounded), and on timeout
   * it only fails the callback (PROTOCOL_SEQUENCE_TIMEOUT), leaving the connection open with the hung statement in front.
   * Here the bound runs from the call.
   */
  async query(statement: Statement | string, opts: QueryOptions = {}): Promise<Row[]> {
    const raw = await this.send(statement, opts);
    return Array.isArray(raw) ? (raw as Row[]) : [];
  }

  /** A statement that changes rows (a bounded DELETE): how many it changed, by the same bounded path as query. */
  async affectedRows(statement: Statement, opts: QueryOptions = {}): Promise<number> {
    const raw = (await this.send(statement, opts)) as { affectedRows?: number };
    return Number(raw?.affectedRows ?? 0);
  }

  private async send(statement: Statement | string, opts: QueryOptions): Promise<unknown> {
    const s = typeof statement === 'string' ? { sql: statement, shown: statement } : statement;
    if (this.lost) throw new ServerError(`${this.label}: the connection was lost (${this.lost.message}); could not run: ${s.shown}`);
    const timeoutMs = opts.timeoutMs ?? this.queryTimeoutMs;
    const entry: Pending = { shown: s.shown, reject: () => undefined };
    const settled = new Promise<unknown>((resolve, reject) => {
      entry.reject = reject;
      this.conn.query<RowDataPacket[]>(s.sql).then(
        ([rows]) => resolve(rows),
        (err: unknown) => {
          const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
          // Never echo the SQL text itself: it may carry a password. `shown` is masked; a syntax error's "near '…'"
          // quotes the text sent, so it goes too when the statement holds a secret.
          let why = e.sqlMessage ?? e.message ?? '';
          if (s.sql !== s.shown) why = why.replace(/ near '[\s\S]*$/, ' (the text near the error is not shown: the statement holds a password)');
          reject(new ServerError(`${this.label}: ${s.shown} failed: ${why}`, e.code, e.errno));
        },
      );
    });
    this.pending.add(entry);
    try {
      return await bounded(settled, timeoutMs, () => {
        const name = serverName(this.endpoint);
        const err = new ServerTimeout(
          `${name} did not answer within ${seconds(timeoutMs!)} (${s.shown}); the session was closed, so whether the statement took effect is unknown`,
          name,
          timeoutMs!,
          'query',
        );
        this.pending.delete(entry);
        this.abandon(err);
        return err;
      });
    } finally {
      this.pending.delete(entry);
    }
  }

  async value(sql: string, opts: QueryOptions = {}): Promise<unknown> {
    const rows = await this.query(sql, opts);
    const first = rows[0];
    return first ? Object.values(first)[0] : undefined;
  }

  /**
   * Say goodbye (COM_QUIT) once running statements are done, waiting for them at most the session's queryTimeoutMs (2 s
   * if none); then the connection is dropped. Never hangs on a frozen server.
   */
  async close(): Promise<void> {
    if (this.lost) return this.destroy();
    this.lost = new Error('closed by mmrecover');
    const waitMs = this.queryTimeoutMs || CLOSE_WAIT_MS;
    const quit = await bounded(
      this.conn.end().then(() => true),
      waitMs,
      () => new Error('close timed out'),
    ).catch(() => false);
    if (!quit) return this.destroy();
    // The server closes its end after QUIT; a frozen one never will, so do not keep the socket open for it.
    const t = setTimeout(() => this.socket.destroy(), 1000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  /** Drop the connection at once (used by abort paths: a closed session releases its read lock). */
  destroy(): void {
    this.lost ??= new Error('closed by mmrecover');
    this.dropConnection(this.lost);
  }

  /** A statement timed out: the session is lost (its holders are told), and closed. */
  private abandon(err: Error): void {
    this.markLost(err);
    this.dropConnection(err);
  }

  private dropConnection(reason: Error): void {
    // mysql2 does not call back statements still waiting on a connection it closes: reject them here, or they hang.
    for (const p of this.pending) p.reject(new ServerError(`${this.label}: the connection was lost (${reason.message}); could not run: ${p.shown}`));
    this.pending.clear();
    this.conn.destroy();
    this.socket.destroy();
  }
}

/** No TLS setting was given, over TCP: PREFERRED, as the mysql clients default to. */
const preferred = (e: Endpoint) => !e.socket && (e.tls === undefined || e.tls.mode === 'PREFERRED');

function tlsOptions(e: Endpoint): mysql.SslOptions | undefined {
  // Encrypted without checking the certificate (PREFERRED, like REQUIRED below); a server without TLS gets a retry.
  const read = (p?: string) => (p ? readFileSyncCached(p) : undefined);
  if (preferred(e)) return { ca: read(e.tls?.ca), cert: read(e.tls?.cert), key: read(e.tls?.key), rejectUnauthorized: false };
  if (!e.tls || e.tls.mode === 'DISABLED') return undefined;
  return {
    ca: read(e.tls.ca),
    cert: read(e.tls.cert),
    key: read(e.tls.key),
    // REQUIRED/PREFERRED encrypt without checking the certificate, like the mysql client.
    rejectUnauthorized: e.tls.mode === 'VERIFY_CA' || e.tls.mode === 'VERIFY_IDENTITY',
    ...(e.tls.mode === 'VERIFY_CA' ? { checkServerIdentity: () => undefined } : {}),
  };
}

const fileCache = new Map<string, string>();
function readFileSyncCached(path: string): string {
  let text = fileCache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    fileCache.set(path, text);
  }
  return text;
}

/**
 * The first statement of every session this tool opens: what tells its sessions apart from the copy programs' in a
 * server's general log (src/lab/server-logs.ts), which names no program.
 */
export const IDENTITY_READ = `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version','version_comment','server_id','server_uuid','hostname','port','datadir',
      'log_bin','log_slave_updates','log_replica_updates','binlog_format','read_only','auto_increment_increment','auto_increment_offset',
      'gtid_mode','gtid_binlog_pos','gtid_slave_pos','gtid_strict_mode','gtid_executed')`;

async function readIdentity(conn: Connection): Promise<ServerIdentity> {
  const [vars] = await conn.query<RowDataPacket[]>(IDENTITY_READ);
  // The session's own sql_mode (init_connect may differ from the global one): it decides how literals are read.
  const [mode] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS m');
  const [cipher] = await conn.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  const v = new Map<string, string>();
  for (const r of vars) v.set(String(r.Variable_name), String(r.Value));
  const on = (name: string) => ['ON', '1'].includes((v.get(name) ?? '').toUpperCase());
  const version = parseVersion(v.get('version') ?? '', v.get('version_comment') ?? '');
  let uuid = v.get('server_uuid') ?? '';
  if (!uuid) {
    // MariaDB has no server_uuid variable; it sends one to replicas. Use the datadir+port+hostname as a stand-in identity.
    uuid = `${v.get('hostname')}:${v.get('port')}:${v.get('datadir')}`;
  }
  return {
    version,
    serverId: Number(v.get('server_id') ?? 0),
    serverUuid: uuid,
    hostname: v.get('hostname') ?? '',
    port: Number(v.get('port') ?? 0),
    datadir: v.get('datadir') ?? '',
    logBin: on('log_bin'),
    logSlaveUpdates: on('log_slave_updates') || on('log_replica_updates'),
    binlogFormat: v.get('binlog_format') ?? '',
    readOnly: on('read_only'),
    autoIncrementIncrement: Number(v.get('auto_increment_increment') ?? 1),
    autoIncrementOffset: Number(v.get('auto_increment_offset') ?? 1),
    gtidMode: v.get('gtid_mode'),
    gtidBinlogPos: v.get('gtid_binlog_pos'),
    gtidSlavePos: v.get('gtid_slave_pos'),
    gtidStrictMode: v.has('gtid_strict_mode') ? on('gtid_strict_mode') : undefined,
    gtidExecuted: v.get('gtid_executed'),
    sqlMode: String(mode[0]?.m ?? ''),
    sslCipher: String(cipher[0]?.Value ?? ''),
  };
}
