// The MySQL adapter: every statement the tool sends to a server goes through a ServerSession.
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
  connectTimeoutMs?: number;
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

  private constructor(
    readonly endpoint: Endpoint,
    private readonly conn: Connection,
    readonly identity: ServerIdentity,
    readonly dialect: Dialect,
  ) {
    conn.on('error', (err: Error) => this.markLost(err));
    conn.on('end', () => this.markLost(new Error('connection closed')));
  }

  static async connect(endpoint: Endpoint, opts: ConnectOptions = {}): Promise<ServerSession> {
    const open = (ssl: mysql.SslOptions | undefined) =>
      mysql.createConnection({
        host: endpoint.socket ? undefined : endpoint.host,
        port: endpoint.socket ? undefined : endpoint.port,
        socketPath: endpoint.socket,
        user: endpoint.user,
        password: endpoint.password,
        connectTimeout: opts.connectTimeoutMs ?? 10_000,
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
        if (preferred(endpoint) && err.code === 'HANDSHAKE_NO_SSL_SUPPORT') return open(undefined);
        throw err;
      });
    } catch (err) {
      throw new ServerError(explainConnectError(endpoint, err), (err as { code?: string }).code);
    }
    try {
      const identity = await readIdentity(conn);
      return new ServerSession(endpoint, conn, identity, dialectFor(identity.version, quotingFor(identity.sqlMode)));
    } catch (err) {
      await conn.end().catch(() => undefined);
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

  /** Run a statement and return its rows (empty for statements without a result set). */
  async query(statement: Statement | string): Promise<Row[]> {
    const s = typeof statement === 'string' ? { sql: statement, shown: statement } : statement;
    if (this.lost) throw new ServerError(`${this.label}: the connection was lost (${this.lost.message}); could not run: ${s.shown}`);
    try {
      const [rows] = await this.conn.query<RowDataPacket[]>(s.sql);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
      // Never echo the SQL text itself: it may carry a password. `shown` is masked; a syntax error's "near '…'" quotes
      // the text sent, so it goes too when the statement holds a secret.
      let why = e.sqlMessage ?? e.message ?? '';
      if (s.sql !== s.shown) why = why.replace(/ near '[\s\S]*$/, ' (the text near the error is not shown: the statement holds a password)');
      throw new ServerError(`${this.label}: ${s.shown} failed: ${why}`, e.code, e.errno);
    }
  }

  async value(sql: string): Promise<unknown> {
    const rows = await this.query(sql);
    const first = rows[0];
    return first ? Object.values(first)[0] : undefined;
  }

  async close(): Promise<void> {
    this.lost ??= new Error('closed by mmrecover');
    await this.conn.end().catch(() => this.conn.destroy());
  }

  /** Drop the connection at once (used by abort paths: a closed session releases its read lock). */
  destroy(): void {
    this.lost ??= new Error('closed by mmrecover');
    this.conn.destroy();
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

async function readIdentity(conn: Connection): Promise<ServerIdentity> {
  const [vars] = await conn.query<RowDataPacket[]>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version','version_comment','server_id','server_uuid','hostname','port','datadir',
      'log_bin','log_slave_updates','log_replica_updates','binlog_format','read_only','auto_increment_increment','auto_increment_offset',
      'gtid_mode','gtid_binlog_pos','gtid_slave_pos','gtid_strict_mode','gtid_executed')`,
  );
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
