// The plan is a value. A step computes a list of typed actions; what is shown (the plan, the question, the dry run,
// the journal) is rendered from that list, and the executors interpret the very same list. A value known only when
// an action runs (coordinates, a snapshot position, a connection id) is a named slot: shown as <name>, filled from
// the bindings an earlier action captured, and checked against its pattern before anything is sent.
import type { MdlWatchPlan } from './mdl-watch.js';
import type { Row } from '../adapters/mysql/session.js';
import { describeHost, type HostAccess } from '../adapters/shell/host-exec.js';
import type { Clients } from '../adapters/shell/clients.js';
import { dumpVia } from '../adapters/shell/dump-args.js';
import type { Statement } from '../dialect/statement.js';
import { shellQuote } from '../config/shell-quote.js';
import type { RingOther } from '../config/settings.js';
import type { DataSummary, RecoveryState } from './state.js';

export type Role = 'GS' | 'BS';
export type { RingOther } from '../config/settings.js';
/**
 * Who an action runs on: GS or BS; in a ring D, the member that replicated from BS (its downstream), and E, F, … the
 * members after D (only read, and the proof's marker row); or R, the donor (--donor: a replica of GS that the copy
 * reads instead of GS).
 */
export type Member = Role | 'D' | 'R' | RingOther;
/** Whose credentials a client program may need: GS, BS, or the donor R. */
export type FileRole = Role | 'R';
export type Bindings = Record<string, string>;

// A control character marks a slot: it never occurs in SQL text the tool writes, so a slot cannot be forged by a value.
const SLOT = '\u0001';
// eslint-disable-next-line no-control-regex -- the slot marker is a control character on purpose (above)
const SLOT_RE = /\u0001([a-z]+):([^\u0001]+)\u0001/g;
/** What a slot's value may look like: anything else is refused before it reaches SQL text. */
const SLOT_PATTERNS: Record<string, RegExp> = {
  file: /^[A-Za-z0-9._-]+$/,
  int: /^\d+$/,
  gtid: /^[0-9A-Za-z:,\- ]*$/,
};
export type SlotKind = keyof typeof SLOT_PATTERNS;

/** A slot in statement text, e.g. slot('GS File', 'file'); quote it with literal() like any value. */
export function slot(name: string, kind: SlotKind): string {
  return `${SLOT}${kind}:${name}${SLOT}`;
}

/** Text with every slot shown as its value when bound, as <name> otherwise. */
export function renderText(text: string, b: Bindings = {}): string {
  return text.replace(SLOT_RE, (_m, _kind: string, name: string) => b[name] ?? `<${name}>`);
}

/** Text with every slot filled; a missing or malformed value is an error, never a guess. */
export function fillText(text: string, b: Bindings): string {
  return text.replace(SLOT_RE, (_m, kind: string, name: string) => {
    const v = b[name];
    if (v === undefined) throw new Error(`internal: no value for <${name}> when it was needed`);
    if (!SLOT_PATTERNS[kind].test(v)) throw new Error(`refusing to run with ${name} = ${JSON.stringify(v)}: not a valid ${kind}`);
    return v;
  });
}

export function fillStatement(s: Statement, b: Bindings): Statement {
  return { sql: fillText(s.sql, b), shown: fillText(s.shown, b) };
}

/** Stands for the path of a 0600 option file with the credentials of `role`, created when the command runs. */
export const optionFileSlot = (role: FileRole) => `${SLOT}optfile:${role}${SLOT}`;
export const optionFileArg = (role: FileRole) => `--defaults-extra-file=${optionFileSlot(role)}`;
// eslint-disable-next-line no-control-regex -- the slot marker, as above
const OPTION_FILE_RE = /\u0001optfile:(GS|BS|R)\u0001/;
export const OPTION_FILE_SHOWN = '<0600 option file>';

/** A command line: argv, no shell. */
export interface CommandLine {
  program: string;
  args: string[];
  /** What the program runs under (`stdbuf -o64K`), shown and spawned before it; the program stays its name. */
  via?: string[];
}

/** The dump program's command line with these arguments, under the dump's output buffer where the machine has one. */
export function dumpCommand(c: Pick<Clients, 'dump' | 'stdbuf'>, args: string[]): CommandLine {
  const via = dumpVia(c);
  return { program: c.dump.command, args, ...(via ? { via } : {}) };
}

