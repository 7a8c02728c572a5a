// Which client programs this machine has: the dump, the import, and the binlog reader, with their flavor and version.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Flavor } from '../../dialect/version.js';

const run = promisify(execFile);

export interface ClientProgram {
  command: string;
  version: string;
  flavor: Flavor;
}

export interface Clients {
  dump: ClientProgram & { sourceData: boolean; gtid: boolean };
  load: ClientProgram;
}

export const INSTALL_HINT = 'apt-get install -y --no-install-recommends mariadb-client (or the MySQL client package)';

async function probe(command: string): Promise<ClientProgram | undefined> {
  try {
    const { stdout } = await run(command, ['--version'], { timeout: 10_000 });
    const text = stdout.trim();
    const flavor: Flavor = /mariadb/i.test(text) ? 'mariadb' : 'mysql';
    // "mariadb-dump from 11.8.3-MariaDB", "mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB", "mysqldump  Ver 8.0.36 for Linux"
    const v = /Distrib ([\d.]+)/.exec(text)?.[1] ?? /from ([\d.]+)/.exec(text)?.[1] ?? /Ver ([\d.]+)/.exec(text)?.[1] ?? 'unknown';
    return { command, version: v, flavor };
  } catch {
    return undefined;
  }
}

async function first(names: string[]): Promise<ClientProgram | undefined> {
  for (const n of names) {
    const p = await probe(n);
    if (p) return p;
  }
  return undefined;
}

const atLeast = (v: string, min: number[]) => {
  const parts = v.split('.').map(Number);
  for (let i = 0; i < min.length; i++) if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i];
  return true;
};

/** Prefer the MariaDB names (the mysql* names are deprecated symlinks there), fall back to MySQL's. */
export async function findClients(): Promise<Clients> {
  const [dump, load] = await Promise.all([first(['mariadb-dump', 'mysqldump']), first(['mariadb', 'mysql'])]);
  if (!dump) throw new Error(`no dump program found (mariadb-dump or mysqldump); install it: ${INSTALL_HINT}`);
  if (!load) throw new Error(`no client program found (mariadb or mysql); install it: ${INSTALL_HINT}`);
  return {
    dump: { ...dump, sourceData: dump.flavor === 'mysql' && atLeast(dump.version, [8, 0, 26]), gtid: dump.flavor === 'mariadb' },
    load,
  };
}

export async function findBinlogReader(): Promise<ClientProgram> {
  const p = await first(['mariadb-binlog', 'mysqlbinlog']);
  if (!p) throw new Error(`no binlog reader found (mariadb-binlog or mysqlbinlog); install it: ${INSTALL_HINT}`);
  return p;
}
