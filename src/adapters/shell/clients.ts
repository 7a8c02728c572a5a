// Which client programs this machine has: the dump, the import, and the binlog reader, with their flavor and version.
// Located on PATH ourselves (not by trying to run them) so that "not installed" and "installed but broken" read
// differently to the operator.
import { host } from '../../base/host.js';
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { has } from '../../dialect/dialect.js';
import type { Flavor } from '../../dialect/version.js';
import { clientEnv } from './client-env.js';

const run = promisify(execFile);

export interface ClientProgram {
  /** The name to spawn (resolved through PATH, as found). */
  command: string;
  /** Absolute path it resolved to. */
  path: string;
  /** The client's own version ("10.11.19", "8.0.36"), or "unknown". */
  version: string;
  flavor: Flavor;
}

export interface DumpProgram extends ClientProgram {
  /** MySQL mysqldump 8.0.26+: --source-data (--master-data is deprecated there). */
  sourceData: boolean;
  /** MariaDB mariadb-dump: --gtid writes gtid_slave_pos beside the coordinates. */
  gtid: boolean;
}

export interface Clients {
  dump: DumpProgram;
  load: ClientProgram;
  /** The binlog reader is not needed for the copy, so its absence is not an error here (see findBinlogReader). */
  binlog?: ClientProgram;
  /** coreutils' stdbuf, when on PATH: it gives the dump a bigger output buffer (dump-args.ts, dumpVia). */
  stdbuf?: string;
}

export const INSTALL_HINT = 'sudo apt-get install -y mariadb-client (or, for MySQL\u2019s clients: sudo apt-get install -y mysql-client)';

/** Preferred names first: on MariaDB the mysql* names are deprecated symlinks that warn on stderr. */
export const CANDIDATES = {
  dump: ['mariadb-dump', 'mysqldump'],
  load: ['mariadb', 'mysql'],
  binlog: ['mariadb-binlog', 'mysqlbinlog'],
} as const;

/** Each vendor's own program names, preferred for that vendor's servers (MySQL ships only the mysql* names). */
export const OWN_NAMES: Record<Flavor, Record<keyof typeof CANDIDATES, string>> = {
  mysql: { dump: 'mysqldump', load: 'mysql', binlog: 'mysqlbinlog' },
  mariadb: { dump: 'mariadb-dump', load: 'mariadb', binlog: 'mariadb-binlog' },
};

/** What to install for a vendor's own client programs, at or above `version` (one line for the preflight). */
export function installHintFor(flavor: Flavor, version?: string): string {
  return flavor === 'mysql'
    ? `MySQL's client programs (mysqldump, mysql${version ? ` ${version} or later` : ''}: the mysql-client or mysql-community-client package from MySQL's own repository, https://dev.mysql.com/downloads/repo/)`
    : `MariaDB's client programs (mariadb-dump, mariadb: sudo apt-get install -y mariadb-client)`;
}

export interface FindOptions {
  /** PATH to search (default: the environment's PATH); tests point it at fake programs. */
  path?: string;
  /**
   * The servers' vendor: its own programs are preferred (on a machine with both, mysqldump for MySQL and mariadb-dump
   * for MariaDB; a mysqldump that is MariaDB's symlink is not MySQL's). Absent: MariaDB's names first, as before.
   */
  flavor?: Flavor;
}

