import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClientOptions } from '../../src/config/mysql-option-file.js';
import { loadSettings } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'mmrecover-optfile-'));

describe('MySQL option files (--defaults-file)', () => {
  it('reads [client], lets [mysqldump] override, unquotes values and ignores comments', () => {
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'tls.cnf'), '[client]\nssl-ca = /etc/ca.pem\n');
    const f = join(dir, 'my.cnf');
    writeFileSync(
      f,
      [
        '# comment',
        '[mysqld]',
        'password = not-this-one',
        '[client]',
        'user = admin   # trailing comment',
        'password = "it\'s \\"q\\\\uote\\" #; ñ"',
        'port = 3307',
        'socket=/run/mysqld/mysqld.sock',
        '[mysqldump]',
        'user = dumper',
        '!includedir conf.d',
      ].join('\n'),
    );
    const o = readClientOptions(f);
    expect(o.user).toBe('dumper');
    expect(o.password).toBe('it\'s "q\\uote" #; ñ');
    expect(o.port).toBe(3307);
    expect(o.socket).toBe('/run/mysqld/mysqld.sock');
    expect(o.sslCa).toBe('/etc/ca.pem');
  });

  it('feeds user and password into the settings, below the environment', () => {
    const f = join(dir, 'admin.cnf');
    writeFileSync(f, '[client]\nuser=ops\npassword=fromfile\n');
    const s = loadSettings({ flags: { good: 'a', bad: 'b', defaultsFile: f }, env: {}, cwd: dir });
    expect(s.user).toBe('ops');
    expect(s.password).toBe('fromfile');
    const s2 = loadSettings({ flags: { good: 'a', bad: 'b', defaultsFile: f, user: 'root' }, env: { MMRECOVER_PASSWORD: 'env' }, cwd: dir });
    expect(s2.user).toBe('root');
    expect(s2.password).toBe('env');
  });

  it('refuses a file that does not exist', () => {
    expect(() => readClientOptions(join(dir, 'nope.cnf'))).toThrow(/--defaults-file: .* does not exist/);
  });
});
