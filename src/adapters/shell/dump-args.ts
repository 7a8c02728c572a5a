// argv for the dump and the import. Pure, golden-tested. --defaults-extra-file must come first: the clients only
// honour it as their first argument (anywhere else it is an error).
//
// A dump's flags follow the client program AND the server it reads: the program found on the machine may be the other
// vendor's, or another version than the server. Each flag is decided from both here, and what no flag can make work is
// returned as a problem for the preflight to stop on.
import { has } from '../../dialect/dialect.js';
import { versionLabel, type ServerVersion } from '../../dialect/version.js';
import { compareVersions } from '../../dialect/version.js';
import { installHintFor, type Clients, type ClientProgram } from './clients.js';

export interface DumpOptions {
  optionFile: string;
  /**
   * The seed's --lock-all-tables, a consistent snapshot with the coordinates in its header, or a snapshot alone
   * (--single-transaction: a parallel copy's stream, whose coordinates the tool records under its own read lock).
   */
  consistency: 'lock-all-tables' | 'snapshot' | 'transaction';
  /**
   * A part of a parallel copy (absent: everything, as one stream): the schema (tables, views, routines; no data, no
   * trigger), the data of some tables (no CREATE, no trigger), what comes after the data (triggers, events), or the
   * mysql schema whole (accounts, grants).
   */
  part?: 'schema' | 'data' | 'post' | 'system';
  /** schema.table names left out (--ignore-table), for a data stream that holds only some tables of its schemas. */
  ignoreTables?: string[];
  /** --where for a data stream holding one primary-key range of one table. */
  where?: string;
  /** The server the dump reads (absent: decide from the client alone, as before the server was known). */
  server?: ServerVersion;
  /** The server the copy is imported into (BS), where it matters: the history of system-versioned tables. */
  target?: ServerVersion;
  /**
   * What the dump is for: the copy into BS, or a backup of BS meant to be replayed on a scratch server (which must
   * never carry GS's or BS's GTID_PURGED: a server with a GTID history of its own refuses it).
   */
  purpose?: 'copy' | 'backup';
  /**
   * GTID positioning: MariaDB's client writes the GTID position with the coordinates (--gtid); MySQL's sets
   * gtid_purged on the import (--set-gtid-purged=ON), so that auto-positioning knows what BS already holds.
   */
  gtid?: boolean;
  /** Only these schemas (default: all). */
  databases?: string[];
  /** Only these tables of one schema (a backup of the tables that cannot be kept row by row): no routine, no event. */
  tables?: { schema: string; names: string[] };
}

export interface DumpPlan {
  args: string[];
  /** Flags chosen from the client and the server together, with why (for the preflight's line). */
  reasons: string[];
  /** Why no flag can make this dump work: the preflight stops on these. */
  problems: string[];
}

/** A client program's version as THRESHOLDS reads it (an unknown version counts as the oldest). */
export function clientVersion(p: Pick<ClientProgram, 'flavor' | 'version'>): ServerVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(p.version);
  return { flavor: p.flavor, major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0), patch: Number(m?.[3] ?? 0), raw: p.version };
}

const name = (p: Pick<ClientProgram, 'command' | 'version'>) => `${p.command} ${p.version}`;

/**
 * Tables of the mysql schema a copy into BS leaves out: BS's own server state, not data.
 * - mysql.gtid_slave_pos (MariaDB): GS's rows carry sub_ids past BS's in-memory counter, which the import does not
 *   move; BS then stops thousands of transactions later on "Duplicate entry '0-NNNN'" (error 1942 / 1062). MDEV-15393
 *   (https://jira.mariadb.org/browse/MDEV-15393, fixed for --gtid dumps only): "this desynchronization may lead to a
 *   duplicate key error". BS keeps its own table; a GTID pair's position is set explicitly after the copy
 *   (SET GLOBAL gtid_slave_pos, which rewrites the table: https://mariadb.com/kb/en/gtid/#gtid_slave_pos).
 * - mysql.plugin: the plugins INSTALL PLUGIN/SONAME registered on BS, loaded again at each start
 *   (https://mariadb.com/kb/en/install-soname/, https://dev.mysql.com/doc/refman/8.0/en/plugin-loading.html): GS's
 *   table would drop BS's registrations at its next restart.
 * - mysql.help_topic, help_category, help_keyword, help_relation: the server-side HELP of the server's own version,
 *   loaded by its installer and upgrade (fill_help_tables.sql: https://dev.mysql.com/doc/refman/8.0/en/server-side-help-support.html,
 *   https://mariadb.com/kb/en/mysqlhelp_topic-table/). GS's would give BS another version's help, and they were most of
 *   a small pair's copy (2.5 MB of 2.7 MB on the lab).
 */
