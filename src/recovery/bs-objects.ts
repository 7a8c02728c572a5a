// What only BS holds beyond table rows: its accounts and grants (the copy replaces the mysql schema with GS's), its
// routines, views, triggers and events (compared by definition: a view only on BS survives the dump, a procedure does
// not), and the history of system-versioned tables (MariaDB; CHECKSUM TABLE reads current rows only). Compared like
// data: read-only, on both servers; what BS alone holds is named, kept as replayable statements, and the proof checks
// that both servers end with the same objects and the same row versions.
import { ident, MASK, stmt, type Statement } from '../dialect/statement.js';
import { SYSTEM_SCHEMAS, type Query } from './compare.js';

const systemList = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');
const str = (v: unknown): string =>
  v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);

// ---------------------------------------------------------------------------------------------------------------
// Accounts

export interface Account {
  /** `'user'@'host'` as the server quotes it in statements. */
  name: string;
  /** SHOW CREATE USER: with the password hash or plugin. */
  create: string;
  /** SHOW GRANTS FOR, in the server's order. */
  grants: string[];
}

/** An account BS holds that GS does not, or holds with another password, plugin or grants. */
export interface AccountDiff {
  name: string;
  kind: 'only-on-bs' | 'differs';
}

const accountName = (user: string, host: string) => `${ident(user)}@${ident(host)}`;

/**
 * Every account of a server with what recreates it. Roles (MariaDB keeps them in mysql.user too) have no SHOW CREATE
 * USER: they are skipped here.
 */
export async function readAccounts(q: Query): Promise<Map<string, Account>> {
  const rows = await q(stmt('SELECT User, Host FROM mysql.user ORDER BY User, Host'));
  const out = new Map<string, Account>();
  for (const r of rows) {
    const name = accountName(str(r.User ?? r.user), str(r.Host ?? r.host));
    const create = await q(stmt(`SHOW CREATE USER ${name}`)).catch(() => undefined);
    if (!create?.[0]) continue;
    const grants = await q(stmt(`SHOW GRANTS FOR ${name}`)).catch(() => []);
    out.set(name, { name, create: str(Object.values(create[0])[0]), grants: grants.map((g) => str(Object.values(g)[0])) });
  }
  return out;
}

const accountText = (a: Account) => [a.create, ...[...a.grants].sort()].join('\n');

/** Accounts only on BS, or with another password, plugin or grants there. */
export function diffAccounts(gs: Map<string, Account>, bs: Map<string, Account>): Array<AccountDiff & { account: Account }> {
  const out: Array<AccountDiff & { account: Account }> = [];
  for (const [name, a] of bs) {
    const g = gs.get(name);
    if (!g) out.push({ name, kind: 'only-on-bs', account: a });
    else if (accountText(g) !== accountText(a)) out.push({ name, kind: 'differs', account: a });
  }
  return out;
}

/**
 * An account's definition in one comparable text: SHOW CREATE USER and SHOW GRANTS with quoting, spacing and grant
 * order made alike, and MariaDB's two spellings of a native password hash (IDENTIFIED BY PASSWORD '*…' and
 * IDENTIFIED VIA mysql_native_password USING '*…') made one, so that two servers' accounts compare by what they
 * allow, not by how each server prints them.
 */
