// Every option of `recover`, `status`, `check` and `verify`, described once. From this one table come: the commander options of
// each command (src/cli/options.ts), the zod schemas of flags, environment and the JSON config file, the defaults,
// the line that resumes a stopped recovery, and the recover line `status` recommends. A new option is one entry here.
import { z } from 'zod';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { tlsModes, type Settings, type TlsMode } from './settings.js';
import { shellLine } from './shell-quote.js';
import { METHOD_NAMES, unusedHostOptions } from './copy-methods.js';
import { rateText } from '../adapters/shell/throttle.js';

/** check's default lag thresholds in seconds (WARNING, CRITICAL). */
export const DEFAULT_THRESHOLDS = { warning: 60, critical: 300 } as const;

export const COMMANDS = ['recover', 'status', 'check', 'verify'] as const;
export type CommandName = (typeof COMMANDS)[number];

export { tlsModes, type TlsMode };

export type HostPort = { host: string; port: number };

/** What an option's value is, which decides its flag syntax, its validation and how the resume line writes it. */
export type OptionKind =
  /** host or host:port ([v6]:port), split into { host, port } */
  | { readonly type: 'hostPort' }
  /** a non-empty string; `what` completes "must be …"; with pattern, only strings it matches */
  | { readonly type: 'text'; readonly what: string; readonly pattern?: RegExp }
  /** a non-empty path; with mustExist, a missing file is refused before anything connects */
  | { readonly type: 'path'; readonly what: string; readonly mustExist?: boolean }
  /** one of `choices`; with negation, --no-<flag> sets negation.value */
  | { readonly type: 'enum'; readonly choices: readonly string[]; readonly negation?: { readonly value: string; readonly help: string } }
  /** a whole number of seconds, 1..max (min 0: 0 turns something off) */
  | { readonly type: 'seconds'; readonly max: number; readonly min?: 0 }
  /** seconds with a fraction, min..max (a time aimed at, not a timeout) */
  | { readonly type: 'fraction'; readonly min: number; readonly max: number }
  /** a whole number 1..max (a count: streams, threads) */
  | { readonly type: 'count'; readonly max: number }
  /** on when given, no value */
  | { readonly type: 'flag' }
  /** --x / --no-x */
  | { readonly type: 'negatable'; readonly negatedHelp: string }
  /** a whole number of seconds that the command checks itself (check turns any mistake into an UNKNOWN line) */
  | { readonly type: 'threshold' }
  /** repeatable: each occurrence one string matching `pattern` (`what` completes "must be …") */
  | { readonly type: 'list'; readonly what: string; readonly pattern: RegExp };

export interface OptionSpec {
  /** The settings key: camelCase of the flag, and the key in the JSON config file. */
  readonly key: string;
  readonly flag: `--${string}`;
  readonly short?: `-${string}`;
  /** The value's name in --help: `--good <host[:port]>`. */
  readonly value?: string;
  readonly help: string;
  /** A command's own wording of the help, where the option means something else there. */
  readonly commandHelp?: Partial<Record<CommandName, string>>;
  readonly kind: OptionKind;
  readonly default?: string | number | boolean;
  /** How --help states the default when the bare value would not say enough. */
  readonly defaultNote?: string;
  readonly commands: readonly CommandName[];
  /** Environment variable (also read from .env); a flag wins over it. */
  readonly env?: string;
  /** Accepted in the JSON config file (--config). */
  readonly file: boolean;
  /** Changes what a recovery runs: the resume line must reproduce it. */
  readonly resume?: boolean;
  /** When the default is another setting's value (an address defaults to the server itself). */
  readonly defaultFrom?: string;
  /** status/check's A and B: the recover option each becomes once a side is chosen as good or bad. */
  readonly side?: { readonly of: 'A' | 'B'; readonly asGood: string; readonly asBad: string };
  /** Where the value is in Settings, when not settings[key]. */
  readonly read?: (s: Settings) => unknown;
}

