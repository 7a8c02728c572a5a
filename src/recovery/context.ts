// What a step may look at when it computes its actions: settings, the servers' identities and dialects, what the
// run has learned so far, and read-only access to the servers. Steps cannot write: only the executor runs actions.
import type { Settings } from '../config/settings.js';
import type { Members } from '../config/members.js';
import type { Row, ServerIdentity } from '../adapters/mysql/session.js';
import type { ClientProgram, Clients } from '../adapters/shell/clients.js';
import type { OwnEvents } from '../adapters/shell/binlog-reader.js';
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { HostAccess, HostResult, RunOnHostOptions } from '../adapters/shell/host-exec.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Statement } from '../dialect/statement.js';
import type { Member, Role } from './actions.js';
import type { Emit } from './events.js';
import type { RecoveryState } from './state.js';

export type { Role };

/** A read-only query on a role's session: it refuses any statement that could change something. */
export type Read = (role: Role, s: Statement) => Promise<Row[]>;

/**
 * What planning needs to know of this machine and of logins beyond reading the servers, supplied by the engine
 * (engine/host-probes.ts): the recovery opens no session and spawns no process of its own. Each probe only looks.
 */
export interface HostProbes {
  /** undefined when `user` logs in to GS with `password` (the replication account); the error otherwise. */
  loginToGs(user: string, password: string): Promise<Error | undefined>;
  /** Free bytes of the filesystem holding `path` (or, with orNearestParent, its nearest existing parent); undefined when it does not exist here. */
  freeBytes(path: string, o?: { orNearestParent?: boolean }): Promise<number | undefined>;
  /** A file the run itself wrote (BS's own accounts, kept by step 2), as text. */
  readKept(path: string): Promise<string>;
  /** A command that only looks (`test -r`, `df`, `--version`) on a server's host, here or through ssh; `check` rejects a non-zero exit. */
  run(h: HostAccess, argv: readonly string[], o?: RunOnHostOptions): Promise<HostResult>;
  check(h: HostAccess, argv: readonly string[], o?: RunOnHostOptions): Promise<HostResult>;
  /** The binlog reader found on this machine (mariadb-binlog or mysqlbinlog). */
  binlogReader(): Promise<ClientProgram>;
  /** The transactions BS wrote itself after `from` in its binary log, read with the binlog reader. */
  bsOwnEvents(from: Coordinates, serverId: number): Promise<Omit<OwnEvents, 'bytes'>>;
}

export interface RecoveryContext {
  /** The run's options. Its servers are the members below: no step works an address out of the settings again. */
  settings: Settings;
  /** The run's servers, resolved once (config/members.ts): each one's address, replication address, endpoint, name. */
  members: Members;
  /** Each member's identity (GS, BS, a ring's D, E, …, the donor R); absent when it did not answer (a dry run only). */
  identity: Partial<Record<Member, ServerIdentity>>;
  /** Each member's dialect (an offline default for one that did not answer); GS's and BS's always. */
  dialect: Record<Role, Dialect> & Partial<Record<Member, Dialect>>;
  /** A read-only query on any member's session (a method: a reader of GS and BS only still fits). */
  read(member: Member, s: Statement): Promise<Row[]>;
  /** The client programs found on this machine (dump, import), or why there are none. */
  clients: () => Promise<Clients>;
  /** With --assume, `clients` are the assumed host's: these are the ones found on this machine (to say so). */
  localClients?: () => Promise<Clients>;
  host: HostProbes;
  state: RecoveryState;
  signal: AbortSignal;
  emit: Emit;
  /** The journal's path (backups go beside it unless --backup-dir says otherwise). */
  journalPath?: string;
  /** The session ids the tool itself holds on each server (never listed as foreign clients). */
  ownThreadIds: Record<Role, number[]>;
  /** --donor: the replica of GS the copy reads (role R; its address is members.R); identity absent when it did not answer (a dry run only). */
  donor?: { identity?: ServerIdentity; dialect: Dialect; read: (s: Statement) => Promise<Row[]> };
}

export const reachable = (ctx: RecoveryContext, role: Role): boolean => ctx.identity[role] !== undefined;
export const bothReachable = (ctx: RecoveryContext): boolean => reachable(ctx, 'GS') && reachable(ctx, 'BS');

/** "BS 10.0.0.2:3306" for messages. */
export function serverName(ctx: RecoveryContext, role: Role): string {
  return ctx.members[role].name;
}
