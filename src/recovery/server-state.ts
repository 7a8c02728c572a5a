// BS's server state that a logical copy would replace or trip over, decided piece by piece (issue 24):
// - mysql.gtid_slave_pos and mysql.plugin stay BS's own (left out of the dump: dump-args.ts serverStateTables);
// - events: the copy recreates GS's events as GS holds them (ENABLED), so with event_scheduler=ON on both masters every
//   event would run twice. BS's scheduler is off during the import, each event gets back the status a replica's copy
//   has (SLAVESIDE_DISABLED) unless BS is the one that runs it, then the scheduler goes back on; the proof checks it;
// - max_allowed_packet: a row bigger than BS's limit fails the import ("Server has gone away"): raised on the fenced
//   BS for the import and put back after, even when the import fails.
import { formatBytes } from '../base/format.js';
import { ident, stmt } from '../dialect/statement.js';
import type { Row } from '../adapters/mysql/session.js';
import type { SqlAction } from './actions.js';
import { bothReachable, reachable, type RecoveryContext, type Role } from './context.js';
import type { Verdict } from './events.js';
import type { EventStatus, RecoveryState, ServerStateRecord } from './state.js';
import { copyMethod } from './copy-method.js';
import { accountDefinition, readAccounts } from './bs-objects.js';

/** The clients' own --max-allowed-packet, and the most a server accepts: BS's import limit while it runs. */
export const IMPORT_MAX_ALLOWED_PACKET = 1024 * 1024 * 1024;

export interface EventRow {
  event: string;
  schema: string;
  name: string;
  status: EventStatus;
  originator: number;
  /** user@host, as information_schema.EVENTS shows it. */
  definer: string;
}

async function readEvents(ctx: RecoveryContext, role: Role): Promise<EventRow[]> {
  const rows = await ctx.read(
    role,
    stmt('SELECT EVENT_SCHEMA, EVENT_NAME, STATUS, ORIGINATOR, DEFINER FROM information_schema.EVENTS ORDER BY EVENT_SCHEMA, EVENT_NAME'),
  );
  return rows.map((r: Row) => ({
    event: `${String(r.EVENT_SCHEMA)}.${String(r.EVENT_NAME)}`,
    schema: String(r.EVENT_SCHEMA),
    name: String(r.EVENT_NAME),
    status: String(r.STATUS).toUpperCase() as EventStatus,
    originator: Number(r.ORIGINATOR),
    definer: String(r.DEFINER),
  }));
}

async function readVariables(ctx: RecoveryContext, role: Role): Promise<{ maxAllowedPacket: number; slaveMaxAllowedPacket?: number; eventScheduler: string }> {
  const [r] = await ctx.read(role, stmt('SELECT @@GLOBAL.max_allowed_packet AS map, @@GLOBAL.event_scheduler AS es'));
  // slave_max_allowed_packet (replica_max_allowed_packet on MySQL 8.0.26+, where the old name still reads).
  const [s] = await ctx.read(role, stmt('SELECT @@GLOBAL.slave_max_allowed_packet AS smap')).catch(() => [undefined]);
  return {
    maxAllowedPacket: Number(r?.map),
    ...(s?.smap !== undefined && s?.smap !== null ? { slaveMaxAllowedPacket: Number(s.smap) } : {}),
    eventScheduler: String(r?.es ?? 'OFF').toUpperCase(),
  };
}

/** Plugins loaded from a library (INSTALL PLUGIN/SONAME or --plugin-load), active, by name. */
async function readPlugins(ctx: RecoveryContext, role: Role): Promise<Map<string, string>> {
  const rows = await ctx.read(
    role,
    stmt(
      "SELECT PLUGIN_NAME, PLUGIN_LIBRARY FROM information_schema.PLUGINS WHERE PLUGIN_LIBRARY IS NOT NULL AND PLUGIN_STATUS = 'ACTIVE' ORDER BY PLUGIN_NAME",
    ),
  );
  return new Map(rows.map((r) => [String(r.PLUGIN_NAME), String(r.PLUGIN_LIBRARY)]));
}

