// Reading replication state through the dialect: normalized so that callers never see flavor-specific column names.
import type { ServerSession, Row } from './session.js';
import { usesGtid, type Dialect } from '../../dialect/dialect.js';

/** A point in a server's binary log and, on MariaDB GTID pairs, the GTID position it corresponds to. */
export interface Coordinates {
  file: string;
  position: number;
  gtid?: string;
}

export interface ReplicaStatus {
  configured: boolean;
  ioRunning: string; // Yes / No / Connecting
  sqlRunning: string;
  sourceHost: string;
  sourcePort: number;
  sourceServerId: number;
  readFile: string;
  readPos: number;
  execFile: string;
  execPos: number;
  lagSeconds: number | null;
  lastIoErrno: number;
  lastIoError: string;
  lastIoErrorTime: string;
  lastSqlErrno: number;
  lastSqlError: string;
  lastSqlErrorTime: string;
  sslAllowed: string;
  usingGtid: boolean;
  /** The raw row, for display of fields this type does not name. */
  raw: Row;
}

export const NOT_CONFIGURED: ReplicaStatus = {
  configured: false,
  ioRunning: 'No',
  sqlRunning: 'No',
  sourceHost: '',
  sourcePort: 0,
  sourceServerId: 0,
  readFile: '',
  readPos: 0,
  execFile: '',
  execPos: 0,
  lagSeconds: null,
  lastIoErrno: 0,
  lastIoError: '',
  lastIoErrorTime: '',
  lastSqlErrno: 0,
  lastSqlError: '',
  lastSqlErrorTime: '',
  sslAllowed: 'No',
  usingGtid: false,
  raw: {},
};

/** File and Position from SHOW MASTER STATUS (or its newer names); undefined when binary logging is off. */
export function parseCoordinates(rows: Row[]): Coordinates | undefined {
  const r = rows[0];
  return r?.File ? { file: String(r.File), position: Number(r.Position) } : undefined;
}

export async function readCoordinates(s: ServerSession): Promise<Coordinates> {
  const c = parseCoordinates(await s.query(s.dialect.showBinlogStatus()));
  if (!c) throw new Error(`${s.label}: binary logging is off (${s.dialect.showBinlogStatus().sql} returned nothing); it cannot act as a master`);
  return c;
}

export async function readReplicaStatus(s: ServerSession): Promise<ReplicaStatus> {
  return parseReplicaStatus(await s.query(s.dialect.showReplicaStatus()), s.dialect);
}

/** The default channel's row of SHOW REPLICA STATUS (MySQL lists every channel), column names normalized. */
export function parseReplicaStatus(rows: Row[], d: Dialect): ReplicaStatus {
  const r = rows.find((x) => !x[d.replicaColumns.channel]) ?? rows[0];
  if (!r) return NOT_CONFIGURED;
  const c = d.replicaColumns;
  const str = (k: string | null) => (k === null || r[k] === null || r[k] === undefined ? '' : String(r[k]));
  const num = (k: string) => Number(r[k] ?? 0);
  const lag = r[c.lag];
  return {
    configured: str(c.sourceHost) !== '',
    ioRunning: str(c.ioRunning),
    sqlRunning: str(c.sqlRunning),
    sourceHost: str(c.sourceHost),
    sourcePort: num(c.sourcePort),
    sourceServerId: num(c.sourceServerId),
    readFile: str(c.readFile),
    readPos: num(c.readPos),
    execFile: str(c.execFile),
    execPos: num(c.execPos),
    lagSeconds: lag === null || lag === undefined || lag === '' ? null : Number(lag),
    lastIoErrno: num(c.lastIoErrno),
    lastIoError: str(c.lastIoError),
    lastIoErrorTime: str(c.lastIoErrorTime),
    lastSqlErrno: num(c.lastSqlErrno),
    lastSqlError: str(c.lastSqlError),
    lastSqlErrorTime: str(c.lastSqlErrorTime),
    sslAllowed: str(c.sslAllowed),
    usingGtid: usesGtid(r[c.gtidMode]),
    raw: r,
  };
}

export function replicaRunning(r: ReplicaStatus): boolean {
  return r.ioRunning === 'Yes' && r.sqlRunning === 'Yes';
}
