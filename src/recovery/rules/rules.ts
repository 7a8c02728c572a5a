// The manuals' rules, as a table. Each rule quotes its page (URL and the sentence) and says which versions it covers;
// the checker (check.ts) replays a plan's actions over a small model of the servers and asks every rule about every
// event. This is what the vendors' manuals say a server would refuse, not what a server did: MySQL cannot run here.
//
// The versions below are restated from the manuals on purpose, not read from src/dialect's THRESHOLDS: a wrong
// threshold there then shows up here as a broken rule instead of agreeing with itself.
import type { ServerVersion } from '../../dialect/version.js';
import { atLeast, isMariadb, isMysql, type ClientInfo, type Place, type World } from './world.js';
import type { Source } from '../manual-source.js';

/** What happens on a server when a plan runs, as the rules see it. */
export type RuleEvent =
  /** A statement sent to `on`, by the tool or by a client program it runs (`by`), in step `step` where known. */
  | { type: 'statement'; on: Place; text: string; by: string; step?: number }
  /** A change to data or schemas on `on` by the tool's admin account (a DROP, the import, a marker row). */
  | { type: 'write'; on: Place; what: string }
  /** An account logs in to `on`: the admin (the tool, its clients) or `repl` (the other server's replica). */
  | { type: 'login'; on: Place; account: 'admin' | 'repl'; who: string }
  /** SET @@GLOBAL.GTID_PURGED runs on `on` (a dump's header, as the import replays it). */
  | { type: 'gtid-purged'; on: Place; who: string }
  /** A client program is started with `option`, against server `on`. */
  | { type: 'client-option'; on: Place; client: ClientInfo; option: string }
  /** A client program (the dump, the import) is started against server `on`. */
  | { type: 'client'; on: Place; client: ClientInfo; as: 'dump' | 'import' };

export type { Source };

export interface Rule {
  id: string;
  /** What the server refuses, in a line. */
  says: string;
  /** The versions it covers, in words (the check itself decides per version). */
  versions: string;
  sources: Source[];
  /** Why the server would refuse `e` in world `w`, or undefined when it would not. */
  check(e: RuleEvent, w: World): string | undefined;
}

const v = (w: World, on: Place): ServerVersion => w.servers[on].version;
const stmt = (e: RuleEvent, re: RegExp): string | undefined => (e.type === 'statement' && re.test(e.text) ? e.text : undefined);
const label = (s: ServerVersion) => `${s.flavor === 'mysql' ? 'MySQL' : 'MariaDB'} ${s.major}.${s.minor}.${s.patch}`;
const isChange = /^CHANGE (MASTER|REPLICATION SOURCE) TO\b/;
/**
 * Statements that change tables (the mysql schema included) or schemas. INSTALL/UNINSTALL PLUGIN or COMPONENT (and
 * MariaDB's INSTALL/UNINSTALL SONAME) and CREATE FUNCTION … SONAME write to the mysql schema too: super_read_only
 * refuses them (see the rule super-read-only-refuses-writes and its sysvar_super_read_only source).
 */
export const WRITE_STATEMENT =
  /^(DROP|CREATE|ALTER|INSERT|REPLACE|UPDATE|DELETE|TRUNCATE|RENAME|GRANT|REVOKE)\b|^(INSTALL|UNINSTALL) (PLUGIN|COMPONENT|SONAME)\b|^RESET (MASTER|BINARY LOGS AND GTIDS)\b/;

const RELNOTES_84 = 'https://dev.mysql.com/doc/relnotes/mysql/8.4/en/news-8-4-0.html';
const REMOVED_84 =
  'SQL statements removed. The following SQL statements have been removed (replacements in brackets): START SLAVE (START REPLICA); STOP SLAVE (STOP REPLICA); SHOW SLAVE STATUS (SHOW REPLICA STATUS); SHOW SLAVE HOSTS (SHOW REPLICAS); RESET SLAVE (RESET REPLICA); CHANGE MASTER TO (CHANGE REPLICATION SOURCE TO); RESET MASTER (RESET BINARY LOGS AND GTIDS); SHOW MASTER STATUS (SHOW BINARY LOG STATUS); PURGE MASTER LOGS (PURGE BINARY LOGS); and SHOW MASTER LOGS (SHOW BINARY LOGS).';

