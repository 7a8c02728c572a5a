// Issue 25, item 7: a runbook rehearsed for the DB host from a machine with only MariaDB's client programs. The
// offline plans of MySQL 5.7.44, 8.0.21, 8.4.3 and 9.1.0, classic/online × file/GTID, run through the built CLI with
// no password in the environment and no terminal: exit 0, MySQL's own mysqldump/mysql named with the assumed version,
// and whether they are installed here said. No server is needed (both ports record every connection; none is made).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { recordingPort, type Recorder } from '../helpers/recorder.js';
import { whichSync } from '../../src/adapters/shell/clients.js';

/** A PATH with MariaDB's client programs only (and node for the CLI itself): what a laptop with mariadb-client has. */
function mariadbOnlyPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-mariadb-only-'));
  for (const name of ['mariadb-dump', 'mariadb', 'mariadb-binlog']) {
    const p = whichSync(name);
    if (p) symlinkSync(p, join(dir, name));
  }
  return dir;
}

const env = (path: string) => ({
  MMRECOVER_PASSWORD: undefined,
  MMRECOVER_REPL_PASSWORD: undefined,
  PATH: path,
  XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')),
});

describe('--dry-run --assume mysql-*: rehearsed with MySQL’s own client programs, on a machine with MariaDB’s only', () => {
  let gs: Recorder;
  let bs: Recorder;
  let path: string;
  beforeAll(async () => {
    [gs, bs] = await Promise.all([recordingPort(), recordingPort()]);
    path = mariadbOnlyPath();
  });
  afterAll(async () => {
    await Promise.all([gs.close(), bs.close()]);
  });
  const pair = () => ['--good', `127.0.0.1:${gs.port}`, '--bad', `127.0.0.1:${bs.port}`];

  for (const version of ['5.7.44', '8.0.21', '8.4.3', '9.1.0'])
    it(`mysql-${version}: classic/online × file/GTID, no password, no terminal: exit 0`, async () => {
      const runs = await Promise.all(
        ['classic', 'online'].flatMap((method) =>
          ['file', 'gtid'].map(async (positioning) => ({
            method,
            positioning,
            r: await runCli([...pair(), '--dry-run', '--assume', `mysql-${version}`, '--method', method, '--positioning', positioning], env(path)),
          })),
        ),
      );
      for (const { method, positioning, r } of runs) {
        const what = `${method}/${positioning}: ${r.stderr.slice(-800)}`;
        expect(r.code, what).toBe(0);
        // No preflight line says STOP, and no password was asked for or missed.
        expect(r.stderr, what).not.toMatch(/^\s*STOP\s{2,}|Password for|MMRECOVER_PASSWORD is not set/m);
        expect(r.stderr, what).toMatch(new RegExp(`assumed MySQL's mysqldump ${version.replace(/\./g, '\\.')} \\| mysql ${version.replace(/\./g, '\\.')}`));
        expect(r.stderr, what).toMatch(/not installed here: this machine has mariadb-dump [\d.]+ \(MariaDB's\)/);
        expect(r.stderr, what).toMatch(/\$ mysqldump --defaults-extra-file=.*\| mysql --defaults-extra-file=/);
        expect(r.stderr, what).not.toMatch(/\$ mariadb-dump /);
        expect(r.stderr, what).toMatch(/Dry run complete/);
      }
      expect(gs.connections() + bs.connections()).toBe(0);
    });

  it('--client-version picks other client programs; the other vendor’s is named as what a run would refuse', async () => {
    const r = await runCli([...pair(), '--dry-run', '--assume', 'mysql-8.4.3', '--client-version', 'mariadb-10.11.9'], env(path));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/assumed MariaDB's mariadb-dump 10\.11\.9 \| mariadb 10\.11\.9 \(--client-version mariadb-10\.11\.9\)/);
    expect(r.stderr).toMatch(
      /STOP +dump program +mariadb-dump 10\.11\.9 is MariaDB's, mariadb 10\.11\.9 is MariaDB's and the servers are MySQL 8\.4\.3: install MySQL's client programs/,
    );
    const older = await runCli([...pair(), '--dry-run', '--assume', 'mysql-8.4.3', '--client-version', '8.0.36'], env(path));
    expect(older.code, older.stderr).toBe(0);
    expect(older.stderr).toMatch(
      /mysqldump 8\.0\.36, mysql 8\.0\.36 are older than MySQL 8\.4\.3: install MySQL's client programs \(mysqldump, mysql 8\.4\.3 or later/,
    );
    const alone = await runCli([...pair(), '--client-version', '8.0.36'], env(path));
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim().split('\n')).toHaveLength(1);
    expect(alone.stderr).toMatch(/--client-version 8\.0\.36 .*needs --dry-run --assume/);
    expect(gs.connections() + bs.connections()).toBe(0);
  });
});
