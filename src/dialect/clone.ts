// MySQL's clone plugin (8.0.17+), as statements: golden-tested in test/unit/clone.test.ts. The manual's pages:
// installation https://dev.mysql.com/doc/refman/8.0/en/clone-plugin-installation.html, remote cloning
// https://dev.mysql.com/doc/refman/8.0/en/clone-plugin-remote.html, the status table
// https://dev.mysql.com/doc/refman/8.0/en/performance-schema-clone-status-table.html.
import { literal, stmt, withSecrets, DEFAULT_QUOTING, type Quoting, type Statement } from './statement.js';

/** "The plugin library file base name is mysql_clone.so" (installation page). */
export const CLONE_LIBRARY = 'mysql_clone.so';

export const clonePluginStatus = (): Statement => stmt("SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'clone'");

export const installClonePlugin = (): Statement => stmt(`INSTALL PLUGIN clone SONAME '${CLONE_LIBRARY}'`);

/** host:port, with brackets around an IPv6 address. */
export const donorAddress = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** The recipient accepts only donors listed here ("HOST:PORT", remote cloning page). */
export const setCloneDonorList = (host: string, port: number, q: Quoting = DEFAULT_QUOTING): Statement =>
  stmt(`SET GLOBAL clone_valid_donor_list = ${literal(donorAddress(host, port), q)}`);

/** CLONE INSTANCE FROM 'user'@'host':port IDENTIFIED BY 'password': the password is masked in what is shown. */
export function cloneInstance(o: { user: string; host: string; port: number; password: string }, q: Quoting = DEFAULT_QUOTING): Statement {
  return withSecrets([`CLONE INSTANCE FROM ${literal(o.user, q)}@${literal(o.host, q)}:${Math.trunc(o.port)} IDENTIFIED BY `, { secret: o.password }], q);
}

/** GS's coordinates at the clone's point, once BS is back ("BINLOG_FILE, BINLOG_POSITION, GTID_EXECUTED"). */
export const readCloneStatus = (): Statement =>
  stmt(
    'SELECT STATE AS state, ERROR_NO AS error_no, ERROR_MESSAGE AS error_message, BINLOG_FILE AS binlog_file, BINLOG_POSITION AS binlog_position, GTID_EXECUTED AS gtid_executed FROM performance_schema.clone_status',
  );
