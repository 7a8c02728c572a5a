// Issue 17, --method physical without a server: ssh targets and argv, the binlog info file, the version rule for
// mariadb-backup, the step-4 plan as the operator reads it (each command with its host), and the options.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onHost, parseSshTarget, sshArgs } from '../../src/adapters/shell/host-exec.js';
import { loadSettings } from '../../src/config/load.js';
import { resumeLine } from '../../src/config/options.js';
import { parseVersion } from '../../src/dialect/version.js';
import { renderAction } from '../../src/recovery/actions.js';
import { bsServiceCommands, parseBinlogInfo, parseSlaveInfo, physicalCopyPlan, physicalPaths, slaveInfoMismatch } from '../../src/recovery/physical/plan.js';
import { StepFailed } from '../../src/base/errors.js';
import { backupVersionVerdict, parseBackupVersion, physicalChecks } from '../../src/recovery/physical/preflight.js';
import type { ServerIdentity } from '../../src/adapters/mysql/session.js';
import { offlineContext } from '../helpers/offline.js';
import { UsageError } from '../../src/base/errors.js';

describe('ssh targets', () => {
  it('parses [user@]host[:port], IPv6 in brackets; refuses anything else', () => {
    expect(parseSshTarget('db2')).toEqual({ host: 'db2' });
    expect(parseSshTarget('root@10.0.0.2:2222')).toEqual({ user: 'root', host: '10.0.0.2', port: 2222 });
    expect(parseSshTarget('admin@[::1]:22')).toEqual({ user: 'admin', host: '::1', port: 22 });
    for (const bad of ['', 'a b', 'root@', 'host:99999', 'host;rm -rf /', '-oProxyCommand=x']) expect(() => parseSshTarget(bad), bad).toThrow();
  });

  it('runs non-interactively: BatchMode, bounded connect, no forwarding, the host after --, the command quoted for the remote shell', () => {
    const c = onHost({ kind: 'ssh', target: { user: 'root', host: 'db2', port: 2222 }, configFile: '/etc/mm/ssh_config' }, [
      'mbstream',
      '-x',
      '-C',
      "/var/lib/my sql's",
    ]);
    expect(c.command).toBe('ssh');
    expect(c.args).toEqual([
      '-F',
      '/etc/mm/ssh_config',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=4',
      '-T',
      '-a',
      '-x',
      '-p',
      '2222',
      '-l',
      'root',
      '--',
      'db2',
      `mbstream -x -C '/var/lib/my sql'\\''s'`,
    ]);
    expect(onHost({ kind: 'local' }, ['mbstream', '-x']).command).toBe('mbstream');
    expect(sshArgs({ kind: 'ssh', target: { host: 'h' } })).not.toContain('-p');
  });

  it('no password reaches a child through the environment', () => {
    const saved = process.env.MMRECOVER_PASSWORD;
    process.env.MMRECOVER_PASSWORD = 'sekret';
    try {
      expect(Object.values(onHost({ kind: 'ssh', target: { host: 'h' } }, ['true']).env ?? {})).not.toContain('sekret');
    } finally {
      if (saved === undefined) delete process.env.MMRECOVER_PASSWORD;
      else process.env.MMRECOVER_PASSWORD = saved;
    }
  });
});

describe('the copy’s coordinates and tools', () => {
  it('reads file, position and GTID from xtrabackup_binlog_info / mariadb_backup_binlog_info', () => {
    expect(parseBinlogInfo('mysql-bin.000003\t1234\t0-1-42,1-1-7\n')).toEqual({ file: 'mysql-bin.000003', position: 1234, gtid: '0-1-42,1-1-7' });
    expect(parseBinlogInfo('mysql-bin.000001\t328\t\n')).toEqual({ file: 'mysql-bin.000001', position: 328, gtid: '' });
    expect(parseBinlogInfo('')).toBeUndefined();
    expect(parseBinlogInfo('garbage')).toBeUndefined();
  });

  it('mariadb-backup must be of the server’s release series (patch: a warning)', () => {
    const v = parseBackupVersion('mariadb-backup based on MariaDB server 10.11.19-MariaDB debian-linux-gnu (x86_64)')!;
    expect(v).toEqual({ major: 10, minor: 11, patch: 19 });
    expect(backupVersionVerdict(v, parseVersion('10.11.19-MariaDB')).verdict).toBe('ok');
    expect(backupVersionVerdict(v, parseVersion('10.11.8-MariaDB')).verdict).toBe('warn');
    expect(backupVersionVerdict(v, parseVersion('11.4.2-MariaDB'))).toMatchObject({
      verdict: 'stop',
      detail: expect.stringMatching(/install the 11\.4 release/),
    });
  });

  it('the copy goes beside the datadir; the previous one is kept under a dated name', () => {
    expect(physicalPaths('/var/lib/mysql', new Date('2026-11-26T09:35:19.123Z'))).toEqual({
      incoming: '/var/lib/mysql.mmrecover-new',
      kept: '/var/lib/mysql.mmrecover-kept-20261126-093519',
    });
  });

  it('BS is stopped and started with systemctl, or with the operator’s commands through sh -c', () => {
    expect(bsServiceCommands({ badService: 'mariadb' })).toEqual({
      stop: { program: 'systemctl', args: ['stop', 'mariadb'] },
      start: { program: 'systemctl', args: ['start', 'mariadb'] },
    });
    expect(bsServiceCommands({ badStopCommand: 'svc stop db', badStartCommand: 'svc start db' })?.start).toEqual({
      program: 'sh',
      args: ['-c', 'svc start db'],
    });
    expect(bsServiceCommands({ badStopCommand: 'x' })).toBeUndefined();
  });
});