const ALL = COMMANDS;
/** --fence haproxy:<socket>:<backend>/<server>: the socket a path or host:port ([v6]:port), names without ':' or '/'. */
export const FENCE_SPEC = /^haproxy:(\/[^\s;]+|(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}):([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)$/;
const SSH_TARGET = /^(?:[A-Za-z0-9._-]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/** --method physical: where each server's host commands run, and how BS is stopped and started. */
const PHYSICAL_OPTIONS = [
  {
    key: 'goodSsh',
    flag: '--good-ssh',
    value: '[user@]host[:port]',
    help: 'with --method physical: run GS host commands through ssh (BatchMode: keys or an agent); default: on this machine',
    kind: { type: 'text', what: '[user@]host[:port]', pattern: SSH_TARGET },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'badSsh',
    flag: '--bad-ssh',
    value: '[user@]host[:port]',
    help: 'with --method physical: run BS host commands through ssh; default: on this machine',
    kind: { type: 'text', what: '[user@]host[:port]', pattern: SSH_TARGET },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'donorSsh',
    flag: '--donor-ssh',
    value: '[user@]host[:port]',
    help: 'with --method physical and --donor: run the donor R’s host commands (its mariadb-backup) through ssh; default: on this machine',
    kind: { type: 'text', what: '[user@]host[:port]', pattern: SSH_TARGET },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'sshConfig',
    flag: '--ssh-config',
    value: 'file',
    help: 'an ssh_config file for those ssh calls (ssh -F)',
    kind: { type: 'path', what: 'a file path', mustExist: true },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'badService',
    flag: '--bad-service',
    value: 'unit',
    help: 'with --method physical: stop and start BS with systemctl stop/start <unit> on BS host',
    kind: { type: 'text', what: 'a systemd unit name', pattern: /^[A-Za-z0-9@._:-]+$/ },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'badStopCommand',
    flag: '--bad-stop-command',
    value: 'command',
    help: 'with --method physical: the command that stops BS (run with sh -c on BS host; returns once BS is down)',
    kind: { type: 'text', what: 'a command' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'badStartCommand',
    flag: '--bad-start-command',
    value: 'command',
    help: 'with --method physical: the command that starts BS (run with sh -c on BS host)',
    kind: { type: 'text', what: 'a command' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
] as const satisfies readonly OptionSpec[];
const PAIR = ['status', 'check', 'verify'] as const;
const tlsFile = (s: Settings, f: 'ca' | 'cert' | 'key') => s.tls?.[f];

export const OPTIONS = [
  {
    key: 'good',
    flag: '--good',
    value: 'host[:port]',
    help: 'the good server (GS): kept, copied from',
    kind: { type: 'hostPort' },
    commands: ['recover'],
    env: 'MMRECOVER_GOOD',
    file: true,
    resume: true,
  },
  {
    key: 'bad',
    flag: '--bad',
    value: 'host[:port]',
    help: 'the bad server (BS): rebuilt from GS',
    kind: { type: 'hostPort' },
    commands: ['recover'],
    env: 'MMRECOVER_BAD',
    file: true,
    resume: true,
  },
  {
    key: 'ring',
    flag: '--ring',
    value: 'host[:port],…',
    help: 'a ring of n masters in replication order (each replicates from the one before it, the first from the last): rebuild the --bad member from its upstream, which plays GS',
    commandHelp: {
      status: 'a ring of masters in replication order: every link with its verdict, and which member to rebuild',
      check: 'a ring of masters in replication order: one line for every link, perfdata per link',
    },
    kind: { type: 'text', what: 'a comma-separated list of host[:port], in replication order' },
    // No environment variable: a stale one would silently turn a pair's recover or status into a ring's.
    commands: ['recover', 'status', 'check'],
    file: true,
    resume: true,
    read: (s) => s.ring?.members.map(hostPortText).join(','),
  },
  {
    key: 'a',
    flag: '--a',
    value: 'host[:port]',
    help: 'one server of the pair',
    kind: { type: 'hostPort' },
    commands: PAIR,
    env: 'MMRECOVER_A',
    file: false,
    side: { of: 'A', asGood: 'good', asBad: 'bad' },
  },
  {
    key: 'b',
    flag: '--b',
    value: 'host[:port]',
    help: 'the other server',
    kind: { type: 'hostPort' },
    commands: PAIR,
    env: 'MMRECOVER_B',
    file: false,
    side: { of: 'B', asGood: 'good', asBad: 'bad' },
  },
  {
    key: 'goodAddress',
    flag: '--good-address',
    value: 'host[:port]',
    help: 'how BS reaches GS for replication, when it differs from --good',
    kind: { type: 'hostPort' },
    commands: ['recover'],
    file: true,
    resume: true,
    defaultFrom: 'good',
  },
  {
    key: 'badAddress',
    flag: '--bad-address',
    value: 'host[:port]',
    help: 'how GS reaches BS for replication, when it differs from --bad',
    kind: { type: 'hostPort' },
    commands: ['recover'],
    file: true,
    resume: true,
    defaultFrom: 'bad',
  },
  {
    key: 'goodSocket',
    flag: '--good-socket',
    value: 'path',
    help: 'connect to GS through this Unix socket',
    kind: { type: 'path', what: 'a socket path', mustExist: true },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'badSocket',
    flag: '--bad-socket',
    value: 'path',
    help: 'connect to BS through this Unix socket',
    kind: { type: 'path', what: 'a socket path', mustExist: true },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'aSocket',
    flag: '--a-socket',
    value: 'path',
    help: 'connect to A through this Unix socket',
    kind: { type: 'path', what: 'a socket path', mustExist: true },
    commands: PAIR,
    file: false,
    side: { of: 'A', asGood: 'goodSocket', asBad: 'badSocket' },
  },
  {
    key: 'bSocket',
    flag: '--b-socket',
    value: 'path',
    help: 'connect to B through this Unix socket',
    kind: { type: 'path', what: 'a socket path', mustExist: true },
    commands: PAIR,
    file: false,
    side: { of: 'B', asGood: 'goodSocket', asBad: 'badSocket' },
  },
  {
    key: 'replUser',
    flag: '--repl-user',
    value: 'name',
    help: 'replication account used in CHANGE MASTER',
    kind: { type: 'text', what: 'an account name' },
    default: 'repl',
    commands: ['recover'],
    env: 'MMRECOVER_REPL_USER',
    file: true,
    resume: true,
  },
  {
    key: 'method',
    flag: '--method',
    value: 'method',
    help: 'classic: the seed procedure (GS locked during the copy); online: no lock on GS; physical: mariadb-backup of the data files (MariaDB); clone: CLONE INSTANCE (MySQL 8.0.17+)',
    kind: { type: 'enum', choices: METHOD_NAMES },
    default: 'classic',
    commands: ['recover'],
    file: true,
    resume: true,
  },
  // No default in the table: it comes from the cores of the machine running the tool (config/load.ts), so the resume
  // line repeats it only when some source gave it.
  {
    key: 'parallel',
    flag: '--parallel',
    value: 'n',
    help: 'copy in n dump | import streams side by side (whole tables, and primary-key ranges of a big table); 1: one stream (default: the cores of this machine, at most 4, for a copy of 256 MB or more; 1 below that)',
    kind: { type: 'count', max: 64 },
    commands: ['recover'],
    env: 'MMRECOVER_PARALLEL',
    file: true,
    resume: true,
    read: (s: Settings) => (s.given?.includes('parallel') ? s.parallel : undefined),
  },
  ...PHYSICAL_OPTIONS,
  {
    key: 'backup',
    flag: '--backup',
    value: 'what',
    help: 'before the copy, keep what only BS holds: auto (step 2 compares BS with GS once and keeps the rows that differ by key, and whole only the tables that cannot be compared by key) or all (a dump of every schema, whole, instead of the comparison)',
    kind: { type: 'enum', choices: ['auto', 'all', 'none'], negation: { value: 'none', help: 'do not keep a copy of what only BS holds (asks to confirm)' } },
    default: 'auto',
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'backupDir',
    flag: '--backup-dir',
    value: 'dir',
    help: 'where backups go (default: beside the journal)',
    kind: { type: 'path', what: 'a directory' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'keepBsAccounts',
    flag: '--keep-bs-accounts',
    help: 'after the copy, put back on BS alone (not binary-logged) the accounts only BS had or held with other grants, from the bs-accounts.sql step 2 keeps',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'positioning',
    flag: '--positioning',
    value: 'how',
    help: 'resume replication by binary log file/position or by GTID',
    kind: { type: 'enum', choices: ['auto', 'file', 'gtid'] },
    default: 'auto',
    defaultNote: 'auto: as the pair did',
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'dryRun',
    flag: '--dry-run',
    help: 'rehearse: show every step and statement, change nothing',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: false,
  },
  // Dry run only, so never on the resume line: nothing it rehearses has happened.
  {
    key: 'assume',
    flag: '--assume',
    value: 'flavor-version',
    help: 'with --dry-run: rehearse offline for this server version (mysql-8.4.3, mariadb-11.4.2), connecting to nothing',
    kind: { type: 'text', what: 'a flavor and a version, e.g. mysql-8.4.3 or mariadb-11.4.2', pattern: /^(mysql|mariadb)-\d+\.\d+(\.\d+)?$/i },
    commands: ['recover'],
    file: false,
  },
  {
    key: 'clientVersion',
    flag: '--client-version',
    value: '[flavor-]version',
    help: 'with --assume: rehearse with these client programs (mysql-8.0.36, mariadb-10.11.9); default: the assumed server’s vendor and version',
    kind: { type: 'text', what: 'a version, optionally with its flavor, e.g. 8.4.3 or mysql-8.0.36', pattern: /^((mysql|mariadb)-)?\d+\.\d+(\.\d+)?$/i },
    commands: ['recover'],
    file: false,
  },
  // The import without BS's binary log unless BS has replicas of its own (recovery/import-binlog.ts).
  {
    key: 'logImport',
    flag: '--log-import',
    help: 'write the import into BS’s binary log even when no replica of BS needs it (default: the import is logged only when BS serves replicas other than GS; the pair itself never replays it)',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  // MySQL, gtid_mode=ON, --positioning file: the import is logged under BS's own server_uuid (see positioning.ts).
  {
    key: 'acceptFilePositioningOnGtid',
    flag: '--accept-file-positioning-on-gtid',
    help: 'with --positioning file on a MySQL pair with gtid_mode=ON: accept that the import is logged under BS’s own server_uuid (a later switch to auto-positioning makes GS fetch the whole import)',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'yes',
    flag: '--yes',
    short: '-y',
    help: 'answer yes to every question (needs --confirm-bad)',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: false,
  },
  {
    key: 'confirmBad',
    flag: '--confirm-bad',
    value: 'host[:port]',
    help: 'with --yes: repeat the bad server, so a swapped pair cannot wipe the good one',
    kind: { type: 'text', what: 'the bad server, host or host:port' },
    commands: ['recover'],
    file: false,
  },
  {
    key: 'json',
    flag: '--json',
    help: 'one JSON event per line on stdout; human messages off',
    commandHelp: { status: 'print the same facts as one JSON object' },
    kind: { type: 'flag' },
    default: false,
    commands: ['recover', 'status'],
    file: false,
  },
  {
    key: 'journal',
    flag: '--journal',
    value: 'file',
    help: 'journal file (default under $XDG_STATE_HOME/mmrecover/)',
    kind: { type: 'path', what: 'a file path' },
    commands: ['recover'],
    env: 'MMRECOVER_JOURNAL',
    file: true,
  },
  {
    key: 'resume',
    flag: '--resume',
    help: 'continue the run recorded in the journal',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: false,
  },
  {
    key: 'lockWaitTimeout',
    flag: '--lock-wait-timeout',
    value: 'seconds',
    help: 'longest wait for a lock: GS\u2019s global read lock (then it asks to retry), or a table the data comparison reads (then that table is kept whole)',
    kind: { type: 'seconds', max: 3600 },
    default: 5,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'replicaTimeout',
    flag: '--replica-timeout',
    value: 'seconds',
    help: 'longest wait for replication to start and catch up',
    kind: { type: 'seconds', max: 86_400 },
    default: 120,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'stallTimeout',
    flag: '--stall-timeout',
    value: 'seconds',
    help: 'a server that stops answering is a fault after this long: the copy and the backup when no byte moves through them (a dump streams continuously; only an index build on a huge MyISAM table pauses it for minutes), and any single statement the tool sends; GS is released at once',
    kind: { type: 'seconds', max: 86_400 },
    default: 120,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'maxRate',
    flag: '--max-rate',
    value: 'bytes/s',
    help: 'cap the copy stream at this many bytes per second (10M, 512K; the total across a parallel copy\u2019s streams); with --method classic GS stays locked longer; changeable during the run through the control socket',
    kind: { type: 'text', what: 'bytes per second: a number with an optional K, M or G (10M, 512K), at least 1K', pattern: /^\d+(?:\.\d+)?\s*[KMGkmg]?$/ },
    commands: ['recover'],
    file: true,
    resume: true,
    read: (s: Settings) => (s.maxRate !== undefined ? rateText(s.maxRate) : undefined),
  },
  {
    key: 'maxLoad',
    flag: '--max-load',
    value: 'Variable=N[,…]',
    help: 'online and physical copies from GS: pause while a global status variable of GS exceeds N (Threads_running=25, the tool\u2019s own threads not counted), checked every second; resume when it does not (gh-ost\u2019s --max-load)',
    kind: { type: 'text', what: 'Variable=N[,Variable=N…] (Threads_running=25)', pattern: /^[A-Za-z_]+=\d+(?:,[A-Za-z_]+=\d+)*$/ },
    commands: ['recover'],
    file: true,
    resume: true,
    read: (s: Settings) => s.maxLoad?.map((x) => `${x.variable}=${x.max}`).join(','),
  },
  {
    key: 'maxMdlWait',
    flag: '--max-mdl-wait',
    value: 'seconds',
    help: 'online copies from GS: a session on GS waiting this long for a table metadata lock the copy holds (a DDL such as ALTER TABLE, and every query queued behind it) stops the copy at once, releasing GS, and the run (--resume copies again); checked every 0.5 s; 0: not watched',
    kind: { type: 'seconds', max: 86_400, min: 0 },
    default: 3,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'donor',
    flag: '--donor',
    value: 'host[:port]',
    help: 'a replica of GS (not BS) that the copy reads instead of GS: its SQL thread is stopped at a recorded point, which gives GS’s coordinates for BS, and started again after the copy; GS is neither locked nor read by the copy (same account and TLS as the pair)',
    kind: { type: 'hostPort' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'donorMaxLag',
    flag: '--donor-max-lag',
    value: 'seconds',
    help: 'with --donor: the preflight refuses a donor further behind GS than this, and step 3 waits at most this long for it to reach GS’s position',
    kind: { type: 'seconds', max: 86_400 },
    default: 60,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'fence',
    flag: '--fence',
    value: 'haproxy:<socket>:<backend>/<server>',
    help: 'repeatable: put BS\u2019s entry in HAProxy into drain then maint in step 1 (runtime API on its stats socket: a path or host:port), and give it back the state it had in step 11',
    commandHelp: { status: 'repeatable: show the state HAProxy gives that backend/server (its runtime API on the stats socket)' },
    kind: { type: 'list', what: 'haproxy:<socket>:<backend>/<server> (socket: a path or host:port)', pattern: FENCE_SPEC },
    commands: ['recover', 'status'],
    file: true,
    resume: true,
  },
  {
    key: 'fenceCommand',
    flag: '--fence-command',
    value: 'command',
    help: 'run (sh -c, on this machine) in step 1 before anything changes on the servers, to move traffic away from BS (VIP, ProxySQL, DNS); MMRECOVER_BS_HOST/PORT, MMRECOVER_GS_HOST/PORT, MMRECOVER_STEP in its environment; a non-zero exit stops the run; killed after --stall-timeout',
    kind: { type: 'text', what: 'a command' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'unfenceCommand',
    flag: '--unfence-command',
    value: 'command',
    help: 'run (sh -c, on this machine) in step 11 once BS is unfenced, to send traffic to BS again; same environment and checks as --fence-command',
    kind: { type: 'text', what: 'a command' },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'fenceWatch',
    flag: '--fence-watch',
    value: 'seconds',
    help: 'after step 1 and again just before the copy, watch BS\u2019s client connections this long: a new one that is neither the tool\u2019s nor replication\u2019s stops the run before anything is overwritten',
    defaultNote: '5 when --fence or --fence-command is given; otherwise only when given',
    kind: { type: 'seconds', max: 3600 },
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'compareTimeout',
    flag: '--compare-timeout',
    value: 'seconds',
    help: 'longest time comparing BS\u2019s data with GS\u2019s row by row at step 2; a table not told apart by then stops the run before the copy, and --resume keeps it whole',
    commandHelp: { status: 'longest time comparing the two servers\u2019 data row by row when a direction is broken' },
    kind: { type: 'seconds', max: 86_400 },
    default: 30,
    commands: ['recover', 'status'],
    file: true,
    resume: true,
  },
  {
    key: 'verifyTime',
    flag: '--verify-time',
    value: 'seconds',
    help: 'longest time the proof (step 10) compares the data chunk by chunk; past it the recovery completes, says how much was verified and which tables are left for `mmrecover verify`',
    kind: { type: 'seconds', max: 604_800 },
    default: 600,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'chunkTime',
    flag: '--chunk-time',
    value: 'seconds',
    help: 'what each statement comparing the data aims to take: tables are read by primary key in chunks sized to this (pt-table-checksum\u2019s --chunk-time), never whole',
    kind: { type: 'fraction', min: 0.01, max: 60 },
    default: 0.5,
    commands: ['recover', 'status', 'verify'],
    file: true,
    resume: true,
  },
  {
    key: 'verify',
    flag: '--verify',
    help: 'prove the result after step 10',
    kind: { type: 'negatable', negatedHelp: 'skip the proof after step 10' },
    default: true,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'marker',
    flag: '--marker',
    help: 'write marker rows in schema mmrecover as part of the proof',
    kind: { type: 'negatable', negatedHelp: 'prove without writing marker rows' },
    default: true,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'replicationSsl',
    flag: '--replication-ssl',
    help: 'configure replication with MASTER_SSL=1 and the --ssl-* files',
    kind: { type: 'flag' },
    default: false,
    commands: ['recover'],
    file: true,
    resume: true,
  },
  {
    key: 'warning',
    flag: '--warning',
    short: '-w',
    value: 'seconds',
    help: 'lag above which the state is WARNING',
    kind: { type: 'threshold' },
    default: DEFAULT_THRESHOLDS.warning,
    commands: ['check'],
    file: false,
  },
  {
    key: 'critical',
    flag: '--critical',
    short: '-c',
    value: 'seconds',
    help: 'lag above which the state is CRITICAL',
    kind: { type: 'threshold' },
    default: DEFAULT_THRESHOLDS.critical,
    commands: ['check'],
    file: false,
  },
  {
    key: 'timeout',
    flag: '--timeout',
    short: '-t',
    value: 'seconds',
    help: 'the whole check gives up with UNKNOWN after this long',
    kind: { type: 'threshold' },
    default: 10,
    commands: ['check'],
    file: false,
  },
  {
    key: 'format',
    flag: '--format',
    value: 'format',
    help: 'nagios: one plugin line and exit 0-3; prometheus: text exposition for the node_exporter textfile collector (exit 0 whenever it printed)',
    kind: { type: 'enum', choices: ['nagios', 'prometheus'] },
    default: 'nagios',
    commands: ['check'],
    file: false,
  },
  // The connection: the same on every command.
  {
    key: 'user',
    flag: '--user',
    short: '-u',
    value: 'name',
    help: 'admin account on both servers',
    kind: { type: 'text', what: 'an account name' },
    default: 'root',
    commands: ALL,
    env: 'MMRECOVER_USER',
    file: true,
    resume: true,
  },
  {
    key: 'config',
    flag: '--config',
    value: 'file',
    help: 'read settings from a JSON file (same names as the flags, camelCase)',
    kind: { type: 'path', what: 'a file path' },
    commands: ALL,
    env: 'MMRECOVER_CONFIG',
    file: false,
    resume: true,
  },
  {
    key: 'defaultsFile',
    flag: '--defaults-file',
    value: 'file',
    help: 'a MySQL option file: user, password and ssl settings from its [client] and [mysqldump] groups',
    kind: { type: 'path', what: 'a file path' },
    commands: ALL,
    file: true,
    resume: true,
  },
  {
    key: 'connectTimeout',
    flag: '--connect-timeout',
    value: 'seconds',
    help: 'give up connecting after this long',
    kind: { type: 'seconds', max: 600 },
    default: 10,
    commands: ALL,
    file: true,
    resume: true,
  },
  // An explicit DISABLED is repeated: a --defaults-file read again must not turn TLS back on.
  {
    key: 'sslMode',
    flag: '--ssl-mode',
    value: 'mode',
    help: 'TLS for the tool and its clients',
    kind: { type: 'enum', choices: tlsModes },
    commands: ALL,
    file: true,
    resume: true,
    read: (s: Settings) => s.tls?.mode ?? (s.given?.includes('sslMode') ? 'DISABLED' : undefined),
  },
  {
    key: 'sslCa',
    flag: '--ssl-ca',
    value: 'file',
    help: 'CA certificate (PEM)',
    kind: { type: 'path', what: 'a file path', mustExist: true },
    commands: ALL,
    file: true,
    resume: true,
    read: (s: Settings) => tlsFile(s, 'ca'),
  },
  {
    key: 'sslCert',
    flag: '--ssl-cert',
    value: 'file',
    help: 'client certificate (PEM)',
    kind: { type: 'path', what: 'a file path', mustExist: true },
    commands: ALL,
    file: true,
    resume: true,
    read: (s: Settings) => tlsFile(s, 'cert'),
  },
  {
    key: 'sslKey',
    flag: '--ssl-key',
    value: 'file',
    help: 'client key (PEM)',
    kind: { type: 'path', what: 'a file path', mustExist: true },
    commands: ALL,
    file: true,
    resume: true,
    read: (s: Settings) => tlsFile(s, 'key'),
  },
] as const satisfies readonly OptionSpec[];

type Entry = (typeof OPTIONS)[number];
export type OptionKey = Entry['key'];

/** The value an option holds once validated. */
type ValueOf<O> = O extends { kind: { type: 'hostPort' } }
  ? HostPort
  : O extends { kind: { type: 'enum'; choices: readonly (infer C)[] } }
    ? C
    : O extends { kind: { type: 'seconds' | 'threshold' | 'count' | 'fraction' } }
      ? number
      : O extends { kind: { type: 'flag' | 'negatable' } }
        ? boolean
        : O extends { kind: { type: 'list' } }
          ? string[]
          : string;

/** Validated option values, any of them possibly absent. */
export type OptionValues = { [O in Entry as O['key']]?: ValueOf<O> };
/** The options that have a default, with it. */
export type Defaults = { [O in Extract<Entry, { default: unknown }> as O['key']]: ValueOf<O> };

const SPECS: readonly OptionSpec[] = OPTIONS;
const BY_KEY = new Map<string, OptionSpec>(SPECS.map((o) => [o.key, o]));

export function optionSpec(key: string): OptionSpec | undefined {
  return BY_KEY.get(key);
}

/** The options one command takes, in --help order. */
export function optionsFor(command: CommandName): OptionSpec[] {
  return SPECS.filter((o) => o.commands.includes(command));
}

/** The flag an operator types for a setting (goodAddress → --good-address). */
export function flagOf(key: string): string {
  return BY_KEY.get(key)?.flag ?? '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** The option's help text as --help shows it, its default said once, from the table. */
export function helpOf(o: OptionSpec, command: CommandName): string {
  const help = o.commandHelp?.[command] ?? o.help;
  if (o.kind.type === 'negatable') return o.default === true ? `${help} (default)` : help;
  if (o.default === undefined || o.kind.type === 'flag') return help;
  return `${help} (default ${o.defaultNote ?? String(o.default)})`;
}

/** An option's default, typed (e.g. check's --timeout). */
export function defaultOf<K extends keyof Defaults>(key: K): Defaults[K] {
  return BY_KEY.get(key)!.default as Defaults[K];
}

/** The defaults of recover's settings. */
export const DEFAULTS = Object.fromEntries(
  SPECS.filter((o) => o.default !== undefined && o.commands.includes('recover')).map((o) => [o.key, o.default]),
) as Omit<Defaults, 'warning' | 'critical' | 'timeout'>;

// ---- validation ----------------------------------------------------------------------------------------------

/** "host" or "host:port", checked and split. */
export const hostPort = z.string({ error: 'must be host or host:port' }).transform((text, ctx) => {
  try {
    return parseHostPort(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const nonEmpty = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: 'must not be empty' });
const seconds = (max: number, min: 0 | 1 = 1) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
const orList = (words: readonly string[]) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);

function valueSchema(o: OptionSpec): z.ZodType {
  const k = o.kind;
  switch (k.type) {
    case 'hostPort':
      return hostPort;
    case 'text':
      return k.pattern ? nonEmpty(k.what).regex(k.pattern, { error: `must be ${k.what}` }) : nonEmpty(k.what);
    case 'path':
      return nonEmpty(k.what);
    case 'enum':
      return z.enum(k.choices as [string, ...string[]], { error: `must be ${orList(k.choices)}` });
    case 'seconds':
      return seconds(k.max, k.min);
    case 'fraction':
      return z.coerce
        .number({ error: 'must be a number of seconds' })
        .min(k.min, { error: `must be at least ${k.min}` })
        .max(k.max, { error: `must be at most ${k.max}` });
    case 'count':
      return z.coerce
        .number({ error: 'must be a whole number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be at least 1' })
        .max(k.max, { error: `must be at most ${k.max}` });
    case 'flag':
    case 'negatable':
      return z.boolean({ error: 'must be true or false' });
    case 'threshold':
      return z.unknown();
    case 'list': {
      const one = nonEmpty(k.what).regex(k.pattern, { error: `must be ${k.what}` });
      // A config file or the environment may give a single string; flags give one string per occurrence.
      return z.union([z.array(one).min(1), one.transform((v) => [v])], { error: `must be ${k.what}` });
    }
  }
}

/** A strict schema (unknown keys refused) of these options, each optional. */
function schemaOf(specs: readonly OptionSpec[]): z.ZodType<OptionValues> {
  return z.strictObject(Object.fromEntries(specs.map((o) => [o.key, valueSchema(o).optional()]))) as unknown as z.ZodType<OptionValues>;
}

/** What the JSON config file may hold (the flags' names in camelCase; passwords are taken out before this). */
export const fileSettingsSchema = schemaOf(SPECS.filter((o) => o.file)).describe('config file');

/** Flags of the settings `recover` validates (status and check hand theirs to the same loader). */
const RECOVER_FLAGS = SPECS.filter((o) => o.commands.includes('recover'));
export const recoverFlagsSchema = schemaOf(RECOVER_FLAGS);
export const recoverFlagKeys = RECOVER_FLAGS.map((o) => o.key);

/** Schema for any set of table options (e.g. status's sides). */
export function schemaFor(keys: readonly string[]): z.ZodType<OptionValues> {
  return schemaOf(keys.map((k) => BY_KEY.get(k)!));
}

/** The environment variables of these options that are set, as settings (not yet validated). */
export function envValues(env: Record<string, string | undefined>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const name = BY_KEY.get(k)?.env;
    if (name !== undefined && env[name] !== undefined) out[k] = env[name]!;
  }
  return out;
}

export function envOf(key: string): string | undefined {
  return BY_KEY.get(key)?.env;
}

/** Options that must name an existing file or socket. */
export function mustExist(key: string): boolean {
  const k = BY_KEY.get(key)?.kind;
  return k?.type === 'path' && Boolean(k.mustExist);
}

/**
 * Flags as commander hands them over → settings words: --no-backup arrives as backup=false and means the negation's
 * value (none); a bare true there (commander's default for a negatable flag) means "not given".
 */
export function normalizeFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const out = { ...flags };
  for (const o of SPECS) {
    if (o.kind.type !== 'enum' || !o.kind.negation) continue;
    if (out[o.key] === false) out[o.key] = o.kind.negation.value;
    else if (out[o.key] === true) delete out[o.key];
  }
  return out;
}

// ---- command lines -------------------------------------------------------------------------------------------

const RESUMED = SPECS.filter((o) => o.resume && o.commands.includes('recover'));

const hostPortText = (v: HostPort) => (v.host.includes(':') ? `[${v.host}]:${v.port}` : `${v.host}:${v.port}`);

/** The words that give `value` to option `o` on a command line (a setting, or a flag's value as typed). */
export function argsFor(o: OptionSpec, value: unknown): string[] {
  const k = o.kind;
  if (k.type === 'flag') return value === true ? [o.flag] : [];
  if (k.type === 'negatable') return value === true ? [o.flag] : value === false ? [`--no-${o.flag.slice(2)}`] : [];
  if (k.type === 'enum' && k.negation && value === k.negation.value) return [`--no-${o.flag.slice(2)}`];
  if (k.type === 'list') return (Array.isArray(value) ? value : [value]).flatMap((v) => [o.flag, String(v)]);
  const text = typeof value === 'object' && value !== null && 'host' in value ? hostPortText(value as HostPort) : String(value);
  return [o.flag, text];
}

const readSetting = (o: OptionSpec, s: Settings): unknown => (o.read ? o.read(s) : (s as unknown as Record<string, unknown>)[o.key]);

/** `mmrecover recover` with these values (settings or flags as typed), in table order; passwords are never options. */
export function recoverLine(values: Partial<Record<string, unknown>>, tail: string[] = []): string {
  const args: string[] = [];
  for (const o of RESUMED) if (values[o.key] !== undefined) args.push(...argsFor(o, values[o.key]));
  return shellLine(['mmrecover', 'recover', ...args, ...tail]);
}

/**
 * The line that continues a stopped recovery: the same servers, and every setting that changes what runs and differs
 * from its default (or that some source gave explicitly: a --config or --defaults-file read again, or the
 * environment, must not be able to change it), then --resume --journal <path>. Shell-quoted; no password.
 */
export function resumeLine(settings: Settings, journalPath: string): string {
  const given = new Set(settings.given ?? []);
  const values: Record<string, unknown> = {};
  // A host option the run never used (kept from a config file for the physical runs) would be refused typed.
  const unused: Set<string> = unusedHostOptions(settings.method, Boolean(settings.donor));
  for (const o of RESUMED) {
    if (unused.has(o.key)) continue;
    const value = readSetting(o, settings);
    if (value === undefined) continue;
    const dflt = o.defaultFrom ? readSetting(BY_KEY.get(o.defaultFrom)!, settings) : o.default;
    const differs = dflt === undefined || argsFor(o, value).join('\0') !== argsFor(o, dflt).join('\0');
    if (differs || given.has(o.key)) values[o.key] = value;
  }
  return recoverLine(values, ['--resume', '--journal', journalPath]);
}

/**
 * The recover line `status` recommends once it has chosen the good side: the pair as typed (A/B become --good/--bad,
 * their sockets --good-socket/--bad-socket), and every connection option given on status, repeated.
 */
export function recommendedRecoverLine(given: Record<string, unknown>, good: 'A' | 'B'): string {
  const values: Record<string, unknown> = {};
  for (const o of optionsFor('status')) {
    const v = given[o.key];
    if (v === undefined || v === false) continue;
    if (o.side) values[o.side.of === good ? o.side.asGood : o.side.asBad] = v;
    else if (o.resume && o.commands.includes('recover')) values[o.key] = v;
  }
  return recoverLine(values);
}