const HELP_TABLES = ['mysql.help_topic', 'mysql.help_category', 'mysql.help_keyword', 'mysql.help_relation'];

export function serverStateTables(flavor: 'mysql' | 'mariadb'): Array<{ table: string; why: string }> {
  return [
    ...(flavor === 'mariadb'
      ? [{ table: 'mysql.gtid_slave_pos', why: 'BS keeps its own GTID replication state (GS’s rows would collide with BS’s counter, MDEV-15393)' }]
      : []),
    { table: 'mysql.plugin', why: 'BS keeps its own plugin registrations' },
    ...HELP_TABLES.map((table) => ({ table, why: 'BS keeps the HELP of its own server version' })),
  ];
}

export function dumpPlan(c: Pick<Clients, 'dump'>, o: DumpOptions): DumpPlan {
  const p = c.dump;
  const cv = clientVersion(p);
  const server = o.server;
  const reasons: string[] = [];
  const problems: string[] = [];
  const some = (o.databases?.length ?? 0) > 0;
  const args = [`--defaults-extra-file=${o.optionFile}`];
  // mysqldump [options] db_name [tbl_name ...]: https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#mysqldump-syntax
  // Named tables: the schema and the tables come last (mysqldump [options] db_name [tbl_name ...]).
  if (!o.tables) args.push(...(some ? ['--databases', ...o.databases!] : ['--all-databases']));
  // --quick: row by row, never a whole table in the dump's memory.
  args.push('--quick');
  if (o.consistency === 'lock-all-tables') args.push('--lock-all-tables');
  else if (o.consistency === 'transaction') args.push('--single-transaction');
  else {
    args.push('--single-transaction');
    // =2: the coordinates as a comment in the header, read as the stream passes (never executed on BS).
    args.push(c.dump.sourceData ? '--source-data=2' : '--master-data=2');
    // Before 8.2 mysqldump (and mariadb-dump) read the coordinates with SHOW MASTER STATUS, which MySQL 8.4 removed
    // (https://dev.mysql.com/doc/relnotes/mysql/8.4/en/news-8-4-0.html).
    if (server && has(server, 'legacyReplicationRemoved') && !has(cv, 'dumpBinaryLogStatus'))
      problems.push(
        `${name(p)} reads the online copy's coordinates with SHOW MASTER STATUS, which ${versionLabel(server)} removed: install MySQL's mysqldump 8.2 or later, or use --method classic`,
      );
  }
  // A parallel copy's parts: triggers only once every row is in (a trigger must never fire on an imported row);
  // routines with the schema, before the views that may call them.
  if (o.part === 'schema') args.push('--no-data', '--skip-triggers', '--routines', '--skip-events');
  // --no-tablespaces: no INFORMATION_SCHEMA.FILES query between a data stream's snapshot and its first table.
  else if (o.part === 'data') args.push('--no-create-info', '--no-create-db', '--skip-triggers', '--skip-routines', '--skip-events', '--no-tablespaces');
  else if (o.part === 'post') args.push('--no-data', '--no-create-info', '--no-create-db', '--triggers', '--events', '--skip-routines');
  else if (o.part === 'system') args.push('--skip-triggers', '--skip-routines', '--skip-events', '--no-tablespaces');
  else if (o.tables) args.push('--skip-routines', '--skip-events', '--triggers');
  else args.push('--routines', '--events', '--triggers');
  for (const t of o.ignoreTables ?? []) args.push(`--ignore-table=${t}`);
  // The mysql schema is server state as well as accounts: a copy into BS leaves out what is BS's own.
  const withMysql = o.tables ? o.tables.schema === 'mysql' : !some || o.databases!.includes('mysql');
  if ((o.purpose ?? 'copy') === 'copy' && withMysql && o.part !== 'schema' && o.part !== 'post')
    for (const t of serverStateTables(server?.flavor ?? p.flavor)) {
      args.push(`--ignore-table=${t.table}`);
      reasons.push(`--ignore-table=${t.table}: ${t.why}`);
    }
  // The copy carries the history of system-versioned tables (MariaDB) where the client, GS and BS all allow it:
  // without it BS holds the current row versions only, and the audit trail the table was versioned for is gone.
  const copiesRows = (o.purpose ?? 'copy') === 'copy' && (o.part === undefined || o.part === 'data');
  if (copiesRows && has(cv, 'dumpHistory') && server && has(server, 'insertHistory') && (!o.target || has(o.target, 'insertHistory'))) {
    args.push('--dump-history');
    reasons.push('--dump-history: system-versioned tables are copied with every row version (MariaDB 10.11+ client, GS and BS)');
  }
  // Key ranges of one table load side by side: without --skip-add-locks each range's import opens with LOCK TABLES …
  // WRITE on that table (--opt's --add-locks), so the ranges queued behind one another (a stream showed "no data for
  // 20 s" while the other moved at 16 MB/s, and one big table gained nothing from streams).
  if (o.where !== undefined) args.push(`--where=${o.where}`, '--skip-add-locks');
  // A parallel copy's data streams carry each column's bytes as stored, unconverted (SET NAMES binary, as mydumper
  // does): GS no longer converts every string it sends to utf8mb4, nor BS every string it receives back into the
  // column's character set, about a tenth of BS's CPU on the lab's latin1 table (docs/benchmarks.md); and a byte
  // sequence that is not valid in the column's character set is copied as it is rather than replaced. MariaDB only:
  // MySQL refuses a binary string for a JSON column (ER 3144, "Cannot create a JSON value from a string with
  // CHARACTER SET 'binary'", https://dev.mysql.com/doc/refman/8.0/en/json.html#json-values), where MariaDB's JSON is
  // a LONGTEXT (https://mariadb.com/kb/en/json-data-type/). The DDL stays in the schema's own parts, with their names.
  if (binaryData(o)) {
    args.push(BYTES_CHARSET);
    reasons.push('--default-character-set=binary: the data streams copy each column’s bytes unconverted (MariaDB)');
  }
  // Accounts and grants travel with the mysql schema; reload them once imported.
  if ((!some && !o.tables) || o.part === 'system') args.push('--flush-privileges');
  // --hex-blob keeps binary columns safe in a text stream. A stream of bytes (binaryData) goes without it: under the
  // binary character set it would write every string column in hex too ("and other non-binary data types when used
  // with the binary character set", https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_hex-blob),
  // 1.7 times the bytes and three times the import client's CPU on the lab's table; escaped as the dump escapes every
  // string (no raw NUL, CR or LF inside a value), the bytes reach the column as they were.
  args.push(...(binaryData(o) ? [] : ['--hex-blob']), '--max-allowed-packet=1G');

  const copyByGtid = (o.purpose ?? 'copy') === 'copy' && o.gtid === true;
  const serverFlavor = server?.flavor ?? p.flavor;
  if (p.flavor === 'mysql' && has(cv, 'dumpSetGtidPurged')) {
    // https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_set-gtid-purged: "If ON is used and
    // GTIDs are not enabled on the server, an error is generated"; AUTO (the default) writes GTID_PURGED whenever the
    // server has GTIDs on, which an import into a server with a GTID history refuses (ER 1840 on 5.7, ER 3546 on 8.0).
    if (copyByGtid && serverFlavor === 'mysql') args.push('--set-gtid-purged=ON');
    else {
      args.push('--set-gtid-purged=OFF');
      reasons.push(
        o.purpose === 'backup'
          ? '--set-gtid-purged=OFF: the backup must replay on a server with a GTID history of its own'
          : serverFlavor === 'mariadb'
            ? '--set-gtid-purged=OFF: a MariaDB server has no gtid_mode for it to read'
            : '--set-gtid-purged=OFF: file/position, BS keeps its own GTID history',
      );
    }
  } else if (copyByGtid && p.flavor === 'mariadb' && serverFlavor === 'mariadb') args.push('--gtid');
  if (copyByGtid && serverFlavor === 'mysql' && p.flavor !== 'mysql')
    problems.push(`${name(p)} cannot write gtid_purged (--set-gtid-purged); install MySQL's mysqldump for a MySQL GTID pair, or use --positioning file`);
  if (copyByGtid && serverFlavor === 'mariadb' && p.flavor !== 'mariadb' && o.consistency === 'snapshot')
    problems.push(
      `${name(p)} cannot carry the GTID position in the online copy's header (mariadb-dump --gtid does): install mariadb-dump, or use --method classic`,
    );
  // MySQL 8's mysqldump reads information_schema.COLUMN_STATISTICS (ER 1109 where it does not exist).
  if (server && has(cv, 'dumpColumnStatistics') && !has(server, 'columnStatisticsTable')) {
    args.push('--column-statistics=0');
    reasons.push(`--column-statistics=0: ${versionLabel(server)} has no information_schema.COLUMN_STATISTICS`);
  }
  if (o.tables) args.push('--', o.tables.schema, ...o.tables.names);
  return { args, reasons, problems };
}

