// The rules checker: replay a plan's trace over a model of the servers, ask every rule about every event, and apply
// what each statement changes (the fence variables, GTID history, the channel's positioning). An offline plan's
// branches are taken as the starting state says. Pure.
import type { Fact } from '../actions.js';
import { describeEntry, type TraceCommand, type TraceEntry } from './trace.js';
import { RULES, WRITE_STATEMENT, type RuleEvent } from './rules.js';
import { atLeast, initialWorld, type ClientInfo, type Place, type Profile, type ServerState, type World } from './world.js';

export interface Violation {
  rule: string;
  step: number;
  /** The action, as "4 BS> DROP DATABASE `x`". */
  action: string;
  why: string;
}

const other = (r: 'GS' | 'BS'): 'GS' | 'BS' => (r === 'GS' ? 'BS' : 'GS');

const VARIABLES: Record<string, 'readOnly' | 'superReadOnly' | 'offlineMode'> = {
  read_only: 'readOnly',
  super_read_only: 'superReadOnly',
  offline_mode: 'offlineMode',
};

function holds(f: Fact, w: World): boolean {
  switch (f.fact) {
    case 'variable': {
      const key = VARIABLES[f.variable];
      return key !== undefined && w.servers[f.role][key] === (f.is === 'ON');
    }
    case 'variable-before-step-1': {
      const key = VARIABLES[f.variable];
      return key !== undefined && f.role === 'BS' && w.before[key] === (f.is === 'ON');
    }
    case 'replication-account-exempt':
      return w.profile.start.replExempt === f.is;
    case 'bs-only':
      return w.profile.start.bsOnly === f.is;
    case 'plugin-missing':
      // The profiles do not model plugins: replay the branch that installs it (it sends one statement more).
      return f.is;
  }
}

/** The value a client program gets for `--name` (the last one wins), or undefined. */
function option(args: string[], name: string): string | undefined {
  let value: string | undefined;
  for (const a of args) {
    if (a === name) value = '';
    else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
  }
  return value;
}

/** The options of a dump command that the rules know about, as the client gets them. */
const KNOWN_OPTIONS = ['--set-gtid-purged', '--column-statistics', '--source-data', '--master-data', '--gtid'];

/** What running `dump` against `on` means on that server: the logins, the options, the statements it sends. */
function dumpEvents(cmd: TraceCommand, client: ClientInfo, on: Place, who: string): RuleEvent[] {
  const out: RuleEvent[] = [{ type: 'login', on, account: 'admin', who }];
  for (const a of cmd.args) {
    const name = a.replace(/=.*$/, '');
    if (KNOWN_OPTIONS.includes(name)) out.push({ type: 'client-option', on, client, option: a });
  }
  const coordinates = option(cmd.args, '--master-data') ?? option(cmd.args, '--source-data');
  // mysqldump before 8.2 and mariadb-dump read the coordinates with SHOW MASTER STATUS (design notes: version table).
  if (coordinates !== undefined && (client.flavor === 'mariadb' || !atLeast(client, 'mysql', '8.2.0')))
    out.push({ type: 'statement', on, text: 'SHOW MASTER STATUS', by: `${client.program} ${client.version}` });
  if (atLeast(client, 'mysql', '8.0.0') && option(cmd.args, '--column-statistics') !== '0')
    out.push({
      type: 'statement',
      on,
      text: 'SELECT COLUMN_NAME, HISTOGRAM FROM information_schema.COLUMN_STATISTICS',
      by: `${client.program} ${client.version}`,
    });
  return out;
}

/** Whether the dump's output sets GTID_PURGED: MySQL's mysqldump with ON, or by default (AUTO) against a GTID server. */
function carriesGtidPurged(cmd: TraceCommand, client: ClientInfo, server: ServerState): boolean {
  if (client.flavor !== 'mysql') return false;
  const v = option(cmd.args, '--set-gtid-purged');
  return v === 'ON' || ((v === undefined || v === 'AUTO') && server.gtidMode);
}

const isProgram = (cmd: TraceCommand, client: ClientInfo) => cmd.program === client.program;

const VENDOR_CLIENTS = ['mysqldump', 'mysql', 'mariadb-dump', 'mariadb'];

/**
 * The client program a command runs, as the profile's package has it: mariadb* names are MariaDB's; mysql* names are
 * the profile's vendor's (MariaDB installs them as symlinks). Other tools (mydumper, myloader) are not modelled.
 */
function clientOf(cmd: TraceCommand, client: ClientInfo): ClientInfo | undefined {
  if (isProgram(cmd, client)) return client;
  if (!VENDOR_CLIENTS.includes(cmd.program)) return undefined;
  return { program: cmd.program, flavor: cmd.program.startsWith('mariadb') ? 'mariadb' : client.flavor, version: client.version };
}

/** The vendor client events of a `dump | load` pipe: the dump against GS, the import against BS. */
function clientEvents(dump: TraceCommand, load: TraceCommand | undefined, client: ClientInfo, dumpOn: Place): RuleEvent[] {
  const out: RuleEvent[] = [];
  const d = clientOf(dump, client);
  if (d) out.push({ type: 'client', on: dumpOn, client: d, as: 'dump' });
  const l = load && clientOf(load, client);
  if (l) out.push({ type: 'client', on: 'BS', client: l, as: 'import' });
  return out;
}