/** The first executable regular file called `name` in the PATH directories, or undefined. */
export function whichSync(name: string, pathVar = host().env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Flavor and version from `--version` output. Known shapes:
 *   "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)"   (MariaDB ≤ 11.0)
 *   "mariadb-dump from 11.8.3-MariaDB, client 10.19 for debian-linux-gnu (x86_64)"     (MariaDB 11.x)
 *   "mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)"                          (MySQL 5.7)
 *   "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"         (MySQL 8+)
 *   "mariadb-binlog Ver 3.5 for debian-linux-gnu at x86_64"                            (no flavor in the text)
 */
export function parseClientVersion(text: string, command: string, fallbackFlavor: Flavor = 'mysql'): { version: string; flavor: Flavor } {
  const flavor: Flavor =
    /mariadb/i.test(text) || /^mariadb/i.test(command) ? 'mariadb' : /mysql/i.test(text.replace(/^\s*mysql\w*/i, '')) ? 'mysql' : fallbackFlavor;
  // Distrib and "from" name the release the client belongs to; "Ver" alone is the release only on MySQL 8+.
  const version = /Distrib (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? /from (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? /Ver (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? 'unknown';
  return { version, flavor };
}

/** What the dump program supports, from its flavor and version (thresholds: src/dialect's THRESHOLDS). */
export function dumpFeatures(p: Pick<ClientProgram, 'flavor' | 'version'>): { sourceData: boolean; gtid: boolean } {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(p.version);
  const v = { flavor: p.flavor, major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0), patch: Number(m?.[3] ?? 0), raw: p.version };
  return { sourceData: has(v, 'dumpSourceData'), gtid: p.flavor === 'mariadb' };
}

/** `--version` answers by program file (path and mtime): a plan asks for the binlog reader at every step that may need it. */
const probed = new Map<string, Promise<ClientProgram>>();

function probe(path: string, command: string, fallbackFlavor?: Flavor): Promise<ClientProgram> {
  let mtime = 0;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    // Gone since `which` found it: probing says so.
  }
  const key = `${path}\0${mtime}\0${command}\0${fallbackFlavor ?? ''}`;
  let p = probed.get(key);
  if (!p) {
    p = probeNow(path, command, fallbackFlavor);
    probed.set(key, p);
    p.catch(() => probed.delete(key));
  }
  return p;
}

async function probeNow(path: string, command: string, fallbackFlavor?: Flavor): Promise<ClientProgram> {
  let stdout: string;
  try {
    ({ stdout } = await run(path, ['--version'], { timeout: 10_000, env: clientEnv() }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} was found at ${path} but "${command} --version" failed: ${e.stderr?.trim().split('\n').pop() || e.message}`);
  }
  return { command, path, ...parseClientVersion(stdout.trim(), command, fallbackFlavor) };
}

async function locate(kind: keyof typeof CANDIDATES, o: FindOptions, fallbackFlavor?: Flavor): Promise<ClientProgram | undefined> {
  const own = o.flavor ? OWN_NAMES[o.flavor][kind] : undefined;
  const names = own ? [own, ...CANDIDATES[kind].filter((n) => n !== own)] : [...CANDIDATES[kind]];
  let first: ClientProgram | undefined;
  for (const name of names) {
    const path = whichSync(name, o.path ?? host().env.PATH ?? '');
    if (!path) continue;
    const p = await probe(path, name, fallbackFlavor ?? (name.startsWith('mariadb') ? 'mariadb' : undefined));
    // The servers' vendor's own program wins; another is kept only to name it when the preflight refuses it.
    if (!o.flavor || p.flavor === o.flavor) return p;
    first ??= p;
  }
  return first;
}

function missing(kind: keyof typeof CANDIDATES, what: string): Error {
  const [preferred, fallback] = CANDIDATES[kind];
  return new Error(`${what} not found: neither ${preferred} nor ${fallback} is on PATH. Install it with: ${INSTALL_HINT}`);
}

/** The dump and import programs (required) and the binlog reader (if present). */
export async function findClients(o: FindOptions = {}): Promise<Clients> {
  const [dump, load] = await Promise.all([locate('dump', o), locate('load', o)]);
  if (!dump) throw missing('dump', 'the dump program');
  if (!load) throw missing('load', 'the import program');
  // mysqlbinlog does not say whose it is; it comes from the same package as the dump program next to it.
  const binlog = await locate('binlog', { ...o, flavor: dump.flavor }, dump.flavor).catch(() => undefined);
  const stdbuf = whichSync('stdbuf', o.path ?? host().env.PATH ?? '') ? 'stdbuf' : undefined;
  return { dump: { ...dump, ...dumpFeatures(dump) }, load, ...(binlog ? { binlog } : {}), ...(stdbuf ? { stdbuf } : {}) };
}

/** The binlog reader, required. */
export async function findBinlogReader(o: FindOptions = {}): Promise<ClientProgram> {
  const p = await locate('binlog', o);
  if (!p) throw missing('binlog', 'the binlog reader');
  return p;
}

/**
 * The client programs an offline rehearsal (--assume) plans with: the assumed server's vendor's own programs at that
 * version (or --client-version's), whatever this machine has. Nothing is run; `path` says where it would be found.
 */
export function assumedClients(flavor: Flavor, version: string, pathVar = host().env.PATH ?? ''): Clients {
  const names = OWN_NAMES[flavor];
  const at = (command: string) => ({ command, path: whichSync(command, pathVar) ?? '(not installed here)', version, flavor });
  const dump = at(names.dump);
  // The buffer wrapper is this machine's, as the run would find it.
  const stdbuf = whichSync('stdbuf', pathVar) ? { stdbuf: 'stdbuf' } : {};
  return { dump: { ...dump, ...dumpFeatures(dump) }, load: at(names.load), binlog: at(names.binlog), ...stdbuf };
}
