// The dump's flags follow the client program and the server together; what no flag can make work is a problem the
// preflight stops on. Golden argv tails per client × server.
import { describe, expect, it } from 'vitest';
import { dumpPlan, dumpVia, loadArgs } from '../../src/adapters/shell/dump-args.js';
import { dumpFeatures, type Clients } from '../../src/adapters/shell/clients.js';
import { parseVersion } from '../../src/dialect/version.js';

const client = (command: string, version: string): Pick<Clients, 'dump'> => {
  const flavor = command.startsWith('mariadb') ? 'mariadb' : 'mysql';
  return { dump: { command, path: `/usr/bin/${command}`, version, flavor, ...dumpFeatures({ flavor, version }) } };
};
const MYSQLDUMP_57 = client('mysqldump', '5.7.44');
const MYSQLDUMP_80 = client('mysqldump', '8.0.36');
const MYSQLDUMP_84 = client('mysqldump', '8.4.3');
const MARIADB_DUMP = client('mariadb-dump', '10.11.19');

const plan = (c: Pick<Clients, 'dump'>, server: string, o: { online?: boolean; gtid?: boolean; backup?: boolean } = {}) =>
  dumpPlan(c, {
    optionFile: 'F',
    consistency: o.online ? 'snapshot' : 'lock-all-tables',
    server: parseVersion(server),
    purpose: o.backup ? 'backup' : 'copy',
    gtid: o.gtid,
    ...(o.backup ? { databases: ['extra'] } : {}),
  });
const tail = (p: { args: string[] }) => p.args.slice(p.args.indexOf('--max-allowed-packet=1G') + 1);