/** argv with the option-file argument pointing at `path` (the executor creates the file). */
export function argvWith(c: CommandLine, files: Partial<Record<FileRole, string>>): string[] {
  return c.args.map((a) =>
    a.replace(OPTION_FILE_RE, (_m, role: FileRole) => {
      const p = files[role];
      if (!p) throw new Error(`internal: no option file for ${role}`);
      return p;
    }),
  );
}

/** Roles whose credentials a command line needs. */
export function optionFileRoles(c: CommandLine): FileRole[] {
  return [...new Set(c.args.map((a) => OPTION_FILE_RE.exec(a)?.[1]).filter((r): r is FileRole => r !== undefined))];
}

export function renderCommand(c: CommandLine): string {
  return [...(c.via ?? []), c.program, ...c.args.map((a) => a.replace(OPTION_FILE_RE, OPTION_FILE_SHOWN))]
    .map((a) => (a.includes(OPTION_FILE_SHOWN) ? a : shellQuote(a)))
    .join(' ');
}

/**
 * A fact a connected run measures before it decides whether an action runs (a variable's value then, what only BS
 * holds, the replication account's privileges). Offline (servers that did not answer, or --assume) the step cannot
 * measure it: the action is shown with its condition, and the rules checker (rules/) takes the branch for each
 * starting state it replays. A connected run never carries a branch to the executor: the step decided.
 */
export type Fact =
  /** The variable's value on `role` when the action runs. */
  | { fact: 'variable'; role: Role; variable: string; is: 'ON' | 'OFF' }
  /** Its value before step 1 changed anything (what step 11 puts back). */
  | { fact: 'variable-before-step-1'; role: Role; variable: string; is: 'ON' | 'OFF' }
  /** The replication account holds CONNECTION_ADMIN or SUPER (MySQL): offline_mode does not refuse its logins. */
  | { fact: 'replication-account-exempt'; is: boolean }
  /** BS holds schemas, rows or transactions that GS does not. */
  | { fact: 'bs-only'; is: boolean }
  /** A server plugin (MySQL's clone) is not installed and active on `role`. */
  | { fact: 'plugin-missing'; role: Role; plugin: 'clone'; is: boolean };

export interface Branch {
  /** Shown after "only": "if super_read_only is ON then (not measured: …)". */
  text: string;
  /** Every fact must hold for the action to run. */
  all: Fact[];
}

interface Base {
  role: Member;
  /** Offline plans only: the action runs only if this holds (see Fact). */
  branch?: Branch;
  /** Why, in a few words, when the action alone does not say it. */
  note?: string;
  /** Runs even when an earlier action of its step failed (a COMMIT, a replica restarted, a fence put back). */
  cleanup?: boolean;
}

/** A statement on the role's session (or on GS's read-lock session). */
export interface SqlAction extends Base {
  kind: 'sql';
  statement: Statement;
  onLockSession?: boolean;
  /** Values read from its result, for later slots and for the state. */
  capture?: (rows: Row[], state: RecoveryState) => Bindings | void;
  /** What it changes in the recovery state once it has run (applied in a dry run too, to show what follows). */
  effect?: (state: RecoveryState) => void;
  /**
   * A bounded DELETE (… LIMIT n): run again until it changes no row, so that no one statement grows with the rows it
   * clears (the plan's note says so; it is recorded once).
   */
  repeatWhileRows?: boolean;
  /**
   * The statement waits for other sessions' locks at most `seconds` (lock_wait_timeout, from --lock-wait-timeout):
   * when the wait runs out (ER_LOCK_WAIT_TIMEOUT, 1205) the run stops with one line naming what `holders` lists.
   */
  lockBound?: LockBound;
}

export interface LockBound {
  seconds: number;
  /** The sessions still there (with their open transactions) and the tables in use or locked. */
  holders: { sessions: Statement; tables: Statement };
}

/** FLUSH TABLES WITH READ LOCK on a dedicated GS session, held until the unlock action. */
export interface LockAction extends Base {
  kind: 'lock';
  statements: Statement[];
  timeoutSeconds: number;
  /** Attempts without a person to ask (--yes); a person is asked before each retry. */
  unattendedAttempts: number;
}

export interface UnlockAction extends Base {
  kind: 'unlock';
  statement: Statement;
}

