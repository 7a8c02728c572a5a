// The GTID path's exact statements and their order, step by step, for versions that cannot run here (MySQL) and for
// the MariaDB path the lab runs. Built from the steps' own plans through the dry-run executor: no server involved.
import { describe, expect, it } from 'vitest';
import type { Clients } from '../../src/adapters/shell/clients.js';
import { dumpArgs } from '../../src/adapters/shell/dump-args.js';
import type { RecoveryContext } from '../../src/recovery/context.js';
import { decidePositioning } from '../../src/recovery/positioning.js';
import { offlineContext, planLines } from '../helpers/offline.js';

const context = (version: string, state: Partial<RecoveryContext['state']> = {}) => offlineContext(version, state);

/** "N ROLE> statement" for every planned statement; the dump | load command line, waits and the proof are tested on their own. */
async function sequence(ctx: RecoveryContext): Promise<string[]> {
  return (await planLines(ctx)).filter(
    (l) => !/> \$ |> wait until|information_schema\.PROCESSLIST|KILL CONNECTION|CHECKSUM|mmrecover|SNAPSHOT|binlog_snapshot|SQL_THREAD|COMMIT/.test(l),
  );
}

const CHANGE_84 = (host: string) =>
  `CHANGE REPLICATION SOURCE TO SOURCE_HOST='${host}', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='********', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1`;
const CHANGE_57 = (host: string) =>
  `CHANGE MASTER TO MASTER_HOST='${host}', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10`;

describe('MySQL GTID path (golden: MySQL cannot run here)', () => {
  it('8.4: reset BS’s GTID history before the import, auto-position both ways, no file/position anywhere', async () => {
    // As after step 1 fenced BS (the plans of steps 4 and 11 follow what step 1 changed).
    const fence = ['read_only', 'super_read_only', 'offline_mode'].map((variable) => ({ variable, before: '0' }));
    expect(await sequence(context('8.4.3', { fence }))).toEqual([
      // offline_mode first (it cuts clients and waits for no lock), then (the client list, not a statement of this
      // sequence) the lock-waiting fence under the session's bound, put back after (issue 25 item 3)
      '1 BS> SET GLOBAL offline_mode = ON',
      '1 BS> SET SESSION lock_wait_timeout = 5',
      '1 BS> SET GLOBAL read_only = ON',
      '1 BS> SET GLOBAL super_read_only = ON',
      '1 BS> SET SESSION lock_wait_timeout = DEFAULT',
      '2 BS> STOP REPLICA',
      '3 GS> STOP REPLICA',
      '3 GS> SET SESSION lock_wait_timeout = 5',
      '3 GS> SET SESSION wait_timeout = 86400',
      '3 GS> FLUSH TABLES WITH READ LOCK',
      '3 GS> SHOW BINARY LOG STATUS',
      // lifted before anything writes on BS: the drop of schemas only BS has (offline: a branch), the reset, the import
      '4 BS> SET GLOBAL super_read_only = OFF',
      '4 BS> DROP DATABASE `<schema only on BS>`',
      '4 BS> RESET BINARY LOGS AND GTIDS',
      '4 BS> SET GLOBAL super_read_only = ON',
      '5 GS> UNLOCK TABLES',
      `6 BS> ${CHANGE_84('db1')}`,
      '7 BS> START REPLICA',
      '8 BS> SHOW BINARY LOG STATUS',
      `9 GS> ${CHANGE_84('db2')}`,
      // GS's replica logs in to BS: offline_mode would refuse it (offline: if repl is not exempt)
      '10 BS> SET GLOBAL offline_mode = OFF',
      '10 GS> START REPLICA',
      // the proof: a replica that applies nothing while its marker waits is restarted once (shown, though it rarely runs)
      '10 BS> STOP REPLICA',
      '10 BS> START REPLICA',
      // the marker write on BS, which super_read_only would refuse even to an admin
      '10 BS> SET GLOBAL super_read_only = OFF',
      '10 BS> SET GLOBAL super_read_only = ON',
      '10 GS> STOP REPLICA',
      '10 GS> START REPLICA',
      '11 BS> SET GLOBAL offline_mode = OFF',
      '11 BS> SET GLOBAL super_read_only = OFF',
      '11 BS> SET GLOBAL read_only = OFF',
    ]);
  });

  it('5.7: RESET MASTER and MASTER_AUTO_POSITION=1', async () => {
    const seq = await sequence(context('5.7.44'));
    expect(seq).toContain('4 BS> RESET MASTER');
    expect(seq).toContain(`6 BS> ${CHANGE_57('db1')}`);
    expect(seq).toContain(`9 GS> ${CHANGE_57('db2')}`);
    expect(seq.findIndex((l) => l === '4 BS> RESET MASTER')).toBeLessThan(seq.findIndex((l) => l.startsWith('6 ')));
  });

  it('the dump sets gtid_purged on the import (MySQL mysqldump 8.0.26+: --source-data)', () => {
    const mysqldump = { dump: { command: 'mysqldump', path: '/usr/bin/mysqldump', version: '8.4.3', flavor: 'mysql', sourceData: true, gtid: false } } as Pick<
      Clients,
      'dump'
    >;
    expect(dumpArgs(mysqldump, { optionFile: 'F', consistency: 'lock-all-tables', gtid: true })).toEqual([
      '--defaults-extra-file=F',
      '--all-databases',
      '--quick',
      '--lock-all-tables',
      '--routines',
      '--events',
      '--triggers',
      '--ignore-table=mysql.plugin',
      '--ignore-table=mysql.help_topic',
      '--ignore-table=mysql.help_category',
      '--ignore-table=mysql.help_keyword',
      '--ignore-table=mysql.help_relation',
      '--flush-privileges',
      '--hex-blob',
      '--max-allowed-packet=1G',
      '--set-gtid-purged=ON',
    ]);
    expect(dumpArgs(mysqldump, { optionFile: 'F', consistency: 'snapshot', gtid: true })).toContain('--source-data=2');
  });
});