export function accountDefinition(a: Account): string {
  const norm = (s: string) =>
    s
      .replace(/`/g, "'")
      .replace(/\s+/g, ' ')
      .replace(/IDENTIFIED (?:VIA|WITH) '?mysql_native_password'? (?:USING|AS) ('[^']*')/gi, 'IDENTIFIED BY PASSWORD $1')
      .trim();
  return [norm(a.create), ...a.grants.map(norm).sort()].join('\n');
}

/** The statements that recreate an account as BS had it (password hash or plugin, then its grants). */
export function accountStatements(a: Account): string[] {
  return [`DROP USER IF EXISTS ${a.name}`, a.create, ...a.grants];
}

/**
 * A statement whose password hash or authentication string is masked where it is shown: MariaDB's IDENTIFIED BY
 * PASSWORD '…' and IDENTIFIED VIA plugin USING/AS '…' (or PASSWORD('…')), MySQL's IDENTIFIED WITH 'plugin' AS '…'.
 */
export function maskedStatement(sql: string): Statement {
  const secret = /(IDENTIFIED\s+(?:BY\s+PASSWORD|(?:VIA|WITH)\s+[`'"]?\w+[`'"]?\s+(?:USING|AS|BY)))\s+('(?:[^'\\]|\\.)*'|\w+\('(?:[^'\\]|\\.)*'\))/gi;
  return { sql, shown: sql.replace(secret, `$1 ${MASK}`) };
}

export function describeAccounts(d: AccountDiff[]): string {
  return d.map((a) => `${a.name.replace(/`/g, "'")} (${a.kind === 'only-on-bs' ? 'only on BS' : 'other password or grants on BS'})`).join(', ');
}

/** The file of accounts: comments, then one statement per line (so that a later step can read it back). */
export function accountsFile(header: string[], diffs: Array<AccountDiff & { account: Account }>): string {
  const lines = header.map((h) => `-- ${h}`);
  for (const d of diffs) {
    lines.push('', `-- ${d.name} (${d.kind === 'only-on-bs' ? 'only on BS' : 'on GS too, with another password, plugin or grants'})`);
    for (const s of accountStatements(d.account)) lines.push(`${s.replace(/\n/g, ' ')};`);
  }
  return `${lines.join('\n')}\n`;
}

/** The statements of an accounts file, in order (comment lines skipped). */
export function parseAccountsFile(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('--'))
    .map((l) => l.replace(/;\s*$/, ''));
}

// ---------------------------------------------------------------------------------------------------------------
// Routines, views, triggers, events

export type ObjectType = 'procedure' | 'function' | 'view' | 'trigger' | 'event';

export interface DbObject {
  type: ObjectType;
  schema: string;
  name: string;
  /** Everything that defines it (not when it was created or last run, nor an event's status, which is each server's own). */
  definition: string;
}

export interface ObjectDiff {
  type: ObjectType;
  /** schema.name */
  object: string;
  kind: 'only-on-bs' | 'only-on-gs' | 'differs';
  /** For 'differs': the fields whose values differ (DEFINER, SQL_MODE, STARTS…). */
  fields?: string[];
}

/** Labelled fields, one per line ("NAME=value"), so that a difference can be named field by field. */
const fields = (cols: Array<[label: string, expr: string]>) =>
  `CONCAT_WS('\\n', ${cols.map(([label, expr]) => `CONCAT('${label}=', COALESCE(${expr}, 'NULL'))`).join(', ')})`;
const named = (...cols: string[]) => cols.map((c): [string, string] => [c.replace(/^\w+\./, ''), c]);

const OBJECT_QUERIES: Array<{ type: (r: Record<string, unknown>) => ObjectType; sql: string }> = [
  {
    type: (r) => (str(r.t).toUpperCase() === 'FUNCTION' ? 'function' : 'procedure'),
    sql: `SELECT r.ROUTINE_TYPE AS t, r.ROUTINE_SCHEMA AS s, r.ROUTINE_NAME AS n, ${fields([
      ...named('r.DEFINER', 'r.SECURITY_TYPE', 'r.SQL_MODE', 'r.DTD_IDENTIFIER', 'r.IS_DETERMINISTIC', 'r.SQL_DATA_ACCESS', 'r.ROUTINE_COMMENT'),
      [
        'PARAMETERS',
        `(SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER) ORDER BY p.ORDINAL_POSITION SEPARATOR ', ') ` +
          `FROM information_schema.PARAMETERS p WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.ROUTINE_NAME ` +
          `AND p.ROUTINE_TYPE = r.ROUTINE_TYPE AND p.ORDINAL_POSITION > 0)`,
      ],
      ...named('r.ROUTINE_DEFINITION'),
    ])} AS d FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA NOT IN (${systemList})`,
  },
  {
    type: () => 'view',
    sql: `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, ${fields(named('DEFINER', 'SECURITY_TYPE', 'CHECK_OPTION', 'VIEW_DEFINITION'))} AS d FROM information_schema.VIEWS WHERE TABLE_SCHEMA NOT IN (${systemList})`,
  },
  {
    type: () => 'trigger',
    sql:
      `SELECT TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n, ${fields(named('DEFINER', 'SQL_MODE', 'EVENT_OBJECT_TABLE', 'ACTION_TIMING', 'EVENT_MANIPULATION', 'ACTION_ORDER', 'ACTION_STATEMENT'))} AS d ` +
      `FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA NOT IN (${systemList})`,
  },
  {
    // STATUS and ORIGINATOR are each server's own (an event runs on one master: SLAVESIDE_DISABLED on the other).
    type: () => 'event',
    sql: `SELECT EVENT_SCHEMA AS s, EVENT_NAME AS n, ${fields(
      named(
        'DEFINER',
        'SQL_MODE',
        'TIME_ZONE',
        'EVENT_TYPE',
        'EXECUTE_AT',
        'INTERVAL_VALUE',
        'INTERVAL_FIELD',
        'STARTS',
        'ENDS',
        'ON_COMPLETION',
        'EVENT_COMMENT',
        'EVENT_DEFINITION',
      ),
    )} AS d FROM information_schema.EVENTS WHERE EVENT_SCHEMA NOT IN (${systemList})`,
  },
];

const key = (o: Pick<DbObject, 'type' | 'schema' | 'name'>) => `${o.type} ${o.schema}.${o.name}`;

/**
 * Every routine, view, trigger and event outside the system schemas, with its definition. With `unreadable`, a kind
 * whose query fails is left out and its query's error collected there instead of thrown: a resumed run may find BS
 * with a partial copy of GS's mysql schema (its mysql.event or mysql.proc not yet imported).
 */
export async function readObjects(q: Query, unreadable?: string[]): Promise<Map<string, DbObject>> {
  const out = new Map<string, DbObject>();
  for (const oq of OBJECT_QUERIES) {
    let rows: Awaited<ReturnType<Query>>;
    try {
      rows = await q(stmt(oq.sql));
    } catch (err) {
      if (!unreadable) throw err;
      unreadable.push((err as Error).message);
      continue;
    }
    for (const r of rows) {
      const o: DbObject = { type: oq.type(r), schema: str(r.s), name: str(r.n), definition: str(r.d) };
      out.set(key(o), o);
    }
  }
  return out;
}

/** How the objects of BS differ from GS's, both ways (sorted). */
export function diffObjects(gs: Map<string, DbObject>, bs: Map<string, DbObject>): ObjectDiff[] {
  const out: ObjectDiff[] = [];
  for (const [k, o] of bs) {
    const g = gs.get(k);
    if (!g) out.push({ type: o.type, object: `${o.schema}.${o.name}`, kind: 'only-on-bs' });
    else if (g.definition !== o.definition)
      out.push({ type: o.type, object: `${o.schema}.${o.name}`, kind: 'differs', fields: differingFields(g.definition, o.definition) });
  }
  for (const [k, o] of gs) if (!bs.has(k)) out.push({ type: o.type, object: `${o.schema}.${o.name}`, kind: 'only-on-gs' });
  return out.sort((a, b) => `${a.type} ${a.object}`.localeCompare(`${b.type} ${b.object}`));
}

/** The labels of the "NAME=value" lines that differ (a value may span lines: the lines up to the next label are its). */
function differingFields(a: string, b: string): string[] {
  const parse = (d: string) => {
    const m = new Map<string, string>();
    let label = '';
    for (const line of d.split('\n')) {
      const l = /^([A-Z_]+)=/.exec(line);
      if (l) label = l[1]!;
      m.set(label, m.has(label) && !l ? `${m.get(label)}\n${line}` : line);
    }
    return m;
  };
  const [x, y] = [parse(a), parse(b)];
  return [...new Set([...x.keys(), ...y.keys()])].filter((k) => x.get(k) !== y.get(k));
}

/** What BS holds of its own: objects only on BS, or defined otherwise there. */
export const bsSideObjects = (d: ObjectDiff[]) => d.filter((o) => o.kind !== 'only-on-gs');

export function describeObjects(d: ObjectDiff[]): string {
  const says = { 'only-on-bs': 'only on BS', 'only-on-gs': 'only on GS', differs: 'defined otherwise on BS' } as const;
  return d.map((o) => `${o.type} ${o.object} (${says[o.kind]})`).join(', ');
}

/** The proof's words for objects that differ (empty: the same routines, views, triggers and events on both). */
export async function compareDefinitions(gs: Query, bs: Query): Promise<string[]> {
  const [g, b] = await Promise.all([readObjects(gs), readObjects(bs)]);
  const says = { 'only-on-bs': 'only on BS', 'only-on-gs': 'only on GS', differs: 'defined otherwise on GS and BS' } as const;
  return diffObjects(g, b).map((o) => `${o.type} ${o.object}: ${says[o.kind]}${o.fields?.length ? ` (${o.fields.join(', ')})` : ''}`);
}

const SHOW_CREATE: Record<ObjectType, { what: string; column: string }> = {
  procedure: { what: 'PROCEDURE', column: 'Create Procedure' },
  function: { what: 'FUNCTION', column: 'Create Function' },
  view: { what: 'VIEW', column: 'Create View' },
  trigger: { what: 'TRIGGER', column: 'SQL Original Statement' },
  event: { what: 'EVENT', column: 'Create Event' },
};

const splitName = (object: string) => [object.slice(0, object.indexOf('.')), object.slice(object.indexOf('.') + 1)] as const;
const qualified = (object: string) => splitName(object).map(ident).join('.');

/** DROP … IF EXISTS for an object of BS, qualified with its schema. */
export function dropObject(o: Pick<ObjectDiff, 'type' | 'object'>): Statement {
  return stmt(`DROP ${SHOW_CREATE[o.type].what} IF EXISTS ${qualified(o.object)}`);
}

/** The DDL that recreates each object as BS defines it, for the mariadb/mysql client (DELIMITER ;;). */
export async function objectsDdl(bs: Query, diffs: ObjectDiff[]): Promise<string> {
  const parts: string[] = [];
  for (const o of diffs) {
    const sc = SHOW_CREATE[o.type];
    const [schema] = splitName(o.object);
    const rows = await bs(stmt(`SHOW CREATE ${sc.what} ${qualified(o.object)}`));
    const r = rows[0] ?? {};
    const create = str(r[sc.column]);
    const sqlMode = r.sql_mode;
    parts.push(
      `-- ${o.type} ${o.object} (${o.kind === 'only-on-bs' ? 'only on BS' : 'on GS too, defined otherwise'})`,
      `USE ${ident(schema)};`,
      'DELIMITER ;;',
      `${dropObject(o).sql};;`,
      ...(sqlMode !== undefined ? [`SET SESSION sql_mode = '${str(sqlMode).replace(/'/g, "''")}';;`] : []),
      `${create};;`,
      'DELIMITER ;',
      '',
    );
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// System-versioned history (MariaDB)