/** Read by the preflight, before step 1: what BS holds of its own server state, and GS's settings to compare. */
export async function measureServerState(ctx: RecoveryContext): Promise<ServerStateRecord> {
  const [gv, bv, bsEvents, gp, bp] = await Promise.all([
    readVariables(ctx, 'GS'),
    readVariables(ctx, 'BS'),
    readEvents(ctx, 'BS'),
    readPlugins(ctx, 'GS'),
    readPlugins(ctx, 'BS'),
  ]);
  return {
    gs: gv,
    bs: bv,
    bsEvents: bsEvents.map((e) => ({ event: e.event, status: e.status, originator: e.originator })),
    bsOnlyPlugins: [...bp].filter(([n]) => !gp.has(n)).map(([n, lib]) => `${n} (${lib})`),
    gsOnlyPlugins: [...gp].filter(([n]) => !bp.has(n)).map(([n, lib]) => `${n} (${lib})`),
  };
}

const mb = (n: number) => formatBytes(n);

/** The preflight's lines about BS's server state. */
export async function serverStateChecks(ctx: RecoveryContext, add: (v: Verdict, check: string, detail: string) => void): Promise<void> {
  // A resumed run keeps what the first run measured before it changed anything (BS may hold a raised limit by now).
  const s = ctx.state.serverState ?? (ctx.state.serverState = await measureServerState(ctx));
  const { logical } = copyMethod(ctx); // dump | import; the physical and clone methods move data files
  if (s.gs.maxAllowedPacket > s.bs.maxAllowedPacket)
    add(
      'warn',
      'max_allowed_packet',
      `GS allows ${mb(s.gs.maxAllowedPacket)} packets, BS ${mb(s.bs.maxAllowedPacket)}: a row bigger than BS’s limit would stop the import ("Server has gone away")${logical ? `; step 4 raises BS’s to ${mb(IMPORT_MAX_ALLOWED_PACKET)} for the import and puts ${mb(s.bs.maxAllowedPacket)} back after` : ''}`,
    );
  else add('ok', 'max_allowed_packet', `GS ${mb(s.gs.maxAllowedPacket)}, BS ${mb(s.bs.maxAllowedPacket)}`);
  for (const [replica, source] of [
    ['BS', 'GS'],
    ['GS', 'BS'],
  ] as Array<['GS' | 'BS', 'GS' | 'BS']>) {
    const r = s[replica === 'GS' ? 'gs' : 'bs'].slaveMaxAllowedPacket;
    const src = s[source === 'GS' ? 'gs' : 'bs'].maxAllowedPacket;
    if (r !== undefined && r < src)
      add(
        'warn',
        `${replica} slave_max_allowed_packet`,
        `${mb(r)}, below ${source}’s max_allowed_packet (${mb(src)}): ${replica}’s replica stops on an event bigger than that from ${source}; raise it on ${replica}`,
      );
  }
  const scheduled = s.bsEvents.length
    ? `BS holds ${s.bsEvents.length} event(s): ${s.bsEvents.map((e) => `${e.event} ${e.status}`).join(', ')}`
    : 'BS holds no event';
  add(
    'ok',
    'events',
    `${scheduled}; event_scheduler GS ${s.gs.eventScheduler}, BS ${s.bs.eventScheduler}${logical ? '. Step 4 keeps each copied event off on BS (SLAVESIDE_DISABLED) unless BS is the server that runs it' : ''}`,
  );
  if (s.bsOnlyPlugins.length || s.gsOnlyPlugins.length)
    add(
      'warn',
      'plugins',
      [
        s.bsOnlyPlugins.length ? `only on BS: ${s.bsOnlyPlugins.join(', ')} (BS keeps them: mysql.plugin is not copied)` : '',
        s.gsOnlyPlugins.length ? `only on GS: ${s.gsOnlyPlugins.join(', ')} (not installed on BS by the copy; install them there if BS needs them)` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  else add('ok', 'plugins', 'the same plugins are loaded on both');
}

/** What an event's status on BS must be after the copy, from GS's event and what BS held before. */
export function expectedOnBs(gs: EventRow, bsServerId: number, before?: { status: EventStatus }): EventStatus {
  if (gs.status === 'DISABLED') return 'DISABLED';
  // GS runs it: BS holds it the way a replica does (https://mariadb.com/kb/en/create-event/#enable-disable-disable-on-slave:
  // "DISABLE ON SLAVE … is automatically set on the replica" for an event created on a primary).
  if (gs.status === 'ENABLED') return 'SLAVESIDE_DISABLED';
  // GS holds it as a replica's copy: BS runs it if it was created there or ran it before the copy.
  return gs.originator === bsServerId || before?.status === 'ENABLED' ? 'ENABLED' : 'SLAVESIDE_DISABLED';
}

/** GS's events with the status each must have on BS after the copy. */
export async function eventsExpected(ctx: RecoveryContext): Promise<Array<EventRow & { expected: EventStatus }>> {
  const bsId = ctx.identity.BS!.serverId;
  const before = new Map((ctx.state.serverState?.bsEvents ?? []).map((e) => [e.event, e]));
  return (await readEvents(ctx, 'GS')).map((e) => ({ ...e, expected: expectedOnBs(e, bsId, before.get(e.event)) }));
}

function setGlobal(variable: string, value: string | number, note: string, effect: SqlAction['effect'], cleanup = false): SqlAction {
  return { kind: 'sql', role: 'BS', statement: stmt(`SET GLOBAL ${variable} = ${value}`), note, effect, ...(cleanup ? { cleanup } : {}) };
}

const before = (ctx: RecoveryContext, variable: string) => ctx.state.bsSettings?.find((x) => x.variable === variable)?.before;

/** Step 4, before the import: BS's packet limit raised, its event scheduler off (both recorded, both put back after). */
export async function beforeImport(ctx: RecoveryContext): Promise<SqlAction[]> {
  const s = ctx.state.serverState;
  if (!s || !bothReachable(ctx)) return [];
  const out: SqlAction[] = [];
  const packet = Number(before(ctx, 'max_allowed_packet') ?? s.bs.maxAllowedPacket);
  if (s.gs.maxAllowedPacket > packet)
    out.push(
      setGlobal(
        'max_allowed_packet',
        IMPORT_MAX_ALLOWED_PACKET,
        `for the import only: GS allows ${mb(s.gs.maxAllowedPacket)} packets, BS ${mb(packet)}; put back after it`,
        (st) => remember(st, 'max_allowed_packet', String(packet)),
      ),
    );
  const scheduler = before(ctx, 'event_scheduler') ?? s.bs.eventScheduler;
  if (scheduler === 'ON' || scheduler === '1')
    out.push(
      setGlobal(
        'event_scheduler',
        'OFF',
        'no event runs on BS while the copy recreates them (root-defined events write through read_only); back ON after their status is set',
        (st) => remember(st, 'event_scheduler', 'ON'),
      ),
    );
  return out;
}

function remember(st: RecoveryState, variable: string, value: string): void {
  st.bsSettings = [...(st.bsSettings ?? []).filter((x) => x.variable !== variable), { variable, before: value }];
}

function forget(st: RecoveryState, variable: string): void {
  st.bsSettings = (st.bsSettings ?? []).filter((x) => x.variable !== variable);
  if (!st.bsSettings.length) delete st.bsSettings;
}

/** Each of GS's events whose status on BS must differ from GS's, altered on BS alone (not binary-logged). */
async function eventStatusActions(ctx: RecoveryContext): Promise<SqlAction[]> {
  const d = ctx.dialect.BS;
  const events = await eventsExpected(ctx);
  // The copy writes each event with GS's status: only those whose status on BS must differ are altered.
  const alter = events.filter((e) => e.expected !== e.status);
  if (!alter.length) return [];
  return [
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 0'), note: 'the status of BS’s copy of an event is BS’s alone' },
    ...alter.map((e): SqlAction => ({
      kind: 'sql',
      role: 'BS',
      statement: d.alterEventStatus(e.schema, e.name, e.expected === 'ENABLED' ? 'enable' : 'replica-disabled', e.definer),
      note:
        e.expected === 'ENABLED'
          ? `BS runs it (${e.originator === ctx.identity.BS!.serverId ? 'created on BS' : 'BS ran it before the copy'}); GS holds it as ${e.status}`
          : `GS runs it (${e.status} there): BS keeps it off, as a replica does, so that it does not run twice`,
    })),
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 1'), cleanup: true },
  ];
}

/**
 * The physical method, once BS runs on GS's data files: mysql.event is GS's, so GS's events are ENABLED on BS, and
 * the restart started BS's scheduler from BS's configuration. The scheduler is stopped first thing (ahead of the
 * fence; only the moments between the start and this statement remain), each event gets BS's status, and the
 * scheduler goes back to what it was before the copy. A scheduler started DISABLED cannot be switched at run time
 * (https://mariadb.com/kb/en/server-system-variables/#event_scheduler): then none runs, and nothing is switched.
 */
export async function scheduleAfterPhysicalCopy(ctx: RecoveryContext): Promise<{ first: SqlAction[]; last: SqlAction[] }> {
  const s = ctx.state.serverState;
  if (!s || !bothReachable(ctx) || s.bs.eventScheduler === 'DISABLED') return { first: [], last: [] };
  const first = [
    setGlobal(
      'event_scheduler',
      'OFF',
      'BS restarted on GS’s data files, where GS’s events are enabled: no event runs on BS until each has BS’s status',
      undefined,
    ),
  ];
  const was = s.bs.eventScheduler === '1' ? 'ON' : s.bs.eventScheduler;
  const last = [...(await eventStatusActions(ctx)), setGlobal('event_scheduler', was, 'as it was on BS before the copy', undefined)];
  return { first, last };
}

/**
 * The physical copy brings GS's mysql.plugin: a plugin BS alone had (INSTALL SONAME on BS, e.g. server_audit) would
 * not load at BS's next restart. Installed again on BS alone (not binary-logged) after BS starts on the copy;
 * IF NOT EXISTS (MariaDB 10.4+, https://mariadb.com/kb/en/install-plugin/) leaves one BS's configuration loads alone.
 */
export function reinstallBsPlugins(ctx: RecoveryContext): SqlAction[] {
  const plugins = (ctx.state.serverState?.bsOnlyPlugins ?? []).map((p) => /^(\S+) \((.+)\)$/.exec(p)).filter((m) => m !== null);
  if (!plugins.length) return [];
  const note = 'only BS had it; the copied mysql.plugin is GS’s: registered again on BS alone, so it loads at BS’s next start too';
  return [
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 0'), note: 'BS’s plugins are BS’s own configuration' },
    ...plugins.map((m): SqlAction => ({
      kind: 'sql',
      role: 'BS',
      statement: stmt(`INSTALL PLUGIN IF NOT EXISTS ${m[1]} SONAME '${m[2].replace(/'/g, "''")}'`),
      note,
    })),
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 1'), cleanup: true },
  ];
}

/** Step 4, after the import: each copied event's status on BS, the scheduler and the packet limit put back. */
export async function afterImport(ctx: RecoveryContext, pre: SqlAction[]): Promise<SqlAction[]> {
  if (!ctx.state.serverState || !bothReachable(ctx)) return [];
  const out: SqlAction[] = await eventStatusActions(ctx);
  // Switched off by this plan's beforeImport, or left off by the run being resumed.
  const offHere = pre.some((a) => a.statement.sql === 'SET GLOBAL event_scheduler = OFF');
  const sched = before(ctx, 'event_scheduler') ?? (offHere ? 'ON' : undefined);
  // Not a cleanup: after a failed import BS may hold events as GS has them, which must not run on BS; the stop says so.
  if (sched) out.push(setGlobal('event_scheduler', sched, 'back as it was before the copy', (st) => forget(st, 'event_scheduler')));
  return out;
}

/** Runs even when the import failed: BS's packet limit back as it was. */
export function restorePacket(ctx: RecoveryContext, planned: SqlAction[]): SqlAction[] {
  const raised = planned.find((a) => a.statement.sql.startsWith('SET GLOBAL max_allowed_packet'));
  const was = before(ctx, 'max_allowed_packet') ?? (raised ? String(ctx.state.serverState!.bs.maxAllowedPacket) : undefined);
  if (!was) return [];
  return [setGlobal('max_allowed_packet', was, 'back as it was before the import', (s) => forget(s, 'max_allowed_packet'), true)];
}

/** What step 4 left changed on BS when a run stops inside it. */
export function settingsLeft(ctx: RecoveryContext): string | undefined {
  const st = ctx.state.bsSettings ?? [];
  if (!st.length) return undefined;
  return st
    .map((x) =>
      x.variable === 'event_scheduler'
        ? `event_scheduler OFF (was ON: switched off for the import; --resume puts it back once the copy is complete)`
        : `${x.variable} raised for the import (was ${x.variable === 'max_allowed_packet' ? mb(Number(x.before)) : x.before}; SET GLOBAL ${x.variable} = ${x.before} puts it back)`,
    )
    .join('; ');
}

/** The proof: each of GS's events has on BS the status it must have. Mismatches, as the proof lists them. */
export async function eventMismatches(ctx: RecoveryContext, read: (role: Role, sql: string) => Promise<Row[]>): Promise<string[]> {
  if (!reachable(ctx, 'BS') || !ctx.identity.BS) return [];
  const toRows = async (role: Role) =>
    (await read(role, 'SELECT EVENT_SCHEMA, EVENT_NAME, STATUS, ORIGINATOR, DEFINER FROM information_schema.EVENTS')).map((r) => ({
      event: `${String(r.EVENT_SCHEMA)}.${String(r.EVENT_NAME)}`,
      schema: String(r.EVENT_SCHEMA),
      name: String(r.EVENT_NAME),
      status: String(r.STATUS).toUpperCase() as EventStatus,
      originator: Number(r.ORIGINATOR),
      definer: String(r.DEFINER),
    }));
  const [gs, bs] = await Promise.all([toRows('GS'), toRows('BS')]);
  const onBs = new Map(bs.map((e) => [e.event, e]));
  const beforeCopy = new Map((ctx.state.serverState?.bsEvents ?? []).map((e) => [e.event, e]));
  const out: string[] = [];
  for (const e of gs) {
    const b = onBs.get(e.event);
    const want = expectedOnBs(e, ctx.identity.BS.serverId, beforeCopy.get(e.event));
    if (!b) out.push(`event ${e.event}: missing on BS`);
    else if (b.status !== want) out.push(`event ${e.event}: ${b.status} on BS, expected ${want} (${e.status} on GS)`);
  }
  return out;
}

/** A row of MariaDB's mysql.gtid_slave_pos. */
export interface GtidSlavePosRow {
  domain: number;
  subId: number;
  serverId: number;
  seqNo: number;
}

/**
 * The proof (MariaDB): rows of BS's mysql.gtid_slave_pos that its replica does not know. "At any instant, the
 * replication state corresponds to records with largest sub_id for each domain_id", and the table carries that state
 * across restarts (https://mariadb.com/kb/en/mysqlgtid_slave_pos-table/): the server reads it when it starts (MDEV-12179,
 * https://github.com/MariaDB/server/commit/d3837c69a2), keeps the position in memory (@@gtid_slave_pos) and gives each
 * new row the next sub_id of a counter set from the rows it read; the newest row it wrote is its position's. A row with a greater sub_id that is not that position was written behind the
 * server's back (a copy of GS's table: MDEV-15393, https://jira.mariadb.org/browse/MDEV-15393): the counter reaches
 * it later and the replica stops on "Duplicate entry" (error 1942). Read while BS's SQL thread stands still.
 * Returns the stray rows, empty when the table and the position agree.
 */
export function strayGtidSlavePosRows(rows: GtidSlavePosRow[], slavePos: string): GtidSlavePosRow[] {
  const pos = slavePos
    .split(',')
    .map((g) => /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(g))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ domain: Number(m[1]), serverId: Number(m[2]), seqNo: Number(m[3]) }));
  const isPos = (r: GtidSlavePosRow) => pos.some((p) => p.domain === r.domain && p.serverId === r.serverId && p.seqNo === r.seqNo);
  const known = rows.filter(isPos);
  // No position known, or none of its rows in this table (gtid_pos_auto_engines keeps them in per-engine tables, or a
  // SET gtid_slave_pos in between): nothing to compare against, unless the position is empty and the table is not (the server read none of these rows).
  if (!known.length) return pos.length ? [] : rows;
  const newest = Math.max(...known.map((r) => r.subId));
  return rows.filter((r) => r.subId > newest && !isPos(r));
}

