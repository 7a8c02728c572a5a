// Issue 25, item 2: the servers' vendor's own client programs. Which ones are found on PATH (fake programs that answer
// --version the way each vendor's do), and the preflight's one line when they are the other vendor's or too old.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assumedClients, findClients, type Clients } from '../../src/adapters/shell/clients.js';
import { clientProblem } from '../../src/adapters/shell/dump-args.js';
import { parseVersion } from '../../src/dialect/version.js';

function fakeBin(programs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-clients-'));
  for (const [name, version] of Object.entries(programs)) {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\necho '${version}'\n`);
    chmodSync(p, 0o755);
  }
  return dir;
}

const MARIADB = {
  'mariadb-dump': 'mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  mariadb: 'mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  // MariaDB's packages install the mysql* names as symlinks to their own programs.
  mysqldump: 'mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  mysql: 'mysql  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
};

describe('the servers’ vendor’s own client programs', () => {
  it('for a MySQL pair, MySQL’s mysqldump/mysql are preferred where both vendors’ are installed', async () => {
    const path = fakeBin({
      'mariadb-dump': MARIADB['mariadb-dump'],
      mariadb: MARIADB.mariadb,
      mysqldump: 'mysqldump  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)',
      mysql: 'mysql  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)',
    });
    const my = await findClients({ path, flavor: 'mysql' });
    expect([my.dump.command, my.dump.flavor, my.dump.version, my.load.command, my.load.flavor]).toEqual(['mysqldump', 'mysql', '8.4.3', 'mysql', 'mysql']);
    const maria = await findClients({ path, flavor: 'mariadb' });
    expect([maria.dump.command, maria.load.command, maria.dump.flavor]).toEqual(['mariadb-dump', 'mariadb', 'mariadb']);
  });

  it('a mysqldump that is MariaDB’s symlink is not MySQL’s: the preflight stops, naming what to install', async () => {
    const c = await findClients({ path: fakeBin(MARIADB), flavor: 'mysql' });
    expect(c.dump.flavor).toBe('mariadb');
    const line = clientProblem(c, [parseVersion('8.4.3'), parseVersion('8.4.3')]);
    expect(line).toMatch(/is MariaDB's.* and the servers are MySQL 8\.4\.3: install MySQL's client programs \(mysqldump, mysql 8\.4\.3 or later/);
    expect(line!.split('\n')).toHaveLength(1);
  });

  it('MySQL’s clients older than the server stop; at or above pass; MariaDB’s for MariaDB pass', () => {
    const at = (flavor: 'mysql' | 'mariadb', version: string): Clients => assumedClients(flavor, version, '');
    expect(clientProblem(at('mysql', '8.0.36'), [parseVersion('8.4.3')])).toMatch(/older than MySQL 8\.4\.3/);
    expect(clientProblem(at('mysql', '8.4.3'), [parseVersion('8.4.3')])).toBeUndefined();
    expect(clientProblem(at('mysql', '8.0.36'), [parseVersion('5.7.44')])).toBeUndefined();
    expect(clientProblem(at('mariadb', '10.11.19'), [parseVersion('11.4.2-MariaDB')])).toBeUndefined();
    expect(clientProblem(at('mysql', '8.4.3'), [parseVersion('10.11.19-MariaDB')])).toMatch(/install MariaDB's client programs/);
  });

  it('--assume plans with the version’s own programs and says where (or that) they are not installed', () => {
    const c = assumedClients('mysql', '8.4.3', '');
    expect([c.dump.command, c.dump.version, c.load.command, c.dump.path]).toEqual(['mysqldump', '8.4.3', 'mysql', '(not installed here)']);
    expect(c.dump.sourceData).toBe(true);
  });
});