/**
 * Each system-versioned table with timestamp-based versioning: its row versions counted and checksummed
 * FOR SYSTEM_TIME ALL (https://mariadb.com/kb/en/system-versioned-tables/#querying-historical-data). A table versioned
 * by transaction id is left out: its row_start/row_end are the server's own transaction ids, never equal on a copy
 * (and mariadb-dump --dump-history does not dump them).
 */
export async function historyChecksums(q: Query): Promise<Map<string, string>> {
  const tables = await q(
    stmt(`SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_TYPE = 'SYSTEM VERSIONED' ORDER BY TABLE_SCHEMA, TABLE_NAME`),
  );
  const out = new Map<string, string>();
  for (const t of tables) {
    const table = `${ident(str(t.s))}.${ident(str(t.n))}`;
    const create = str(Object.values((await q(stmt(`SHOW CREATE TABLE ${table}`)))[0] ?? {})[1]);
    if (/\bbigint[^,\n]*GENERATED ALWAYS AS ROW START/i.test(create)) continue;
    const cols = await q(
      stmt(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${str(t.s).replace(/'/g, "''")}' AND TABLE_NAME = '${str(t.n).replace(/'/g, "''")}' ORDER BY ORDINAL_POSITION`,
      ),
    );
    // Implicit period columns (WITH SYSTEM VERSIONING alone) are invisible to information_schema.COLUMNS.
    const names = cols.map((c) => ident(str(c.c)));
    if (!/PERIOD FOR SYSTEM_TIME/i.test(create)) names.push('ROW_START', 'ROW_END');
    // A digest per column: the row's values joined can pass max_allowed_packet, and CONCAT_WS then returns NULL.
    const row = (
      await q(
        stmt(
          `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('#', ${names.map((c) => `COALESCE(MD5(${c}), 'NULL')`).join(', ')}))), 0) AS h FROM ${table} FOR SYSTEM_TIME ALL`,
        ),
      )
    )[0];
    out.set(`${str(t.s)}.${str(t.n)}`, `${str(row?.n)} row version(s), checksum ${str(row?.h)}`);
  }
  return out;
}

/** The proof's words for system-versioned tables whose row versions differ (empty: the same history on both). */
export async function compareHistory(gs: Query, bs: Query): Promise<string[]> {
  const [g, b] = await Promise.all([historyChecksums(gs), historyChecksums(bs)]);
  const out: string[] = [];
  for (const t of new Set([...g.keys(), ...b.keys()]))
    if (g.get(t) !== b.get(t)) out.push(`${t} FOR SYSTEM_TIME ALL: GS ${g.get(t) ?? 'not versioned'}, BS ${b.get(t) ?? 'not versioned'}`);
  return out.sort();
}