export interface CopyOutcome {
  bytes: number;
  seconds: number;
  /** From the dump's header (online method). */
  header?: { file: string; position: number; gtidSlavePos?: string };
}

/** `dump | load`, checked for completeness before anything may replicate from it. */
export interface CopyAction extends Base {
  kind: 'copy';
  dump: CommandLine;
  load: CommandLine;
  estimateBytes?: number;
  watchHeader: boolean;
  /** The metadata-lock watch on GS while the copy reads it (online, not --donor); absent: none. */
  mdlWatch?: MdlWatchPlan;
  capture?: (o: CopyOutcome, state: RecoveryState) => void;
}

/** One `dump | load` pair of a parallel copy, with what it is expected to carry. */
export interface CopyStream {
  /** "schema", "mysql schema", "shop.orders [1/2]", "triggers and events". */
  label: string;
  dump: CommandLine;
  load: CommandLine;
  estimateBytes: number;
  estimateRows: number;
}

export interface ParallelCopyOutcome extends CopyOutcome {
  streams: Array<{ label: string; bytes: number; rows: number; seconds: number }>;
  /** How long GS was under the read lock that the streams opened their snapshots under (online). */
  snapshotLockMs?: number;
}

/**
 * The copy in several streams: `before` one after the other (the mysql schema, then every user schema without data or
 * trigger), then `streams` side by side (the data), then `after` (triggers and events, once every row is in: none
 * fires on an imported row). Each pair is checked like the single copy (both exits, stderr, end marker); the first
 * that fails stops all the others. With `snapshotLock` (online), GS's read lock is taken on a dedicated session only
 * while the data streams open their consistent snapshots, GS's coordinates are recorded under it, and it is released.
 */
export interface ParallelCopyAction extends Base {
  kind: 'parallel-copy';
  before: CopyStream[];
  streams: CopyStream[];
  after: CopyStream[];
  snapshotLock?: { statements: Statement[]; timeoutSeconds: number; record: SqlAction[]; release: Statement };
  /** How long GS is locked, and why, in the plan's words. */
  lockSays: string;
  /**
   * The data streams run one after another, in the order shown, not side by side: a copy from a frozen donor in one
   * stream, split into one unit per table so that each is recorded as it completes (--resume).
   */
  oneAtATime?: boolean;
  /** The metadata-lock watch on GS while the streams read it (online, not --donor); absent: none. */
  mdlWatch?: MdlWatchPlan;
  capture?: (o: ParallelCopyOutcome, state: RecoveryState) => void;
  /** Before the first pair runs (a live run): a copy from a frozen donor records how it is split. */
  onStart?: (state: RecoveryState) => void;
  /** As each pair (before, stream or after) completes, by its label: a copy from a frozen donor records it (--resume). */
  onUnit?: (label: string, state: RecoveryState) => void;
}

export interface ExportOutcome {
  file: string;
  bytes: number;
  fileBytes?: number;
  seconds: number;
  transactions?: number;
}

/** A command whose output goes to a file: BS's own events (binlog reader) or a dump piped through gzip. */
export interface ExportAction extends Base {
  kind: 'export';
  tool: 'binlog-events' | 'dump-gzip';
  command: CommandLine;
  file: string;
  header?: string;
  capture?: (o: ExportOutcome, state: RecoveryState) => void;
}

export interface KeepRowsOutcome {
  /** What the comparison of the data measured (absent: the action kept something else, e.g. BS's own accounts). */
  data?: DataSummary;
  /** Statements written: rows only on BS (INSERT), rows that differ (REPLACE), and the tables they are in. */
  inserts: number;
  replaces: number;
  tables: string[];
  /** What else it kept, by name (BS's own accounts, routines, views). */
  names?: string[];
  /** One line for the operator: what was found and kept. */
  text: string;
}

/** What a keep-rows action may do: read both servers (never write them) and hand over the file's text. */
export interface KeepRowsIo {
  read: (role: Role, s: Statement) => Promise<Row[]>;
  signal: AbortSignal;
  progress: (text: string) => void;
  /** Append to the action's file, created (0600) with the first text: nothing written, no file. */
  write: (text: string) => Promise<void>;
}

/**
 * Compare BS's data with GS's (reads only) and write the rows GS lacks or holds otherwise to a file of replayable
 * SQL: what the plan shows is what is compared and where it goes; the rows are known only when it runs.
 */