/** The events of one trace entry, in the order they happen. */
function eventsOf(e: TraceEntry, w: World): RuleEvent[] {
  const client = w.profile.client;
  switch (e.kind) {
    case 'sql':
    case 'poll': {
      const out: RuleEvent[] = [{ type: 'statement', on: e.role, text: e.text, by: 'tool', step: e.step }];
      if (e.kind === 'sql' && WRITE_STATEMENT.test(e.text)) out.push({ type: 'write', on: e.role, what: e.text.slice(0, 60) });
      if (e.kind === 'sql' && /^START (REPLICA|SLAVE)\s*$/.test(e.text))
        out.push({ type: 'login', on: other(e.role), account: 'repl', who: `${e.role}'s replica (IO thread)` });
      return out;
    }
    case 'copy': {
      const gs = w.servers.GS;
      const out = clientEvents(e.dump, e.load, client, 'GS');
      if (isProgram(e.dump, client)) out.push(...dumpEvents(e.dump, client, 'GS', 'the dump'));
      out.push({ type: 'login', on: 'BS', account: 'admin', who: 'the import' });
      // mysqldump writes SET @@GLOBAL.GTID_PURGED at the top of the dump, before any data.
      if (isProgram(e.dump, client) && carriesGtidPurged(e.dump, client, gs)) out.push({ type: 'gtid-purged', on: 'BS', who: 'the import' });
      out.push({ type: 'write', on: 'BS', what: 'the import (the dump replayed: CREATE, DROP TABLE, INSERT …)' });
      return out;
    }
    case 'export': {
      if (e.tool === 'binlog-events') return [{ type: 'login', on: 'BS', account: 'admin', who: 'the binlog reader' }];
      if (!isProgram(e.command, client)) return clientEvents(e.command, undefined, client, 'BS');
      const out = [...clientEvents(e.command, undefined, client, 'BS'), ...dumpEvents(e.command, client, 'BS', 'the backup dump')];
      if (carriesGtidPurged(e.command, client, w.servers.BS))
        out.push({ type: 'gtid-purged', on: 'scratch', who: 'a replay of the backup of BS (on a server with a GTID history)' });
      return out;
    }
  }
}

/** What a statement changes in the model, once it has run. */
function apply(ev: RuleEvent, w: World): void {
  if (ev.type === 'gtid-purged') w.servers[ev.on].gtidHistory = true;
  if (ev.type === 'write' && ev.on === 'BS' && ev.what.startsWith('the import')) w.servers.BS.gtidHistory ||= w.servers.BS.gtidMode;
  if (ev.type !== 'statement' || ev.by !== 'tool') return;
  const s = w.servers[ev.on];
  // MariaDB bounds one statement's lock wait with SET STATEMENT lock_wait_timeout=N FOR …: the same SET GLOBAL.
  const set = /^(?:SET STATEMENT lock_wait_timeout=\d+ FOR )?SET GLOBAL (\w+) = (ON|OFF)$/.exec(ev.text);
  const session = /^SET SESSION lock_wait_timeout = (\d+|DEFAULT)$/.exec(ev.text);
  if (session) s.sessionLockWait = session[1] !== 'DEFAULT';
  if (/\bFROM information_schema\.PROCESSLIST\b/i.test(ev.text)) s.clientsListed = true;
  if (set && VARIABLES[set[1]]) {
    const on = set[2] === 'ON';
    s[VARIABLES[set[1]]] = on;
    // super_read_only=ON implies read_only=ON; read_only=OFF implies super_read_only=OFF (WL#6799 FR2, FR3).
    if (set[1] === 'super_read_only' && on) s.readOnly = true;
    if (set[1] === 'read_only' && !on) s.superReadOnly = false;
  }
  if (/^RESET (MASTER|BINARY LOGS AND GTIDS)\b/.test(ev.text)) s.gtidHistory = false;
  if (/^CHANGE (MASTER|REPLICATION SOURCE) TO\b/.test(ev.text)) {
    if (/_AUTO_POSITION=1\b/.test(ev.text)) s.channel.autoPosition = true;
    if (/_AUTO_POSITION=0\b/.test(ev.text)) s.channel.autoPosition = false;
    if (/\bGTID_ONLY=0\b/.test(ev.text)) s.channel.gtidOnly = false;
  }
}

/**
 * A replay in progress: feed it entries in the order they run; it keeps the model of the servers (`world`, which a
 * simulated connected run may read its measurements from) and every violation so far.
 */
export class RuleChecker {
  readonly world: World;
  readonly violations: Violation[] = [];

  constructor(profile: Profile) {
    this.world = initialWorld(profile);
  }

  /** Whether an entry runs in this world (an offline branch that does not hold is skipped). */
  runs(e: TraceEntry): boolean {
    return !e.when || e.when.every((f) => holds(f, this.world));
  }

  feed(entries: readonly TraceEntry[]): Violation[] {
    const found: Violation[] = [];
    for (const e of entries) {
      if (!this.runs(e)) continue;
      for (const ev of eventsOf(e, this.world)) {
        for (const rule of RULES) {
          const why = rule.check(ev, this.world);
          if (why) found.push({ rule: rule.id, step: e.step, action: describeEntry(e), why });
        }
        apply(ev, this.world);
      }
    }
    this.violations.push(...found);
    return found;
  }
}

/** Replay `trace` for `profile`: every action a rule says the server would refuse. */
export function checkTrace(trace: readonly TraceEntry[], profile: Profile): Violation[] {
  return new RuleChecker(profile).feed(trace);
}