/**
 * The client programs against the servers' vendor and version: each vendor's own (MariaDB's client knows nothing of
 * MySQL 8's system schema and writes a sandbox line MySQL's client refuses; MySQL's knows nothing of MariaDB's GTIDs),
 * and MySQL's at or above the server's version (an older mysqldump reads with statements a newer server removed).
 * One line naming what to install, or undefined. Rule: ../../recovery/rules/rules.ts, `dump-client-of-server-vendor`.
 */
export function clientProblem(c: Pick<Clients, 'dump' | 'load'>, servers: readonly ServerVersion[]): string | undefined {
  const server = [...servers].sort((a, b) => compareVersions([b.major, b.minor, b.patch], [a.major, a.minor, a.patch]))[0];
  if (!server) return undefined;
  const want = `${server.major}.${server.minor}.${server.patch}`;
  const vendor = (f: string) => (f === 'mysql' ? 'MySQL' : 'MariaDB');
  const wrong = [c.dump, c.load].filter((p) => p.flavor !== server.flavor);
  if (wrong.length)
    return `${wrong.map((p) => `${name(p)} is ${vendor(p.flavor)}'s`).join(', ')} and the servers are ${versionLabel(server)}: install ${installHintFor(server.flavor, server.flavor === 'mysql' ? want : undefined)}`;
  if (server.flavor !== 'mysql') return undefined;
  const older = [c.dump, c.load].filter((p) => {
    const v = clientVersion(p);
    return compareVersions([v.major, v.minor, v.patch], [server.major, server.minor, server.patch]) < 0;
  });
  if (older.length)
    return `${older.map((p) => (p.version === 'unknown' ? `${p.command} (version unknown)` : name(p))).join(', ')} ${older.length > 1 ? 'are' : 'is'} older than ${versionLabel(server)}: install ${installHintFor('mysql', want)}`;
  return undefined;
}