export interface KeepRowsAction extends Base {
  kind: 'keep-rows';
  /** What is compared, and how, in the plan's words. */
  compares: string;
  file: string;
  collect: (io: KeepRowsIo) => Promise<KeepRowsOutcome>;
  /** `file` is set when something was written. */
  capture?: (o: KeepRowsOutcome & { file?: string; bytes: number }, state: RecoveryState) => void;
}

/** What a wait may do: read (never write), report, and run the sub-actions its value lists. */
export interface ProbeIo {
  read: (role: Member, s: Statement) => Promise<Row[]>;
  signal: AbortSignal;
  progress: (text: string) => void;
  warn: (text: string) => void;
  /** Run one of the wait's own onStall actions (anything else is refused). */
  run: (a: Action) => Promise<void>;
  bindings: Bindings;
  state: RecoveryState;
}

/** Poll until a condition holds (replication running, a marker arrived, the tables compared). */
export interface WaitAction extends Base {
  kind: 'wait';
  condition: string;
  /** The statement it polls with, shown. */
  polls?: Statement;
  probe: (io: ProbeIo) => Promise<void>;
  /** Actions the wait may run once, under the condition `stallNote`. */
  onStall?: Action[];
  stallNote?: string;
}

/** Client connections on BS that are neither ours nor replication: listed, then KILLed if the operator says so. */
export interface ConnectionsAction extends Base {
  kind: 'connections';
  list: Statement;
  /** With a slot 'connection id'. */
  kill: Statement;
}

/** A question inside a step (not the one before it): a No ends the run unless `onNo` says what it means. */
export interface AskAction extends Base {
  kind: 'ask';
  question: string;
  /** Applied to the state on a Yes. */
  onYes?: (state: RecoveryState) => void;
  /** A No is an answer, not a stop: applied to the state. */
  onNo?: (state: RecoveryState) => void;
}

/** A command on a server's host (`role` is whose host): run here, or over ssh (see adapters/shell/host-exec.ts). */
export interface HostAction extends Base {
  kind: 'host';
  host: HostAccess;
  command: CommandLine;
  /** Killed after this long: a hung command must not hold the run. */
  timeoutSeconds: number;
  /** Its standard output, for later slots and the state. */
  capture?: (stdout: string, state: RecoveryState) => void;
}

/** One end of a stream: a command on a role's host. */
export interface HostEnd {
  role: FileRole;
  host: HostAccess;
  command: CommandLine;
}

export interface StreamOutcome {
  bytes: number;
  seconds: number;
}

/** `from | to` between two hosts (each end local or over ssh), checked for completeness like the copy. */
export interface StreamAction extends Base {
  kind: 'stream';
  from: HostEnd;
  to: HostEnd;
  /** What `from` writes on its stderr only when it completed (mariadb-backup: "completed OK!"). */
  fromCompleted: RegExp;
  estimateBytes?: number;
  capture?: (o: StreamOutcome, state: RecoveryState) => void;
}

export interface SwapOutcome {
  /** Which datadir BS runs on once the action ends: the copy, its previous one (rolled back), or none (down). */
  running: 'copy' | 'previous' | 'none';
  /** Where BS's previous datadir is now. */
  kept?: string;
  seconds: number;
}

/**
 * BS stopped, its datadir kept under another name, the prepared copy moved into place (owner as before), BS started and
 * reconnected. If BS does not come back on the copy, its previous datadir goes back and BS is started on that: BS is
 * left running on a complete datadir either way, and the outcome says which.
 */
export interface SwapDatadirAction extends Base {
  kind: 'swap-datadir';
  host: HostAccess;
  datadir: string;
  incoming: string;
  kept: string;
  stop: CommandLine;
  start: CommandLine;
  /** Longest wait for each of stop, start and BS accepting connections. */
  timeoutSeconds: number;
  capture?: (o: SwapOutcome, state: RecoveryState) => void;
}

/**
 * CLONE INSTANCE on BS (MySQL 8.0.17+): BS replaces its data with GS's and restarts itself; the executor waits until BS
 * answers again and reconnects. A statement that ends the session is expected here, not a failure.
 */
export interface CloneAction extends Base {
  kind: 'clone';
  statement: Statement;
  /** Longest wait for the clone and for BS to answer after its restart. */
  timeoutSeconds: number;
}

