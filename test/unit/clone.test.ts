// Issue 17, --method clone (MySQL 8.0.17+): no MySQL server can run here, so this is the manual's word: golden
// statements, the clone rules with their pages, and the offline plan of `--dry-run --assume mysql-8.4.3 --method clone`.
import { describe, expect, it } from 'vitest';
import { cloneInstance, clonePluginStatus, donorAddress, installClonePlugin, readCloneStatus, setCloneDonorList } from '../../src/dialect/clone.js';
import { quotingFor } from '../../src/dialect/statement.js';
import { parseVersion } from '../../src/dialect/version.js';
import { CLONE_RULES, cloneVerdicts, type CloneFacts } from '../../src/recovery/physical/clone-rules.js';
import { runCli } from '../helpers/cli.js';

describe('clone statements (golden)', () => {
  it('are the manual’s, the password masked in what is shown and quoted in what is sent', () => {
    expect(clonePluginStatus().sql).toBe("SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'clone'");
    expect(installClonePlugin().sql).toBe("INSTALL PLUGIN clone SONAME 'mysql_clone.so'");
    expect(setCloneDonorList('db1', 3306).sql).toBe("SET GLOBAL clone_valid_donor_list = 'db1:3306'");
    expect(setCloneDonorList('fd00::1', 3307).sql).toBe("SET GLOBAL clone_valid_donor_list = '[fd00::1]:3307'");
    expect(donorAddress('10.0.0.1', 3306)).toBe('10.0.0.1:3306');
    const c = cloneInstance({ user: 'root', host: 'db1', port: 3306, password: "p'w\\x" });
    expect(c.shown).toBe("CLONE INSTANCE FROM 'root'@'db1':3306 IDENTIFIED BY '********'");
    expect(c.sql).toBe("CLONE INSTANCE FROM 'root'@'db1':3306 IDENTIFIED BY 'p\\'w\\\\x'");
    expect(cloneInstance({ user: 'root', host: 'db1', port: 3306, password: "p'w" }, quotingFor('NO_BACKSLASH_ESCAPES')).sql).toBe(
      "CLONE INSTANCE FROM 'root'@'db1':3306 IDENTIFIED BY 'p''w'",
    );
    expect(readCloneStatus().sql).toBe(
      'SELECT STATE AS state, ERROR_NO AS error_no, ERROR_MESSAGE AS error_message, BINLOG_FILE AS binlog_file, BINLOG_POSITION AS binlog_position, GTID_EXECUTED AS gtid_executed FROM performance_schema.clone_status',
    );
  });
});

describe('the manual’s clone rules', () => {
  const facts = (gs: string, bs: string, more: Partial<CloneFacts> = {}): CloneFacts => ({
    gs: parseVersion(gs),
    bs: parseVersion(bs),
    gsBackupAdmin: true,
    bsCloneAdmin: true,
    nonInnodbWithRows: [],
    ...more,
  });
  const verdict = (f: CloneFacts, rule: string) => cloneVerdicts(f).find((v) => v.rule === rule);

  it('every rule cites a dev.mysql.com page', () => {
    for (const r of CLONE_RULES) {
      expect(r.sources.length, r.id).toBeGreaterThan(0);
      for (const s of r.sources) expect(s.url, r.id).toMatch(/^https:\/\/dev\.mysql\.com\//);
    }
  });

  it('MySQL 8.0.17+ on both; MariaDB has no clone plugin', () => {
    expect(verdict(facts('8.0.16', '8.0.16'), 'clone-needs-mysql-8.0.17')?.verdict).toBe('stop');
    expect(verdict(facts('10.11.9-MariaDB', '10.11.9-MariaDB'), 'clone-needs-mysql-8.0.17')?.verdict).toBe('stop');
    expect(verdict(facts('8.0.17', '8.0.17'), 'clone-needs-mysql-8.0.17')).toBeUndefined();
  });

  it('the same series; before 8.0.37 the same point release too', () => {
    expect(verdict(facts('8.0.36', '8.0.35'), 'clone-same-series')?.verdict).toBe('stop');
    expect(verdict(facts('8.0.36', '8.0.42'), 'clone-same-series')?.verdict).toBe('stop');
    expect(verdict(facts('8.0.37', '8.0.42'), 'clone-same-series')?.verdict).toBe('ok');
    expect(verdict(facts('8.4.3', '8.4.0'), 'clone-same-series')?.verdict).toBe('ok');
    expect(verdict(facts('8.0.40', '8.4.3'), 'clone-same-series')?.verdict).toBe('stop');
    expect(verdict(facts('8.0.30', '8.0.30'), 'clone-same-series')?.verdict).toBe('ok');
  });

  it('BACKUP_ADMIN on GS and CLONE_ADMIN on BS; not measured offline', () => {
    expect(verdict(facts('8.4.3', '8.4.3', { gsBackupAdmin: false }), 'clone-privileges')).toMatchObject({ verdict: 'stop', detail: /BACKUP_ADMIN on GS/ });
    expect(verdict(facts('8.4.3', '8.4.3', { bsCloneAdmin: false }), 'clone-privileges')).toMatchObject({ verdict: 'stop', detail: /CLONE_ADMIN on BS/ });
    expect(verdict(facts('8.4.3', '8.4.3', { gsBackupAdmin: undefined }), 'clone-privileges')?.verdict).toBe('not-made');
  });

  it('non-InnoDB tables that hold data are refused (they would arrive empty)', () => {
    const v = verdict(facts('8.4.3', '8.4.3', { nonInnodbWithRows: ['shop.log (MyISAM, 12 rows)'] }), 'clone-innodb-only');
    expect(v).toMatchObject({ verdict: 'stop', detail: expect.stringMatching(/shop\.log \(MyISAM, 12 rows\).*--method online or classic/) });
    expect(verdict(facts('8.4.3', '8.4.3'), 'clone-innodb-only')?.verdict).toBe('ok');
  });

  it('the restart needs a supervisor (ERROR 3707): said as not checked; BS keeps its config and server_uuid', () => {
    expect(verdict(facts('8.4.3', '8.4.3'), 'clone-restart-needs-supervisor')).toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/ERROR 3707/) });
    expect(verdict(facts('8.4.3', '8.4.3'), 'clone-keeps-recipient-config')?.verdict).toBe('ok');
  });
});