/** The client option for a session whose strings are bytes (dump: sent as stored; import: read byte by byte). */
export const BYTES_CHARSET = '--default-character-set=binary';

/** Whether a dump carries its rows as bytes (see dumpPlan): a copy's data part read from MariaDB. */
export function binaryData(o: Pick<DumpOptions, 'part' | 'purpose' | 'server'>): boolean {
  return o.part === 'data' && (o.purpose ?? 'copy') === 'copy' && o.server?.flavor === 'mariadb';
}

export function dumpArgs(c: Pick<Clients, 'dump'>, o: DumpOptions): string[] {
  return dumpPlan(c, o).args;
}

/**
 * What the dump runs under: coreutils' stdbuf with a 64 KB output buffer, when the machine has it. Through a pipe
 * the dump's C library flushes every 4 KB (the pipe's block size), so the tool read 170 MB in 15-24 thousand pieces
 * and spent about 1 s of CPU moving them, on the same cores as both servers; in 64 KB writes (the size the tool
 * reads in) it takes about 2,700 reads and a third of that CPU, and the dump itself runs faster
 * (docs/benchmarks.md). 64 KB, not more: a parallel online copy releases GS once each stream's output shows its
 * snapshot is open, so the buffer is what that signal may wait for (mysqldump also flushes after every table).
 * https://www.gnu.org/software/coreutils/manual/html_node/stdbuf-invocation.html
 */
export const DUMP_STDOUT_BUFFER = '64K';

export function dumpVia(c: Pick<Clients, 'stdbuf'>): string[] | undefined {
  return c.stdbuf ? [c.stdbuf, `-o${DUMP_STDOUT_BUFFER}`] : undefined;
}

/** The import's session without the binary log (recovery/import-binlog.ts decides when). */
export const UNLOGGED_IMPORT = 'SET SESSION sql_log_bin = 0';

export function loadArgs(_c: Pick<Clients, 'load'>, o: { optionFile: string; unlogged?: boolean }): string[] {
  // No --force: the first error must stop the import, and the copy must count as failed.
  // --init-command runs on the client's connection before the stream, and again on any reconnect
  // (https://mariadb.com/kb/en/mariadb-command-line-client/#options, https://dev.mysql.com/doc/refman/8.0/en/mysql-command-options.html#option_mysql_init-command).
  return [`--defaults-extra-file=${o.optionFile}`, '--max-allowed-packet=1G', '--batch', ...(o.unlogged ? [`--init-command=${UNLOGGED_IMPORT}`] : [])];
}