/** HAProxy's state for one server, set through its runtime API (a stats socket: a path or host:port). */
export interface HaproxyAction extends Base {
  kind: 'haproxy';
  socket: string;
  backend: string;
  server: string;
  state: 'ready' | 'drain' | 'maint';
  /** Read the state first and hand it over (step 1: what step 11 gives back). */
  capture?: (found: 'ready' | 'drain' | 'maint', state: RecoveryState) => void;
  effect?: (state: RecoveryState) => void;
}

/** --fence-command / --unfence-command: `sh -c <command>` on this machine, the servers' addresses in its environment. */
export interface HookAction extends Base {
  kind: 'hook';
  option: '--fence-command' | '--unfence-command';
  command: string;
  /** Added to the environment (addresses and the step; never a password). */
  env: Record<string, string>;
  timeoutSeconds: number;
  effect?: (state: RecoveryState) => void;
}

/** Watch BS's client connections for a while: a new one that is neither ours nor replication stops the run. */
export interface FenceWatchAction extends Base {
  kind: 'fence-watch';
  seconds: number;
  list: Statement;
  /** "after step 1", "before the copy": said in the stop. */
  when: string;
}

/**
 * Step 11, after an HAProxy entry is given back its ready state: watch HAProxy's own session counters until it gives BS
 * a connection, so that the operator hears that traffic reaches BS again (or that it was not seen, and why).
 */
export interface HaproxyTrafficAction extends Base {
  kind: 'haproxy-traffic';
  socket: string;
  backend: string;
  server: string;
  seconds: number;
}

export const haproxyText = (a: Pick<HaproxyAction, 'socket' | 'backend' | 'server' | 'state'>) =>
  `[haproxy ${a.socket}] set server ${a.backend}/${a.server} state ${a.state}`;

export type Action =
  | HaproxyAction
  | HaproxyTrafficAction
  | HookAction
  | FenceWatchAction
  | CloneAction
  | SqlAction
  | LockAction
  | UnlockAction
  | CopyAction
  | ParallelCopyAction
  | ExportAction
  | KeepRowsAction
  | WaitAction
  | ConnectionsAction
  | AskAction
  | HostAction
  | StreamAction
  | SwapDatadirAction;

/** "[local] $ cmd" or "[ssh root@db2] $ cmd": every host command is shown with where it runs. */
export function hostCommandText(host: HostAccess, c: CommandLine): string {
  return `[${describeHost(host)}] $ ${renderCommand(c)}`;
}

/** One line of a rendered plan: what the operator reads, the journal keeps and the tests compare. */
export interface PlanLine {
  role: Member;
  text: string;
  note?: string;
  /** Runs only if this holds (said in the plan). */
  when?: string;
}