describe('offline plan: --dry-run --assume mysql-8.4.3 --method clone', () => {
  it('shows the clone over SQL only, the plugin installed where missing, coordinates from clone_status; no dump, no lock, no host command', async () => {
    const r = await runCli(['recover', '--good', 'db1:3306', '--bad', 'db2:3306', '--dry-run', '--assume', 'mysql-8.4.3', '--method', 'clone'], {
      MMRECOVER_PASSWORD: 'admin-secret',
      MMRECOVER_REPL_PASSWORD: 'repl-secret',
    });
    expect(r.code, r.stderr).toBe(0);
    const step4 = r.stderr.slice(r.stderr.indexOf('Step 4/11'), r.stderr.indexOf('Step 5/11'));
    const planned = step4
      .split('\n')
      .filter((l) => /^\s{4}(GS|BS)> /.test(l))
      .map((l) => l.trim());
    expect(planned).toEqual([
      "GS> INSTALL PLUGIN clone SONAME 'mysql_clone.so'   -- only if the clone plugin is not active on GS (not measured: --assume mysql-8.4.3 reached no server); the clone plugin is not active there",
      'BS> SET GLOBAL super_read_only = OFF   -- for installing the clone plugin and the clone only; read_only stays on',
      "BS> INSTALL PLUGIN clone SONAME 'mysql_clone.so'   -- only if the clone plugin is not active on BS (not measured: --assume mysql-8.4.3 reached no server); the clone plugin is not active there",
      "BS> SET GLOBAL clone_valid_donor_list = 'db1:3306'   -- BS accepts GS as its donor",
      "BS> CLONE INSTANCE FROM 'root'@'db1':3306 IDENTIFIED BY '********'   -- replaces all data on BS with GS’s InnoDB data (accounts and grants become GS’s); BS restarts itself",
      'BS> wait until BS has restarted and accepts connections (at most 1200 s)   -- replaces all data on BS with GS’s InnoDB data (accounts and grants become GS’s); BS restarts itself',
      'BS> SELECT STATE AS state, ERROR_NO AS error_no, ERROR_MESSAGE AS error_message, BINLOG_FILE AS binlog_file, BINLOG_POSITION AS binlog_position, GTID_EXECUTED AS gtid_executed FROM performance_schema.clone_status   -- GS’s coordinates at the clone’s point: file, position',
      'BS> SELECT @@GLOBAL.server_uuid AS server_uuid   -- BS keeps its own server_uuid (auto.cnf is not cloned)',
      'BS> SET GLOBAL offline_mode = ON   -- the restart cleared what step 1 set',
      'BS> SET GLOBAL read_only = ON   -- the restart cleared what step 1 set',
      'BS> SET GLOBAL super_read_only = ON   -- the restart cleared what step 1 set',
      'BS> SET GLOBAL super_read_only = ON   -- back on',
    ]);
    expect(r.stderr).not.toMatch(/FLUSH TABLES WITH READ LOCK/);
    expect(step4).not.toMatch(/mysqldump|mariadb-dump|\$ /);
    expect(r.stderr).toMatch(/ok\s+clone: same-series\s+MySQL 8\.4\.3 → MySQL 8\.4\.3/);
    expect(r.stderr).toMatch(/warn\s+clone: restart-needs-supervisor/);
    expect(r.stderr).not.toContain('admin-secret');
    // Step 6 takes the coordinates the clone gave.
    expect(r.stderr).toMatch(/CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1'[^\n]*SOURCE_LOG_FILE='<GS File>'/);
  });

  it('a MariaDB pair is refused for --method clone, and a MySQL pair for --method physical, in the preflight', async () => {
    const env = { MMRECOVER_PASSWORD: 'x', MMRECOVER_REPL_PASSWORD: 'y' };
    const maria = await runCli(['recover', '--good', 'db1', '--bad', 'db2', '--dry-run', '--assume', 'mariadb-10.11.9', '--method', 'clone'], env);
    expect(maria.stderr).toMatch(/STOP\s+clone: needs-mysql-8\.0\.17\s+CLONE needs MySQL 8\.0\.17\+ on both servers/);
    const mysql = await runCli(
      ['recover', '--good', 'db1', '--bad', 'db2', '--dry-run', '--assume', 'mysql-8.4.3', '--method', 'physical', '--bad-service', 'mysql'],
      env,
    );
    expect(mysql.stderr).toMatch(
      /STOP\s+physical copy\s+--method physical copies with mariadb-backup, for MariaDB only; on MySQL 8\.0\.17\+ use --method clone/,
    );
  });
});