describe('the step-4 plan of --method physical', () => {
  it('shows every command with the host it runs on, and the rollback under its condition', async () => {
    const ctx = offlineContext(
      '10.11.19-MariaDB',
      { positioning: 'gtid', fence: [{ variable: 'read_only', before: 'OFF' }] },
      {
        method: 'physical',
        badService: 'mariadb',
        goodSsh: 'root@db1',
        badSsh: 'root@db2:2222',
      },
    );
    const { actions } = await physicalCopyPlan(ctx);
    const lines = actions
      .flatMap((a) => renderAction(a))
      .map((l) => `${l.role}> ${l.text.replace(/kept-\d{8}-\d{6}/g, 'kept-<time>')}${l.when ? `   -- only ${l.when}` : ''}`);
    expect(lines).toEqual([
      "BS> [ssh root@db2:2222] $ rm -rf -- '<BS datadir>.mmrecover-new'",
      "BS> [ssh root@db2:2222] $ mkdir -m 0700 -- '<BS datadir>.mmrecover-new'",
      "GS> [ssh root@db1] $ mariadb-backup --defaults-extra-file=<0600 option file> --backup --stream=xbstream --log-copy-interval=10 | BS: [ssh root@db2:2222] $ mbstream -x -C '<BS datadir>.mmrecover-new'",
      "BS> [ssh root@db2:2222] $ mariadb-backup --prepare '--target-dir=<BS datadir>.mmrecover-new'",
      `BS> [ssh root@db2:2222] $ sh -c 'cat "$1"/mariadb_backup_binlog_info 2>/dev/null || cat "$1"/xtrabackup_binlog_info' sh '<BS datadir>.mmrecover-new'`,
      'BS> [ssh root@db2:2222] $ systemctl stop mariadb',
      "BS> [ssh root@db2:2222] $ mv '<BS datadir>' '<BS datadir>.mmrecover-kept-<time>'",
      "BS> [ssh root@db2:2222] $ mv '<BS datadir>.mmrecover-new' '<BS datadir>'",
      "BS> [ssh root@db2:2222] $ chown -R '--reference=<BS datadir>.mmrecover-kept-<time>' '<BS datadir>'",
      // BS starts with its event scheduler off (MYSQLD_OPTS for this one start).
      `BS> [ssh root@db2:2222] $ sh -c 'systemctl set-environment MYSQLD_OPTS=--event-scheduler=OFF && systemctl start "$1"; rc=$?; systemctl unset-environment MYSQLD_OPTS; exit $rc' sh mariadb`,
      'BS> wait until BS accepts connections (at most 120 s)',
      "BS> [ssh root@db2:2222] $ mv '<BS datadir>' '<BS datadir>.mmrecover-new.failed'   -- only only if BS does not accept connections on the copy: its previous datadir goes back",
      "BS> [ssh root@db2:2222] $ mv '<BS datadir>.mmrecover-kept-<time>' '<BS datadir>'   -- only only if BS does not accept connections on the copy: its previous datadir goes back",
      `BS> [ssh root@db2:2222] $ sh -c 'systemctl set-environment MYSQLD_OPTS=--event-scheduler=OFF && systemctl start "$1"; rc=$?; systemctl unset-environment MYSQLD_OPTS; exit $rc' sh mariadb   -- only only if BS does not accept connections on the copy: its previous datadir goes back`,
      'BS> SET GLOBAL read_only = ON',
      // After the swap: BS's server_id is its own (from its configuration), and no replica thread came with the copy.
      'BS> SELECT @@GLOBAL.server_id AS server_id',
      'BS> SHOW REPLICA STATUS',
    ]);
    // No read lock of the tool's own anywhere in the physical plan.
    expect(lines.join('\n')).not.toMatch(/FLUSH TABLES/);
  });

  it('captures GS’s coordinates (with the GTID on a GTID pair) from the binlog info the copy carries', async () => {
    const ctx = offlineContext('10.11.19-MariaDB', { positioning: 'gtid' }, { method: 'physical', badService: 'mariadb' });
    const { actions } = await physicalCopyPlan(ctx);
    const read = actions.find((a) => a.kind === 'host' && a.command.args.join(' ').includes('binlog_info'));
    if (read?.kind !== 'host') throw new Error('no binlog info read');
    read.capture!('mysql-bin.000009\t777\t1-1-99,2-2-5\n', ctx.state);
    expect(ctx.state.gsCoords).toEqual({ file: 'mysql-bin.000009', position: 777, gtid: '1-1-99,2-2-5' });
    expect(() => read.capture!('', ctx.state)).toThrow(/carried no binary log coordinates/);
  });
});