/** The proof's line for stray rows, as the operator needs it: what, on which server, what to do. */
export function describeStrayRows(stray: GtidSlavePosRow[], slavePos: string): string {
  const top = Math.max(...stray.map((r) => r.subId));
  return `BS’s mysql.gtid_slave_pos holds ${stray.length} row(s) its replica does not know (sub_id up to ${top}; its position is ${slavePos || 'empty'}): BS would stop later on "Duplicate entry" (error 1942); restart BS (it reads its counter from the table) or delete those rows with sql_log_bin=0`;
}

/** The proof (MariaDB): BS's gtid_slave_pos table against its position; [] when they agree. */
export async function gtidSlavePosMismatches(read: (role: Role, sql: string) => Promise<Row[]>): Promise<string[]> {
  const rows = (await read('BS', 'SELECT domain_id, sub_id, server_id, seq_no FROM mysql.gtid_slave_pos')).map((r) => ({
    domain: Number(r.domain_id),
    subId: Number(r.sub_id),
    serverId: Number(r.server_id),
    seqNo: Number(r.seq_no),
  }));
  const [p] = await read('BS', 'SELECT @@GLOBAL.gtid_slave_pos AS pos');
  const pos = String(p?.pos ?? '');
  const stray = strayGtidSlavePosRows(rows, pos);
  return stray.length ? [describeStrayRows(stray, pos)] : [];
}