export const RULES: readonly Rule[] = [
  {
    id: 'offline-mode-refuses-logins',
    says: 'offline_mode refuses every new login from an account without CONNECTION_ADMIN or SUPER, another server’s replica included',
    versions: 'MySQL 5.7.5+',
    sources: [
      {
        url: 'https://dev.mysql.com/worklog/task/?id=3836',
        quote:
          'Func-Req (2.2): When "offline_mode" is set to ON, no further non-super user clients will be allowed to connect. A dedicated error message (ER_SERVER_OFFLINE_MODE) will be thrown.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_offline_mode',
        quote:
          '(paraphrase) Clients that lack CONNECTION_ADMIN (or the deprecated SUPER) are disconnected and cannot connect; replication threads running on the server keep applying data.',
      },
    ],
    check(e, w) {
      if (e.type !== 'login' || !atLeast(v(w, e.on), 'mysql', '5.7.5') || !w.servers[e.on].offlineMode) return;
      if (e.account === 'admin') return; // the preflight requires CONNECTION_ADMIN or SUPER of the admin account
      if (w.profile.start.replExempt) return;
      return `${e.who} logs in to ${e.on} as the replication account, which lacks CONNECTION_ADMIN/SUPER, while ${e.on} has offline_mode=ON (ER_SERVER_OFFLINE_MODE, 3032)`;
    },
  },
  {
    id: 'super-read-only-refuses-writes',
    says: 'super_read_only refuses writes and DDL from every client, SUPER included (replication threads excepted)',
    versions: 'MySQL 5.7.8+',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/5.7/en/server-system-variables.html#sysvar_super_read_only',
        quote:
          'If the read_only system variable is enabled, the server permits client updates only from users who have the SUPER privilege. If the super_read_only system variable is also enabled, the server prohibits client updates even from users who have SUPER.',
      },
      {
        url: 'https://dev.mysql.com/worklog/task/?id=6799',
        quote:
          'FR4 : When super_read_only is set to ON, operations prohibited by read_only (for non-SUPER users) will not be permitted by users with SUPER privilege.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/5.7/en/server-system-variables.html#sysvar_super_read_only',
        quote:
          'Client updates prevented when super_read_only is enabled include operations that do not necessarily appear to be updates, such as CREATE FUNCTION (to install a UDF) and INSTALL PLUGIN. These operations are prohibited because they involve changes to tables in the mysql system database.',
      },
    ],
    check(e, w) {
      if (e.type !== 'write' || !atLeast(v(w, e.on), 'mysql', '5.7.8') || !w.servers[e.on].superReadOnly) return;
      return `${e.what} on ${e.on} while super_read_only=ON (ER_OPTION_PREVENTS_STATEMENT, 1290)`;
    },
  },
  {
    id: 'read-only-admin',
    says: 'from MariaDB 10.11.1, read_only refuses writes from accounts without READ ONLY ADMIN: SUPER no longer implies it (MDEV-29596)',
    versions:
      'MariaDB 10.11.1+ (the GRANT page files it under 11.0.1; the 10.11 release notes and the 10.11.1 changelog carry it, and on 10.11.19 SUPER alone is refused live; src/dialect holds the same 10.11.1)',
    sources: [
      {
        url: 'https://mariadb.com/kb/en/what-is-mariadb-1011/',
        quote: 'Separate SUPER and READ ONLY ADMIN privileges (MDEV-29596)',
      },
      {
        url: 'https://mariadb.com/kb/en/mariadb-10-11-1-changelog/',
        quote: 'Revision #47dccace13 2022-09-21 19:16:33 +0300 — MDEV-29596 Separate SUPER and READ ONLY ADMIN privileges',
      },
      {
        url: 'https://github.com/MariaDB/server/commit/47dccace13',
        quote:
          'MDEV-29596 Separate SUPER and READ ONLY ADMIN privileges. The benefit of this is that one can remove the READ ONLY ADMIN privilege from all users and this way ensure that no one can do any changes on any non-temporary tables.',
      },
      {
        url: 'https://mariadb.com/docs/server/ref/mdb/system-variables/read_only',
        quote:
          "In 11.4 ES: Make all non-temporary tables read-only, with the exception for replication (slave) threads and users with the 'READ ONLY ADMIN' privilege",
      },
    ],
    check(e, w) {
      if (e.type !== 'write' || !atLeast(v(w, e.on), 'mariadb', '10.11.1') || !w.servers[e.on].readOnly) return;
      if (w.profile.start.adminReadOnlyAdmin) return;
      return `${e.what} on ${e.on} while read_only=ON, by an admin account without READ ONLY ADMIN (ER_OPTION_PREVENTS_STATEMENT, 1290)`;
    },
  },
  {
    id: 'fence-bounded-after-client-list',
    says: 'SET GLOBAL read_only (or super_read_only) = ON waits for other sessions’ table locks (MySQL: and open transactions) and queues new writes behind it: the clients are listed and offered a KILL first (step 1), and the wait is bounded by lock_wait_timeout',
    versions: 'MySQL 5.7+ and MariaDB (every version this tool supports; MariaDB bounds one statement with SET STATEMENT from 10.1.2)',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_read_only',
        quote:
          'If you attempt to enable read_only while other clients hold explicit table locks or have pending transactions, the attempt blocks until the locks are released and the transactions end. While the attempt to enable read_only is pending, requests by other clients for table locks or to begin transactions also block until read_only has been set.',
      },
      {
        url: 'https://mariadb.com/kb/en/read-only-replicas/',
        quote:
          'Attempting to set the read_only variable to 1 will fail if the current session has table locks or transactions pending. The statement will wait for other sessions that hold table locks. While the attempt to set read_only is waiting, other requests for table locks or transactions will also wait until read_only has been set.',
      },
      {
        url: 'https://dev.mysql.com/worklog/task/?id=3602',
        quote:
          'WL#3602: SET GLOBAL READ_ONLY — the fix for BUG#11733 and BUG#22009: acquiring the global read lock in SET GLOBAL READONLY (paraphrase of its change list)',
      },
      {
        url: 'https://mariadb.com/kb/en/set-statement/',
        quote: '(paraphrase) SET STATEMENT var=value FOR statement sets a session variable for the duration of one statement only (MariaDB 10.1.2+).',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_offline_mode',
        quote:
          '(paraphrase) When offline_mode is enabled, connected clients without CONNECTION_ADMIN (or SUPER) are disconnected, which terminates their running statements and releases their locks; so on MySQL it goes on before read_only waits on them.',
      },
    ],
    check(e, w) {
      if (e.type !== 'statement' || e.by !== 'tool' || e.on !== 'BS') return;
      const m = /^(SET STATEMENT lock_wait_timeout=\d+ FOR )?SET GLOBAL (read_only|super_read_only) = ON$/.exec(e.text);
      if (!m) return;
      const s = w.servers.BS;
      // Already on: the server takes no lock to set what it has. super_read_only takes the global read lock only to
      // switch read_only on with it: with read_only already ON it is set at once (MySQL's fix_super_read_only).
      if (m[2] === 'read_only' ? s.readOnly : s.superReadOnly || s.readOnly) return;
      if (!m[1] && !s.sessionLockWait)
        return `${e.text} on BS without a lock_wait_timeout bound: it waits for every session holding a table lock (the server default is a year) while new writes queue behind it`;
      if (e.step === 1 && !s.clientsListed)
        return `${e.text} on BS before BS's client connections were listed and offered a KILL: a client holding a lock makes it wait the whole bound`;
      return;
    },
  },
  {
    id: 'file-position-needs-auto-position-off',
    says: 'a change-source statement naming a log file/position is refused while the channel auto-positions, unless it also says *_AUTO_POSITION=0',
    versions: 'MySQL 5.6+',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html#error_er_bad_slave_auto_position',
        quote:
          'Error number: 1776; Symbol: ER_BAD_SLAVE_AUTO_POSITION; Message: Parameters SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be set when SOURCE_AUTO_POSITION is active.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html',
        quote: 'Disabling the SOURCE_AUTO_POSITION | MASTER_AUTO_POSITION option again causes the replica to revert to position-based replication',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text || !isMysql(v(w, e.on)) || !/_LOG_FILE=/.test(text)) return;
      if (!w.servers[e.on].channel.autoPosition || /_AUTO_POSITION=0\b/.test(text)) return;
      return `${e.on}'s channel auto-positions, and the statement names a file/position without *_AUTO_POSITION=0 (ER 1776)`;
    },
  },
  {
    id: 'gtid-only-blocks-auto-position-off',
    says: 'a GTID_ONLY=1 channel cannot stop auto-positioning unless the same statement says GTID_ONLY=0',
    versions: 'MySQL 8.0.27+',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/change-replication-source-to.html',
        quote: '(paraphrase) GTID_ONLY = 1 requires SOURCE_AUTO_POSITION = 1 (and GTID_MODE = ON) on the channel; set GTID_ONLY = 0 to use file/position.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-auto-positioning.html',
        quote:
          'Disabling the SOURCE_AUTO_POSITION option again causes the replica to revert to file-based replication; this means that, when GTID_ONLY=ON, some positions may be marked as invalid',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text || !atLeast(v(w, e.on), 'mysql', '8.0.27') || !/_AUTO_POSITION=0\b/.test(text)) return;
      if (!w.servers[e.on].channel.gtidOnly || /\bGTID_ONLY=0\b/.test(text)) return;
      return `${e.on}'s channel has GTID_ONLY=1, and the statement turns auto-positioning off without GTID_ONLY=0`;
    },
  },
  {
    id: 'auto-position-needs-gtid-mode',
    says: '*_AUTO_POSITION=1 needs GTIDs enabled on the replica (gtid_mode ON, ON_PERMISSIVE or OFF_PERMISSIVE: not OFF) and gtid_mode=ON on the source to connect',
    versions: 'MySQL 5.7+ (the model knows gtid_mode ON and OFF only: a permissive mode counts as OFF here, which is stricter)',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html',
        quote:
          'When a replica has GTIDs enabled (GTID_MODE=ON, ON_PERMISSIVE, or OFF_PERMISSIVE ) and the SOURCE_AUTO_POSITION option enabled, auto-positioning is activated for connection to the source. The source must have GTID_MODE=ON set in order for the connection to succeed.',
      },
      {
        url: 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html#error_er_auto_position_requires_gtid_mode_not_off',
        quote:
          'Error number: 1777; Symbol: ER_AUTO_POSITION_REQUIRES_GTID_MODE_NOT_OFF; Message: CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION = 1 cannot be executed because @@GLOBAL.GTID_MODE = OFF.',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text || !isMysql(v(w, e.on)) || !/_AUTO_POSITION=1\b/.test(text)) return;
      if (!w.servers[e.on].gtidMode) return `${e.on} has gtid_mode=OFF (ER 1777; the replica needs ON, ON_PERMISSIVE or OFF_PERMISSIVE)`;
      const source = e.on === 'GS' ? 'BS' : e.on === 'BS' ? 'GS' : undefined;
      if (source && !w.servers[source].gtidMode) return `${e.on} auto-positions on ${source}, whose gtid_mode is not ON: the connection to the source fails`;
      return;
    },
  },
  {
    id: 'gtid-purged-needs-empty-history',
    says: 'SET @@GLOBAL.GTID_PURGED is refused unless gtid_executed allows it (empty on 5.7; no overlap from 8.0)',
    versions: 'MySQL 5.7+',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/5.7/en/replication-options-gtids.html#sysvar_gtid_purged',
        quote: '(error 1840) @@GLOBAL.GTID_PURGED can only be set when @@GLOBAL.GTID_EXECUTED is empty.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged',
        quote: '(error 3546) @@GLOBAL.GTID_PURGED cannot be changed: the added gtid set must not overlap with @@GLOBAL.GTID_EXECUTED',
      },
    ],
    check(e, w) {
      if (e.type !== 'gtid-purged' || !isMysql(v(w, e.on))) return;
      const s = w.servers[e.on];
      if (!s.gtidMode) return `${e.who} sets GTID_PURGED on ${e.on}, which has gtid_mode=OFF (ER 1839)`;
      if (!s.gtidHistory) return;
      return `${e.who} sets GTID_PURGED on ${e.on}, whose gtid_executed is not empty (${atLeast(v(w, e.on), 'mysql', '8.0.0') ? 'ER 3546' : 'ER 1840'})`;
    },
  },
  {
    id: 'set-gtid-purged-on-needs-gtid-mode',
    says: 'mysqldump --set-gtid-purged=ON fails against a server without GTIDs (MariaDB has no gtid_mode)',
    versions: 'mysqldump 5.6.9+, against any server with GTIDs off',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_set-gtid-purged',
        quote:
          'ON: If GTIDs are enabled on the server you are backing up, SET @@GLOBAL.gtid_purged is added to the output (unless gtid_executed is empty), and SET @@SESSION.sql_log_bin=0 is added to the output. An error occurs if you set this option but GTIDs are not enabled on the server.',
      },
    ],
    check(e, w) {
      if (e.type !== 'client-option' || e.client.flavor !== 'mysql' || e.option !== '--set-gtid-purged=ON') return;
      if (w.servers[e.on].gtidMode) return;
      return `${e.client.program} ${e.client.version} --set-gtid-purged=ON against ${label(v(w, e.on))} with GTIDs off ("Server has GTIDs disabled")`;
    },
  },
  {
    id: 'column-statistics-needs-mysql-8',
    says: 'MySQL 8’s mysqldump reads information_schema.COLUMN_STATISTICS, which only MySQL 8.0+ has, unless --column-statistics=0',
    versions: 'mysqldump 8.0+, against MySQL 5.7 or MariaDB',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/information-schema-column-statistics-table.html',
        quote: 'The COLUMN_STATISTICS table provides access to histogram statistics for column values.',
      },
      {
        // The manual's option page says the option is disabled by default; the mysqldump 8.0 source declares it with
        // default 1 (the GET_BOOL entry's default value), which is what the client does: it reads COLUMN_STATISTICS
        // unless told --column-statistics=0 ("Unknown table 'COLUMN_STATISTICS' in information_schema", ER 1109).
        url: 'https://github.com/mysql/mysql-server/blob/0430413c40eeee779dc65301df1bc4959286b583/client/mysqldump.cc',
        quote:
          '{"column-statistics", 0, "Add an ANALYZE TABLE statement to regenerate any existing column statistics.", &column_statistics, &column_statistics, 0, GET_BOOL, NO_ARG, 1, 0, 0, 0, 0, 0}',
      },
    ],
    check(e, w) {
      if (e.type !== 'statement') return;
      const text = stmt(e, /information_schema\.COLUMN_STATISTICS/);
      if (!text) return;
      const s = v(w, e.on);
      if (atLeast(s, 'mysql', '8.0.0')) return;
      return `${e.by} reads information_schema.COLUMN_STATISTICS on ${label(s)}, which has no such table (ER 1109)`;
    },
  },
  {
    id: 'client-options-exist',
    says: 'a client program refuses an option it does not know',
    versions: 'mysqldump (--set-gtid-purged 5.6.9+, --column-statistics 8.0+, --source-data 8.0.26+); mariadb-dump (--gtid)',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_source-data',
        quote: 'From MySQL 8.0.26, use --source-data, and before MySQL 8.0.26, use --master-data.',
      },
      {
        url: 'https://mariadb.com/kb/en/mariadb-dump/',
        quote: '(paraphrase) --gtid: used together with --master-data and --dump-slave to more conveniently set up a new GTID slave.',
      },
    ],
    check(e) {
      if (e.type !== 'client-option') return;
      const c = e.client;
      const name = e.option.replace(/=.*$/, '');
      const known: Record<string, boolean> = {
        '--set-gtid-purged': atLeast(c, 'mysql', '5.6.9'),
        '--column-statistics': atLeast(c, 'mysql', '8.0.0'),
        '--source-data': atLeast(c, 'mysql', '8.0.26'),
        '--gtid': c.flavor === 'mariadb',
      };
      if (!(name in known) || known[name]) return;
      return `${c.program} ${c.version} (${c.flavor}) has no ${name} option`;
    },
  },
  {
    id: 'statements-removed-in-8.4',
    says: 'MySQL 8.4 removed SHOW MASTER STATUS, CHANGE MASTER TO, START/STOP SLAVE, SHOW SLAVE STATUS, RESET MASTER, RESET SLAVE and the MASTER_* options of CHANGE REPLICATION SOURCE TO and START REPLICA',
    versions: 'MySQL 8.4+',
    sources: [
      { url: RELNOTES_84, quote: REMOVED_84 },
      {
        url: RELNOTES_84,
        quote:
          'Statement options removed. The following options formerly supported by CHANGE REPLICATION SOURCE TO and START REPLICA have been removed and are no longer accepted by the server.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.4/en/show-master-status.html',
        quote: 'This statement is no longer supported, and has been replaced by SHOW BINARY LOG STATUS.',
      },
    ],
    check(e, w) {
      if (e.type !== 'statement') return;
      const text = stmt(e, /^(START|STOP) SLAVE\b|^SHOW (SLAVE|MASTER) STATUS\b|^RESET (SLAVE|MASTER)\b|^CHANGE MASTER TO\b|(^|[ ,])(GET_)?MASTER_[A-Z_]+=/);
      if (!text || !atLeast(v(w, e.on), 'mysql', '8.4.0')) return;
      return `${e.by === 'tool' ? '' : `${e.by} runs `}${text.slice(0, 40)}… on ${label(v(w, e.on))}, which removed it`;
    },
  },
  {
    id: 'replica-statements-from',
    says: 'START/STOP REPLICA, SHOW REPLICA STATUS and RESET REPLICA exist from MySQL 8.0.22 and MariaDB 10.5.1',
    versions: 'MySQL < 8.0.22, MariaDB < 10.5.1',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/stop-slave.html',
        quote: 'From MySQL 8.0.22, STOP SLAVE is deprecated and the alias STOP REPLICA should be used instead.',
      },
      { url: 'https://mariadb.com/kb/en/start-replica/', quote: '(paraphrase) START REPLICA is an alias for START SLAVE from MariaDB 10.5.1.' },
    ],
    check(e, w) {
      const text = stmt(e, /^(START|STOP) REPLICA\b|^SHOW REPLICA STATUS\b|^RESET REPLICA\b/);
      const s = v(w, e.on);
      if (!text || atLeast(s, 'mysql', '8.0.22') || atLeast(s, 'mariadb', '10.5.1')) return;
      return `${text.slice(0, 30)}… on ${label(s)}, which does not know it yet`;
    },
  },
  {
    id: 'change-replication-source-from',
    says: 'CHANGE REPLICATION SOURCE TO and the SOURCE_* option names exist from MySQL 8.0.23; MariaDB has only CHANGE MASTER TO',
    versions: 'MySQL < 8.0.23, MariaDB',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html',
        quote:
          'you need to enable the SOURCE_AUTO_POSITION | MASTER_AUTO_POSITION option in the CHANGE REPLICATION SOURCE TO statement (from MySQL 8.0.23) or CHANGE MASTER TO statement (before MySQL 8.0.23).',
      },
    ],
    check(e, w) {
      const text = stmt(e, /^CHANGE REPLICATION SOURCE TO\b|\bSOURCE_[A-Z_]+=/);
      const s = v(w, e.on);
      if (!text || atLeast(s, 'mysql', '8.0.23')) return;
      return `${text.slice(0, 40)}… on ${label(s)}, which has only CHANGE MASTER TO and MASTER_* options`;
    },
  },
  {
    id: 'binary-log-status-from',
    says: 'SHOW BINARY LOG STATUS and RESET BINARY LOGS AND GTIDS exist from MySQL 8.2.0 (MariaDB: never; it has SHOW BINLOG STATUS from 10.5.2)',
    versions: 'MySQL < 8.2.0, MariaDB',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.2/en/show-binary-log-status.html',
        quote: 'This statement is added in MySQL 8.2.0 as a replacement for SHOW MASTER STATUS, which is now deprecated.',
      },
    ],
    check(e, w) {
      const text = stmt(e, /^SHOW BINARY LOG STATUS\b|^RESET BINARY LOGS AND GTIDS\b/);
      const s = v(w, e.on);
      if (!text || atLeast(s, 'mysql', '8.2.0')) return;
      return `${text} on ${label(s)}, which does not have it`;
    },
  },
  {
    id: 'binlog-status-mariadb',
    says: 'SHOW BINLOG STATUS is MariaDB’s, from 10.5.2',
    versions: 'MariaDB < 10.5.2, MySQL',
    sources: [
      {
        url: 'https://mariadb.com/kb/en/show-binlog-status/',
        quote: 'SHOW MASTER STATUS was renamed to SHOW BINLOG STATUS in MariaDB 10.5.2, but the old name remains an alias for compatibility purposes.',
      },
    ],
    check(e, w) {
      const text = stmt(e, /^SHOW BINLOG STATUS\b/);
      const s = v(w, e.on);
      if (!text || atLeast(s, 'mariadb', '10.5.2')) return;
      return `${text} on ${label(s)}, which does not have it`;
    },
  },
  {
    id: 'positioning-options-per-flavor',
    says: 'MASTER_USE_GTID is MariaDB’s; *_AUTO_POSITION and GTID_ONLY are MySQL’s (GTID_ONLY from 8.0.27)',
    versions: 'all',
    sources: [
      {
        url: 'https://mariadb.com/kb/en/change-master-to/#master_use_gtid',
        quote: '(paraphrase) MASTER_USE_GTID = {current_pos | slave_pos | no}: MariaDB’s GTID positioning for CHANGE MASTER.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/change-replication-source-to.html',
        quote: '(paraphrase) GTID_ONLY = {0|1} is available from MySQL 8.0.27.',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text) return;
      const s = v(w, e.on);
      if (isMysql(s) && /MASTER_USE_GTID=/.test(text)) return `MASTER_USE_GTID on ${label(s)}`;
      if (isMariadb(s) && /_AUTO_POSITION=|\bGTID_ONLY=/.test(text)) return `${/GTID_ONLY/.test(text) ? 'GTID_ONLY' : '*_AUTO_POSITION'} on ${label(s)}`;
      if (/\bGTID_ONLY=/.test(text) && !atLeast(s, 'mysql', '8.0.27')) return `GTID_ONLY on ${label(s)}, before 8.0.27`;
      return;
    },
  },
  {
    id: 'public-key-option',
    says: 'GET_MASTER_PUBLIC_KEY exists from MySQL 8.0.4 (none in 5.7), GET_SOURCE_PUBLIC_KEY with CHANGE REPLICATION SOURCE; MariaDB has neither',
    versions: 'MySQL 5.7, MariaDB',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/change-master-to.html',
        quote: '(paraphrase) GET_MASTER_PUBLIC_KEY = {0|1}: request from the source the RSA public key for caching_sha2_password; added in MySQL 8.0.4.',
      },
    ],
    check(e, w) {
      const text = stmt(e, /\bGET_(MASTER|SOURCE)_PUBLIC_KEY=/);
      const s = v(w, e.on);
      if (!text || atLeast(s, 'mysql', '8.0.4')) return;
      return `GET_*_PUBLIC_KEY on ${label(s)}, which does not have it`;
    },
  },
  {
    id: 'caching-sha2-needs-key-or-tls',
    says: 'a replica of a MySQL 8.0.4+ source (caching_sha2_password by default) without TLS must be allowed to fetch the RSA public key',
    versions: 'MySQL 8.0.4+',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/change-replication-source-to.html#crs-opt-get_source_public_key',
        quote:
          'GET_SOURCE_PUBLIC_KEY = {0|1}: Enables RSA key pair-based password exchange by requesting the public key from the source. The option is disabled by default. This option applies to replicas that authenticate with the caching_sha2_password authentication plugin. For connections by accounts that authenticate using this plugin, the source does not send the public key unless requested, so it must be requested or specified in the client.',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text || !atLeast(v(w, e.on), 'mysql', '8.0.4')) return;
      if (/_SSL=1\b/.test(text) || /GET_(MASTER|SOURCE)_PUBLIC_KEY=1\b/.test(text)) return;
      return `${e.on}'s channel has neither TLS nor GET_*_PUBLIC_KEY=1: a caching_sha2_password login from the replica fails`;
    },
  },
  {
    id: 'dump-client-of-server-vendor',
    says: 'the dump and the import run with the servers’ vendor’s own client programs: MySQL’s mysqldump/mysql at or above the server’s version, MariaDB’s mariadb-dump/mariadb for MariaDB',
    versions: 'all',
    sources: [
      {
        url: 'https://mariadb.org/mariadb-dump-file-compatibility-change/',
        quote:
          'Older versions of MariaDB client and all versions of MySQL client do not understand this command, and they will error on it. Here lies the compatibility problem.',
      },
      // An older mysqldump reads with statements a newer server removed (SHOW MASTER STATUS before 8.2's client).
      { url: RELNOTES_84, quote: REMOVED_84 },
    ],
    check(e, w) {
      if (e.type !== 'client') return;
      const s = v(w, e.on);
      const c = e.client;
      if (c.flavor !== s.flavor)
        return `${e.as === 'dump' ? 'the dump' : 'the import'} runs ${c.program} ${c.version} (${c.flavor === 'mysql' ? 'MySQL' : 'MariaDB'}'s) against ${label(s)}`;
      if (isMysql(s) && !atLeast(c, 'mysql', `${s.major}.${s.minor}.${s.patch}`))
        return `${e.as === 'dump' ? 'the dump' : 'the import'} runs ${c.program} ${c.version}, older than ${label(s)}`;
      return;
    },
  },
  {
    id: 'file-positioning-on-gtid-server',
    says: 'on a gtid_mode=ON pair, replication by file/position after an import with --set-gtid-purged=OFF leaves the import logged under BS’s own server_uuid: a later switch to auto-positioning makes GS fetch the whole import; only with the operator’s --accept-file-positioning-on-gtid',
    versions: 'MySQL 5.7+ with gtid_mode=ON',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html',
        quote:
          'In the initial handshake, the replica sends a GTID set containing the transactions that it has already received, committed, or both. (paraphrase) The source then sends every transaction in its binary log whose GTID is not in that set.',
      },
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html#option_mysqldump_set-gtid-purged',
        quote:
          'OFF: SET @@SESSION.sql_log_bin=0 is not added to the output, and SET @@GLOBAL.gtid_purged is not added to the output. (paraphrase) The reloaded transactions are then logged with new GTIDs under the importing server’s own server_uuid.',
      },
    ],
    check(e, w) {
      const text = stmt(e, isChange);
      if (!text || e.on !== 'BS' || !isMysql(v(w, e.on)) || !/_LOG_FILE=/.test(text)) return;
      if (!w.servers.BS.gtidMode || w.profile.start.fileOnGtidAccepted) return;
      return 'BS positions by file on a gtid_mode=ON pair, the import logged under BS’s own server_uuid, without --accept-file-positioning-on-gtid';
    },
  },
];

export const ruleById = (id: string): Rule | undefined => RULES.find((r) => r.id === id);