/** The lines an action shows, bound values filled in. */
export function renderAction(a: Action, b: Bindings = {}): PlanLine[] {
  const line = (text: string, extra: Partial<PlanLine> = {}): PlanLine => ({
    role: a.role,
    text: renderText(text, b),
    ...(a.note ? { note: a.note } : {}),
    ...(a.branch ? { when: a.branch.text } : {}),
    ...extra,
  });
  switch (a.kind) {
    case 'sql':
      return [line(a.statement.shown)];
    case 'lock':
      return a.statements.map((s) => line(s.shown, { note: a.note ?? 'on a dedicated session, held until the unlock' }));
    case 'unlock':
      return [line(a.statement.shown)];
    case 'copy':
      return [line(`$ ${renderCommand(a.dump)} | ${renderCommand(a.load)}`)];
    case 'parallel-copy':
      return renderParallelCopy(a, line);
    case 'export':
      return [line(`$ ${renderCommand(a.command)}${a.tool === 'dump-gzip' ? ' | gzip' : ''} > ${a.file}`)];
    case 'keep-rows':
      return [line(`compare ${a.compares} > ${a.file}`)];
    case 'wait':
      return [
        line(`wait until ${a.condition}${a.polls ? ` (${a.polls.shown})` : ''}`),
        ...(a.onStall ?? []).flatMap((s) => renderAction(s, b).map((l) => ({ ...l, when: a.stallNote ?? 'if it stalls' }))),
      ];
    case 'connections':
      return [line(a.list.shown), line(a.kill.shown, { when: 'for each client connection found, after you say yes' })];
    case 'ask':
      return [line(`ask: ${a.question}`)];
    case 'host':
      return [line(hostCommandText(a.host, a.command))];
    case 'clone':
      return [line(a.statement.shown), line(`wait until BS has restarted and accepts connections (at most ${a.timeoutSeconds} s)`)];
    case 'stream':
      return [line(`${hostCommandText(a.from.host, a.from.command)} | ${a.to.role}: ${hostCommandText(a.to.host, a.to.command)}`)];
    case 'haproxy':
      return [line(haproxyText(a))];
    case 'hook':
      return [
        line(`[local] $ sh -c ${shellQuote(a.command)}`, {
          note: `${a.option}, with ${Object.entries(a.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}; killed after ${a.timeoutSeconds} s`,
        }),
      ];
    case 'haproxy-traffic':
      return [
        line(`[haproxy ${a.socket}] show stat: watch ${a.backend}/${a.server} for up to ${a.seconds} s until HAProxy gives it a connection`, {
          note: 'a warning if the other servers get three rounds of connections (by weight, at least 10) and it none; said as not observed if no connection goes through the backend',
        }),
      ];
    case 'fence-watch':
      return [
        line(`watch BS’s client connections for ${a.seconds} s, ${a.when} (${a.list.shown})`, {
          note: a.note ?? 'a new one that is neither ours nor replication stops the run',
        }),
      ];
    case 'swap-datadir': {
      const on = (argv: string[]) => hostCommandText(a.host, { program: argv[0], args: argv.slice(1) });
      const rollback = 'only if BS does not accept connections on the copy: its previous datadir goes back';
      return [
        line(hostCommandText(a.host, a.stop), { note: 'BS goes down' }),
        line(on(['mv', a.datadir, a.kept]), { note: 'BS’s previous datadir, kept' }),
        line(on(['mv', a.incoming, a.datadir])),
        line(on(['chown', '-R', `--reference=${a.kept}`, a.datadir]), { note: 'the owner BS’s datadir had' }),
        line(hostCommandText(a.host, a.start)),
        line(`wait until BS accepts connections (at most ${a.timeoutSeconds} s)`),
        line(on(['mv', a.datadir, `${a.incoming}.failed`]), { when: rollback }),
        line(on(['mv', a.kept, a.datadir]), { when: rollback }),
        line(hostCommandText(a.host, a.start), { when: rollback }),
      ];
    }
  }
}

/** The text of one stream's pipe, as the plan shows it and the executor records it. */
export const streamText = (c: CopyStream): string => `$ ${renderCommand(c.dump)} | ${renderCommand(c.load)}`;

function renderParallelCopy(a: ParallelCopyAction, line: (text: string, extra?: Partial<PlanLine>) => PlanLine): PlanLine[] {
  const n = a.streams.length;
  const out: PlanLine[] = a.before.map((c) => line(streamText(c), { note: `${c.label}; first, alone` }));
  const lock = a.snapshotLock;
  if (lock) {
    out.push(...lock.statements.map((s) => line(s.shown, { role: 'GS', note: 'on a dedicated session, only while the streams below open their snapshots' })));
    out.push(...lock.record.map((r) => line(r.statement.shown, { role: 'GS', note: r.note ?? 'under the lock' })));
  }
  const how = a.oneAtATime ? 'one after another' : 'side by side';
  a.streams.forEach((c, i) =>
    out.push(line(streamText(c), { note: `stream ${i + 1}/${n} ${how}: ${c.label}, ~${formatMb(c.estimateBytes)}, ~${c.estimateRows} rows; ${a.lockSays}` })),
  );
  if (lock) out.push(line(lock.release.shown, { role: 'GS', note: 'on the lock session, once every stream has started on its first table' }));
  out.push(...a.after.map((c) => line(streamText(c), { note: `${c.label}; after every row is in` })));
  return out;
}

const formatMb = (b: number) => (b >= 1024 * 1024 ? `${Math.round(b / 1024 / 1024)} MB` : `${Math.max(1, Math.round(b / 1024))} KB`);

/** Does an executed line match a plan line (slots in the plan match any value)? */
export function lineMatches(plan: string, executed: string): boolean {
  const parts = plan.split(/<[^<>]+>/);
  const re = new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`, 's');
  return re.test(executed);
}