describe('--method physical --donor (issue 28)', () => {
  // What mariadb-backup 10.11 --slave-info wrote on the lab's replica r (file/position, then replicating by GTID).
  const FILE = "CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=328;\n";
  const GTID = "SET GLOBAL gtid_slave_pos = '1-1-1';\nCHANGE MASTER TO master_use_gtid = slave_pos;\n";

  it('reads the donor’s coordinates of its source from xtrabackup_slave_info, either form', () => {
    expect(parseSlaveInfo(FILE)).toEqual({ file: 'mysql-bin.000001', position: 328 });
    expect(parseSlaveInfo(GTID)).toEqual({ gtid: '1-1-1' });
    expect(parseSlaveInfo("CHANGE MASTER '' TO MASTER_LOG_FILE='b.000002', MASTER_LOG_POS=4;")).toEqual({ file: 'b.000002', position: 4 });
    expect(parseSlaveInfo('')).toBeUndefined();
  });

  it('the cross-check: the same point passes; another point names both, the backup’s and the recorded one', () => {
    const at = { file: 'mysql-bin.000001', position: 328 };
    expect(slaveInfoMismatch(parseSlaveInfo(FILE), at)).toBeUndefined();
    expect(slaveInfoMismatch(parseSlaveInfo(FILE), { file: 'mysql-bin.000001', position: 585 })).toBe(
      'its slave info says mysql-bin.000001:328, while step 3 recorded the donor stopped at mysql-bin.000001:585',
    );
    expect(slaveInfoMismatch(parseSlaveInfo(FILE), { file: 'mysql-bin.000002', position: 328 })).toMatch(
      /says mysql-bin.000001:328, .* at mysql-bin.000002:328$/,
    );
    // By GTID: against the GTID recorded (a GTID pair) or R's gtid_slave_pos read beside the file/position.
    expect(slaveInfoMismatch(parseSlaveInfo(GTID), { ...at, gtid: '1-1-1' })).toBeUndefined();
    expect(slaveInfoMismatch(parseSlaveInfo(GTID), at, '1-1-1')).toBeUndefined();
    expect(slaveInfoMismatch(parseSlaveInfo(GTID), { ...at, gtid: '1-1-7' })).toBe(
      'its slave info says gtid_slave_pos 1-1-1, while step 3 recorded the donor stopped at mysql-bin.000001:328 (GTID 1-1-7)',
    );
    expect(slaveInfoMismatch(parseSlaveInfo(GTID), at, '1-1-2')).toMatch(/says gtid_slave_pos 1-1-1, .* at mysql-bin.000001:328 \(gtid_slave_pos 1-1-2\)$/);
    expect(slaveInfoMismatch(undefined, at)).toMatch(
      /wrote no coordinates of the donor’s source, while step 3 recorded the donor stopped at mysql-bin.000001:328/,
    );
  });

  it('the plan: mariadb-backup --slave-info on R’s host (--donor-ssh), the slave info checked; a mismatch stops step 4 before BS is touched, naming both', async () => {
    const ctx = offlineContext(
      '10.11.19-MariaDB',
      { positioning: 'file', fence: [{ variable: 'read_only', before: 'OFF' }] },
      { method: 'physical', badService: 'mariadb', donor: 'db3:3306', donorSsh: 'root@db3', badSsh: 'root@db2' },
    );
    ctx.donor = { dialect: ctx.dialect.GS, read: (s) => ctx.read('GS', s) };
    const { actions, notes } = await physicalCopyPlan(ctx);
    const lines = actions.flatMap((a) => renderAction(a)).map((l) => `${l.role}> ${l.text}`);
    expect(lines).toContain(
      "R> [ssh root@db3] $ mariadb-backup --defaults-extra-file=<0600 option file> --backup --slave-info --stream=xbstream --log-copy-interval=10 | BS: [ssh root@db2] $ mbstream -x -C '<BS datadir>.mmrecover-new'",
    );
    // No binlog info: GS's coordinates are the donor's recorded point, not R's own binary log.
    expect(lines.join('\n')).not.toMatch(/binlog_info|GS> /);
    expect(notes.join(' ')).toMatch(/GS is neither locked nor read by the copy/);
    const check = actions.find((a) => a.kind === 'host' && a.command.args.join(' ').includes('slave_info'));
    if (check?.kind !== 'host') throw new Error('no slave info read');
    ctx.state.donor = { frozen: true, at: { file: 'mysql-bin.000001', position: 585 } };
    ctx.state.gsCoords = { file: 'mysql-bin.000001', position: 585 };
    let err: unknown;
    try {
      check.capture!(FILE, ctx.state);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toBe(
      'the backup of the donor R db3:3306 is not of the point step 3 recorded: its slave info says mysql-bin.000001:328, while step 3 recorded the donor stopped at mysql-bin.000001:585. BS was not touched',
    );
    // The same point: GS's coordinates for BS stay the recorded ones.
    ctx.state.donor.at = { file: 'mysql-bin.000001', position: 328 };
    ctx.state.gsCoords = { file: 'mysql-bin.000001', position: 328 };
    check.capture!(FILE, ctx.state);
    expect(ctx.state.gsCoords).toEqual({ file: 'mysql-bin.000001', position: 328 });
  });
});

describe('the preflight of a physical copy from the donor', () => {
  it('no way to reach the donor’s host (its datadir is not here, no --donor-ssh): one STOP line naming --donor-ssh, a missing flag (exit 2)', async () => {
    const ctx = offlineContext('10.11.19-MariaDB', { positioning: 'file' }, { method: 'physical', badService: 'mariadb', donor: 'db3:3306' });
    const version = parseVersion('10.11.19-MariaDB');
    const identity = (serverId: number, datadir: string) => ({ serverId, datadir, version }) as unknown as ServerIdentity;
    ctx.identity = { GS: identity(1, '/nonexistent/gs'), BS: identity(2, '/nonexistent/bs') };
    ctx.donor = {
      identity: identity(9, '/nonexistent/mmrecover-donor-datadir/'),
      dialect: ctx.dialect.GS,
      read: async () => [],
    };
    const checks = await physicalChecks(ctx);
    const r = checks.filter((c) => c.check === 'R datadir');
    expect(r).toEqual([
      {
        verdict: 'stop',
        check: 'R datadir',
        detail: '/nonexistent/mmrecover-donor-datadir is not readable on local: is the donor R on this machine? Otherwise give --donor-ssh [user@]host',
        missingFlag: '--donor-ssh',
      },
    ]);
    // GS's host is not used: no check of GS's datadir or of mariadb-backup there.
    expect(checks.map((c) => c.check).filter((c) => c.startsWith('GS'))).toEqual([]);
  });
});

describe('options of the physical method', () => {
  const load = (flags: Record<string, unknown>) => loadSettings({ flags: { good: 'db1', bad: 'db2', ...flags }, env: {}, cwd: '/' });

  it('accepts the method and its host options; refuses a bad ssh target or unit with one line', () => {
    const s = load({
      method: 'physical',
      goodSsh: 'root@db1:22',
      badSsh: 'db2',
      badStopCommand: 'systemctl stop mariadb',
      badStartCommand: 'systemctl start mariadb',
    });
    expect(s).toMatchObject({ method: 'physical', goodSsh: 'root@db1:22', badSsh: 'db2' });
    expect(() => load({ badSsh: 'root@db2; reboot' })).toThrow(UsageError);
    expect(() => load({ badSsh: 'root@db2; reboot' })).toThrow(/--bad-ssh/);
    expect(() => load({ badService: 'maria db' })).toThrow(/--bad-service/);
    expect(() => load({ method: 'rsync' })).toThrow(/classic, online, physical or clone/);
  });

  it('an ssh target nothing would use is refused in one line: --donor-ssh without --donor, any of them without --method physical', () => {
    const refused = (flags: Record<string, unknown>) => {
      try {
        load(flags);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        expect((err as Error).message).not.toContain('\n');
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(flags)}`);
    };
    expect(refused({ method: 'physical', donorSsh: 'root@db3' })).toBe(
      '--donor-ssh runs the donor’s mariadb-backup through ssh: it needs --donor <host[:port]> (and --method physical)',
    );
    expect(refused({ donorSsh: 'root@db3' })).toMatch(/^--donor-ssh .* it needs --donor/);
    expect(refused({ goodSsh: 'root@db1' })).toBe(
      '--good-ssh root@db1: the ssh targets run the physical method’s host commands (mariadb-backup, BS’s stop and start); --method classic runs none: add --method physical, or leave them out',
    );
    expect(refused({ method: 'online', badSsh: 'db2' })).toMatch(/^--bad-ssh .*--method online runs none/);
    expect(refused({ method: 'clone', goodSsh: 'db1' })).toMatch(/^--good-ssh .*--method clone runs none/);
    expect(refused({ donor: 'db3:3306', donorSsh: 'root@db3' })).toMatch(/^--donor-ssh .*--method classic runs none/);
    // From a config file (or the environment) it is the pair's description, kept for the physical method's runs: a run of
    // another method does not use it, and is not refused for it at 3 a.m. (the file is shared).
    const config = join(mkdtempSync(join(tmpdir(), 'mmrecover-ssh-')), 'c.json');
    writeFileSync(config, JSON.stringify({ goodSsh: 'db1', donorSsh: 'root@db3' }));
    expect(load({ config })).toMatchObject({ method: 'classic', goodSsh: 'db1' });
    expect(load({ config, method: 'online' })).toMatchObject({ method: 'online' });
    expect(load({ method: 'physical', donor: 'db3:3306', donorSsh: 'root@db3' })).toMatchObject({ donorSsh: 'root@db3' });
    // From a donor GS's host runs nothing: --good-ssh typed then is as idle (kept when it comes from the file).
    expect(refused({ method: 'physical', donor: 'db3:3306', donorSsh: 'root@db3', goodSsh: 'db1' })).toMatch(
      /^--good-ssh db1: with --donor the copy’s mariadb-backup runs on the donor’s host \(--donor-ssh\), GS’s host runs nothing: leave it out$/,
    );
    const fromFile = load({ config, method: 'physical', donor: 'db3:3306' });
    expect(fromFile).toMatchObject({ goodSsh: 'db1' });
    // Its resume line leaves out what the run never used: typed, it would be refused.
    expect(resumeLine({ ...fromFile, password: 'pw', replPassword: 'r' }, '/tmp/j.json')).not.toContain('--good-ssh');
    const classic = load({ config, method: 'classic' });
    expect(resumeLine({ ...classic, password: 'pw', replPassword: 'r' }, '/tmp/j.json')).not.toMatch(/--good-ssh|--donor-ssh/);
  });

  it('BS’s service and its stop and start commands, or an ssh config, where no method would use them: one line', () => {
    const said = (flags: Record<string, unknown>) => {
      try {
        load(flags);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(flags)}`);
    };
    for (const [flag, key] of [
      ['--bad-service', 'badService'],
      ['--bad-stop-command', 'badStopCommand'],
      ['--bad-start-command', 'badStartCommand'],
    ] as const)
      for (const method of ['classic', 'online', 'clone'])
        expect(said({ method, [key]: key === 'badService' ? 'mariadb' : 'sh /srv/db stop' })).toBe(
          `${flag}: BS’s service and its stop and start commands are for the physical method, which stops BS to swap its datadir; --method ${method} never stops BS: add --method physical, or leave it out`,
        );
    expect(said({ sshConfig: '/etc/ssh/ssh_config' })).toMatch(
      /^--ssh-config \/etc\/ssh\/ssh_config: the ssh targets run the physical method’s host commands .*--method classic runs none/,
    );
    expect(load({ method: 'physical', badService: 'mariadb' })).toMatchObject({ badService: 'mariadb' });
  });

  it('the resume line repeats the method, the hosts and the stop/start commands (quoted), never a password', () => {
    const s = {
      ...load({ method: 'physical', badSsh: 'root@db2', badStopCommand: 'sh /srv/db stop', badStartCommand: 'sh /srv/db start' }),
      password: 'pw',
      replPassword: 'r',
    };
    const line = resumeLine(s, '/tmp/j.json');
    expect(line).toContain('--method physical');
    expect(line).toContain('--bad-ssh root@db2');
    expect(line).toContain("--bad-stop-command 'sh /srv/db stop' --bad-start-command 'sh /srv/db start'");
    expect(line).not.toContain('pw');
  });
});