/**
 * The proof: BS's accounts against GS's and against what BS held before the copy. The copy makes BS's accounts GS's;
 * the accounts BS alone had (or held otherwise) were named by the preflight and kept by step 2: with
 * --keep-bs-accounts they are back on BS, otherwise they are gone from BS and only the kept file holds them. Returns
 * what differs (the proof fails on it) and what the proof says of BS's own accounts.
 */
export function accountsVerdict(o: {
  gs: string[];
  bs: string[];
  /** BS's own accounts as the run measured them before the copy. */
  own: Array<{ name: string; kind: 'only-on-bs' | 'differs' }>;
  keep: boolean;
  file?: string;
  /** Each account's definition (accountDefinition: SHOW CREATE USER and SHOW GRANTS, normalised), by name. */
  defs?: { gs: Map<string, string>; bs: Map<string, string> };
}): { mismatched: string[]; said: string[] } {
  const show = (n: string) => n.replace(/`/g, "'");
  const onGs = new Set(o.gs);
  const onBs = new Set(o.bs);
  const own = new Map(o.own.map((a) => [a.name, a.kind]));
  const mismatched: string[] = [];
  const said: string[] = [];
  for (const n of o.gs) if (!onBs.has(n)) mismatched.push(`account ${show(n)}: on GS, missing on BS`);
  for (const n of o.bs)
    if (!onGs.has(n) && !(o.keep && own.get(n) === 'only-on-bs'))
      mismatched.push(
        `account ${show(n)}: on BS only, ${own.has(n) ? 'not put back by this run (--keep-bs-accounts was not given)' : 'not there before the copy'}`,
      );
  // Same name on both, other definition: only BS's own account put back by --keep-bs-accounts may differ from GS's.
  if (o.defs)
    for (const n of o.gs) {
      const g = o.defs.gs.get(n);
      const b = o.defs.bs.get(n);
      if (g === undefined || b === undefined || g === b) continue;
      if (o.keep && own.get(n) === 'differs') continue;
      mismatched.push(`account ${show(n)}: on GS and BS with another password, plugin or grants (SHOW CREATE USER, SHOW GRANTS)`);
    }
  const where = o.file ? ` (kept in ${o.file})` : '';
  for (const [n, kind] of own) {
    if (o.keep && kind === 'only-on-bs') {
      if (onBs.has(n)) said.push(`account ${show(n)}: BS’s own, kept on BS alone (--keep-bs-accounts)`);
      else mismatched.push(`account ${show(n)}: BS’s own, to be kept by --keep-bs-accounts, missing on BS`);
    } else if (o.keep) said.push(`account ${show(n)}: BS’s own password or grants put back on BS alone (--keep-bs-accounts)`);
    else if (kind === 'only-on-bs') said.push(`account ${show(n)}: BS’s own, dropped by the copy${where}`);
    else said.push(`account ${show(n)}: BS’s other password or grants replaced by GS’s${where}`);
  }
  return { mismatched, said };
}

/** The proof's accounts check on the servers (names from mysql.user, roles included on both sides alike). */
export async function accountsCheck(
  ctx: RecoveryContext,
  read: (role: Role, sql: string) => Promise<Row[]>,
): Promise<{ mismatched: string[]; said: string[] }> {
  const names = async (role: Role) =>
    (await read(role, 'SELECT User, Host FROM mysql.user')).map((r) => `${ident(String(r.User ?? r.user))}@${ident(String(r.Host ?? r.host))}`).sort();
  const [gs, bs] = await Promise.all([names('GS'), names('BS')]);
  const defs = async (role: Role) => new Map([...(await readAccounts((s) => read(role, s.sql))).entries()].map(([n, a]) => [n, accountDefinition(a)] as const));
  const [gsDefs, bsDefs] = await Promise.all([defs('GS'), defs('BS')]);
  return accountsVerdict({
    gs,
    bs,
    defs: { gs: gsDefs, bs: bsDefs },
    own: ctx.state.bsOnly?.accounts ?? [],
    keep: ctx.settings.keepBsAccounts,
    ...(ctx.state.backup?.accounts?.file ? { file: ctx.state.backup.accounts.file } : {}),
  });
}