describe('dump flags from the client and the server', () => {
  it('a copy’s data streams read from MariaDB carry bytes (SET NAMES binary); MySQL’s, the schema and backups do not', () => {
    const of = (c: Pick<Clients, 'dump'>, server: string, o: { part?: 'data' | 'schema' | 'post' | 'system'; purpose?: 'copy' | 'backup' }) =>
      dumpPlan(c, {
        optionFile: 'F',
        consistency: 'transaction',
        server: parseVersion(server),
        purpose: o.purpose ?? 'copy',
        part: o.part,
        databases: ['shop'],
      }).args.includes('--default-character-set=binary');
    expect(of(MARIADB_DUMP, '10.11.19-MariaDB', { part: 'data' })).toBe(true);
    // MySQL refuses a binary string for a JSON column (ER 3144): its data streams stay in utf8mb4.
    expect(of(MYSQLDUMP_80, '8.0.36', { part: 'data' })).toBe(false);
    for (const part of ['schema', 'post', 'system', undefined] as const) expect(of(MARIADB_DUMP, '10.11.19-MariaDB', { part }), String(part)).toBe(false);
    expect(of(MARIADB_DUMP, '10.11.19-MariaDB', { part: 'data', purpose: 'backup' })).toBe(false);
    // Without --hex-blob: under the binary character set it would write every string column in hex.
    const data = dumpPlan(MARIADB_DUMP, {
      optionFile: 'F',
      consistency: 'transaction',
      server: parseVersion('10.11.19-MariaDB'),
      part: 'data',
      databases: ['shop'],
    });
    expect(data.args).not.toContain('--hex-blob');
    const schema = dumpPlan(MARIADB_DUMP, {
      optionFile: 'F',
      consistency: 'transaction',
      server: parseVersion('10.11.19-MariaDB'),
      part: 'schema',
      databases: ['shop'],
    });
    expect(schema.args).toContain('--hex-blob');
  });

  it('the dump runs under stdbuf with a 64 KB output buffer where the machine has it, and alone where not', () => {
    expect(dumpVia({ stdbuf: 'stdbuf' })).toEqual(['stdbuf', '-o64K']);
    expect(dumpVia({})).toBeUndefined();
  });

  it('a backup of named tables (issue 26): the schema and its tables last, after --, no routine or event, no --databases', () => {
    for (const c of [MARIADB_DUMP, MYSQLDUMP_80]) {
      const args = dumpPlan(c, {
        optionFile: 'F',
        consistency: 'lock-all-tables',
        server: parseVersion('10.11.19-MariaDB'),
        purpose: 'backup',
        tables: { schema: 'shop', names: ['nokey', 'log'] },
      }).args;
      expect(args.slice(-4)).toEqual(['--', 'shop', 'nokey', 'log']);
      expect(args).toEqual(expect.arrayContaining(['--skip-routines', '--skip-events', '--triggers', '--lock-all-tables']));
      expect(args.some((a) => a === '--databases' || a === '--all-databases' || a === '--flush-privileges')).toBe(false);
    }
  });
  it('--dump-history where the client, GS and BS are MariaDB 10.11+ (a copy, never a backup)', () => {
    const history = (dump: Pick<Clients, 'dump'>, server: string, target?: string, purpose: 'copy' | 'backup' = 'copy') =>
      dumpPlan(dump, {
        optionFile: 'F',
        consistency: 'snapshot',
        server: parseVersion(server),
        target: target ? parseVersion(target) : undefined,
        purpose,
      }).args.includes('--dump-history');
    expect(history(MARIADB_DUMP, '10.11.19-MariaDB', '11.4.2-MariaDB')).toBe(true);
    expect(history(MARIADB_DUMP, '10.11.19-MariaDB')).toBe(true);
    expect(history(MARIADB_DUMP, '10.11.19-MariaDB', '10.6.18-MariaDB')).toBe(false);
    expect(history(MARIADB_DUMP, '10.6.18-MariaDB', '10.11.19-MariaDB')).toBe(false);
    expect(history(client('mariadb-dump', '10.6.18'), '10.11.19-MariaDB', '10.11.19-MariaDB')).toBe(false);
    expect(history(MYSQLDUMP_84, '10.11.19-MariaDB', '10.11.19-MariaDB')).toBe(false);
    expect(history(MARIADB_DUMP, '10.11.19-MariaDB', '10.11.19-MariaDB', 'backup')).toBe(false);
  });

  it('MySQL 8’s mysqldump against 5.7 or MariaDB: --column-statistics=0; against MariaDB never --set-gtid-purged=ON', () => {
    expect(tail(plan(MYSQLDUMP_80, '5.7.44'))).toEqual(['--set-gtid-purged=OFF', '--column-statistics=0']);
    expect(tail(plan(MYSQLDUMP_80, '10.11.19-MariaDB', { gtid: true }))).toEqual(['--set-gtid-purged=OFF', '--column-statistics=0']);
    expect(tail(plan(MYSQLDUMP_80, '8.0.36'))).toEqual(['--set-gtid-purged=OFF']);
    expect(tail(plan(MYSQLDUMP_57, '5.7.44'))).toEqual(['--set-gtid-purged=OFF']);
  });

  it('MySQL GTID copy: --set-gtid-purged=ON; file/position and backups: OFF', () => {
    expect(tail(plan(MYSQLDUMP_84, '8.4.3', { gtid: true }))).toEqual(['--set-gtid-purged=ON']);
    expect(tail(plan(MYSQLDUMP_84, '8.4.3', { gtid: false }))).toEqual(['--set-gtid-purged=OFF']);
    expect(tail(plan(MYSQLDUMP_84, '8.4.3', { backup: true }))).toEqual(['--set-gtid-purged=OFF']);
  });

  it('MariaDB’s client: --gtid only on a MariaDB GTID copy, nothing MySQL-only', () => {
    expect(tail(plan(MARIADB_DUMP, '10.11.19-MariaDB', { gtid: true }))).toEqual(['--gtid']);
    expect(tail(plan(MARIADB_DUMP, '8.0.36', {}))).toEqual([]);
    expect(tail(plan(MARIADB_DUMP, '8.0.36', { backup: true }))).toEqual([]);
  });

  it('stops when no flag can work', () => {
    expect(plan(MYSQLDUMP_80, '8.4.3', { online: true }).problems[0]).toMatch(/mysqldump 8\.0\.36 .*SHOW MASTER STATUS, which MySQL 8\.4\.3 removed/);
    expect(plan(MARIADB_DUMP, '8.4.3', { online: true }).problems[0]).toMatch(/SHOW MASTER STATUS/);
    expect(plan(MYSQLDUMP_84, '8.4.3', { online: true }).problems).toEqual([]);
    expect(plan(MYSQLDUMP_84, '8.4.3', { online: true }).args).toContain('--source-data=2');
    expect(plan(MARIADB_DUMP, '8.0.36', { gtid: true }).problems[0]).toMatch(/cannot write gtid_purged/);
    expect(plan(MYSQLDUMP_80, '10.11.19-MariaDB', { gtid: true, online: true }).problems[0]).toMatch(/GTID position/);
    expect(plan(MYSQLDUMP_80, '10.11.19-MariaDB', { gtid: true }).problems).toEqual([]);
  });

  it('the import: unlogged by --init-command (its session only, run again on a reconnect), logged without it', () => {
    const c = { load: { command: 'mariadb', path: '/usr/bin/mariadb', version: '10.11.19', flavor: 'mariadb' as const } };
    expect(loadArgs(c, { optionFile: 'F' })).toEqual(['--defaults-extra-file=F', '--max-allowed-packet=1G', '--batch']);
    expect(loadArgs(c, { optionFile: 'F', unlogged: true })).toEqual([
      '--defaults-extra-file=F',
      '--max-allowed-packet=1G',
      '--batch',
      '--init-command=SET SESSION sql_log_bin = 0',
    ]);
  });
});
