// How to reach one server: what the operator typed, parsed. Pure data, no I/O.

export interface TlsSettings {
  /** DISABLED | PREFERRED | REQUIRED | VERIFY_CA | VERIFY_IDENTITY (MySQL client names; MariaDB's --ssl maps to REQUIRED). */
  mode: 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Endpoint {
  /** Label used in every message: "GS", "BS", "A", "B". */
  label: string;
  host: string;
  port: number;
  /** Unix socket path; when set, host/port are only used for display and for the peer's replication address. */
  socket?: string;
  user: string;
  password: string;
  /** Absent: no TLS setting was given (the clients' default, PREFERRED). */
  tls?: TlsSettings;
  /** The server offered TLS to the tool's own session (for clients that have no PREFERRED mode of their own). */
  serverTls?: boolean;
}

/** "host", "host:port", "[::1]:3307" → host and port. Throws a plain Error with a one-line message on bad input. */
export function parseHostPort(text: string, defaultPort = 3306): { host: string; port: number } {
  const value = text.trim();
  if (value === '') throw new Error('is empty; expected host or host:port');
  let host = value;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if ((value.match(/:/g) ?? []).length === 1) {
    [host, portText] = value.split(':');
  }
  if (host === '') throw new Error(`"${text}" has no host name`);
  if (/\s/.test(host)) throw new Error(`"${text}" contains spaces`);
  if (portText === undefined || portText === '') return { host, port: defaultPort };
  if (!/^\d+$/.test(portText)) throw new Error(`"${text}" has a port that is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new Error(`"${text}" has port ${port}; ports are 1-65535`);
  return { host, port };
}

export function describeEndpoint(e: Pick<Endpoint, 'host' | 'port' | 'socket'>): string {
  return e.socket ? `${e.host}:${e.port} (socket ${e.socket})` : `${e.host}:${e.port}`;
}