describe('MariaDB GTID path', () => {
  it('records gtid_binlog_pos with the coordinates and sets gtid_slave_pos before MASTER_USE_GTID=slave_pos', async () => {
    const ctx = context('10.11.19-MariaDB', {
      gsCoords: { file: 'mysql-bin.000004', position: 1234, gtid: '1-1-50,2-2-7' },
      bsCoords: { file: 'mysql-bin.000009', position: 99, gtid: '1-1-50,2-2-12' },
    });
    const seq = await sequence(ctx);
    const at = (s: string) => seq.indexOf(s);
    expect(seq).toContain('3 GS> SELECT @@GLOBAL.gtid_binlog_pos AS gtid_binlog_pos');
    expect(at("6 BS> SET GLOBAL gtid_slave_pos = '1-1-50,2-2-7'")).toBeGreaterThan(-1);
    const change = seq.find((l) => l.startsWith('6 BS> CHANGE MASTER TO'))!;
    expect(change).toBe(
      "6 BS> CHANGE MASTER TO MASTER_HOST='db1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=10",
    );
    expect(at("6 BS> SET GLOBAL gtid_slave_pos = '1-1-50,2-2-7'")).toBeLessThan(at(change));
    expect(seq).toContain('8 BS> SELECT @@GLOBAL.gtid_binlog_pos AS gtid_binlog_pos');
    expect(at("9 GS> SET GLOBAL gtid_slave_pos = '1-1-50,2-2-12'")).toBeLessThan(seq.findIndex((l) => l.startsWith('9 GS> CHANGE MASTER TO')));
    expect(seq.join('\n')).not.toMatch(/RESET MASTER|MASTER_LOG_FILE/);
  });

  it('the MariaDB dump carries the GTID position (--gtid) with the online coordinates', () => {
    const mariadbDump = {
      dump: { command: 'mariadb-dump', path: '/usr/bin/mariadb-dump', version: '10.11.19', flavor: 'mariadb', sourceData: false, gtid: true },
    } as Pick<Clients, 'dump'>;
    const args = dumpArgs(mariadbDump, { optionFile: 'F', consistency: 'snapshot', gtid: true });
    expect(args).toEqual(expect.arrayContaining(['--single-transaction', '--master-data=2', '--gtid']));
  });
});

describe('choosing file/position or GTID', () => {
  const my = (gs: string, bs: string) => ({ flavor: 'mysql' as const, gsGtidMode: gs, bsGtidMode: bs, gsUsingGtid: false, bsUsingGtid: false });
  const maria = (g: boolean, b: boolean) => ({ flavor: 'mariadb' as const, gsUsingGtid: g, bsUsingGtid: b });
  it.each([
    ['auto', my('ON', 'ON'), 'gtid', 'ok'],
    ['auto', my('OFF', 'OFF'), 'file', 'ok'],
    ['auto', my('ON', 'OFF'), 'file', 'stop'],
    ['gtid', my('OFF', 'OFF'), 'gtid', 'stop'],
    ['file', my('ON', 'ON'), 'file', 'stop'],
    ['auto', maria(true, false), 'gtid', 'ok'],
    ['auto', maria(false, false), 'file', 'ok'],
    ['gtid', maria(false, false), 'gtid', 'warn'],
    ['file', maria(true, true), 'file', 'warn'],
  ] as const)('%s with %o → %s (%s)', (requested, facts, positioning, verdict) => {
    expect(decidePositioning(requested, facts)).toMatchObject({ positioning, verdict });
  });
  it('--positioning file on a gtid_mode=ON MySQL pair: stops naming the flag and why, unless the flag is given', () => {
    const stop = decidePositioning('file', my('ON', 'ON'));
    expect(stop).toMatchObject({ verdict: 'stop', missingFlag: '--accept-file-positioning-on-gtid' });
    expect(stop.detail).toMatch(/logged on BS under BS’s own server_uuid.*auto-positioning makes GS fetch and re-apply the whole import/);
    expect(stop.detail.split('\n')).toHaveLength(1);
    const accepted = decidePositioning('file', my('ON', 'ON'), { acceptFileOnGtid: true });
    expect(accepted).toMatchObject({ positioning: 'file', verdict: 'warn' });
    expect(accepted.detail).toMatch(/BS’s own server_uuid/);
    expect(decidePositioning('file', my('OFF', 'OFF'))).toMatchObject({ verdict: 'ok' });
  });
});
