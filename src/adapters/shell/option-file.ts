// Credentials for client programs go in a [client] option file, mode 0600, in a private 0700 directory, passed as
// --defaults-extra-file: never on a command line, where every user on the host could read them from the process list.
//
// Caveat (MySQL and MariaDB alike): the clients read ~/.my.cnf AFTER --defaults-extra-file, so a [client] password
// in the operator's own ~/.my.cnf wins over ours. Callers that must rule this out can run the clients with HOME
// pointing at the private directory this module creates (see OptionFile.dir).
import { readdirSync, rmSync } from 'node:fs';
import { host } from '../../base/host.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { has } from '../../dialect/dialect.js';
import type { Flavor, ServerVersion } from '../../dialect/version.js';
import type { Endpoint } from '../mysql/endpoint.js';

export interface OptionFileCredentials {
  host?: string;
  port?: number;
  socket?: string;
  user: string;
  password: string;
  /**
   * mode: DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY (MySQL's --ssl-mode names). Absent: no TLS
   * setting was given, and the client keeps its own default.
   */
  ssl?: { mode: string; ca?: string; cert?: string; key?: string };
  /** The server offered TLS to the tool's own session (stands in for PREFERRED where a client has no such mode). */
  serverTls?: boolean;
}

/** The client program an option file is for: its flavor and, when known, its version ("10.11.19", "8.0.36"). */
export interface ClientKind {
  flavor: Flavor;
  version?: string;
}

/** The client's version as THRESHOLDS reads it (an unknown version is taken as old). */
function clientVersion(c: ClientKind): ServerVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(c.version ?? '');
  return { flavor: c.flavor, major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0), patch: Number(m?.[3] ?? 0), raw: c.version ?? '' };
}

export interface OptionFile {
  /** The option file, for --defaults-extra-file. */
  path: string;
  /** Its private 0700 directory. */
  dir: string;
  /** Remove the file and its directory; safe to call twice. */
  dispose(): Promise<void>;
}

/** Our option directories are named mmrecover-<pid>-XXXXXX, so that a later run can tell an orphan from a live one. */
const PREFIX = 'mmrecover-';

/** Directories still on disk, so that exit and signal handlers can remove them synchronously. */
const live = new Set<string>();

/**
 * A double-quoted option value. Inside double quotes the option-file parser (mysys my_default.c, the same in MySQL
 * and MariaDB) reads \\ \" \n \t \r \b \s as escapes and treats # and ; as text, so quoting every value makes any
 * password survive; unquoted, `a#b` would be cut at the # (a comment) and a backslash could be eaten.
 */
export function quoteOptionValue(value: string): string {
  if (value.includes('\0')) throw new Error('an option-file value cannot contain a NUL character');
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    // eslint-disable-next-line no-control-regex -- the backspace character is what this line escapes
    .replace(/\x08/g, '\\b');
  return `"${escaped}"`;
}

/**
 * TLS lines. With no TLS setting given the client keeps its own default, which is never weaker than PREFERRED: MySQL's
 * clients default to --ssl-mode=PREFERRED (https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_ssl-mode:
 * "If the server does not support encrypted connections, the client falls back to an unencrypted connection"), and
 * MariaDB's from 11.4 use TLS and verify by default. MariaDB clients before 11.4 have no PREFERRED mode: they get
 * `ssl` when the server offered TLS to the tool's own session, so that they encrypt where the server can. A MySQL 8
 * client that does not encrypt needs get-server-public-key for caching_sha2_password (the MySQL 8 default).
 * MariaDB's clients have no --ssl-mode: `ssl` plus (skip-)ssl-verify-server-cert say the same.
 */
function sslLines(ssl: OptionFileCredentials['ssl'], client: ClientKind, serverTls: boolean | undefined): string[] {
  const v = clientVersion(client);
  const publicKey = has(v, 'clientGetServerPublicKey') ? ['get-server-public-key'] : [];
  const mode = ssl?.mode.toUpperCase();
  if (mode === 'DISABLED') return client.flavor === 'mysql' ? ['ssl-mode=DISABLED', ...publicKey] : ['skip-ssl'];
  const lines: string[] = [];
  if (mode === undefined || mode === 'PREFERRED') {
    if (client.flavor === 'mysql') lines.push(...(mode ? ['ssl-mode=PREFERRED'] : []), ...publicKey);
    else if (!has(v, 'clientTlsByDefault') && serverTls) lines.push('ssl');
  } else if (client.flavor === 'mysql') lines.push(`ssl-mode=${mode}`);
  else {
    lines.push('ssl');
    // MariaDB verifies CA and host name together; VERIFY_CA gets the stricter check rather than none.
    // Skipping verification is explicit because MariaDB 11.3+ clients verify by default.
    lines.push(mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY' ? 'ssl-verify-server-cert' : 'skip-ssl-verify-server-cert');
  }
  if (ssl?.ca) lines.push(`ssl-ca=${quoteOptionValue(ssl.ca)}`);
  if (ssl?.cert) lines.push(`ssl-cert=${quoteOptionValue(ssl.cert)}`);
  if (ssl?.key) lines.push(`ssl-key=${quoteOptionValue(ssl.key)}`);
  return lines;
}

/** The text of the option file (pure, golden-tested). */
export function optionFileText(c: OptionFileCredentials, client: Flavor | ClientKind): string {
  const kind = typeof client === 'string' ? { flavor: client } : client;
  const lines = ['[client]', `user=${quoteOptionValue(c.user)}`, `password=${quoteOptionValue(c.password)}`];
  if (c.socket) lines.push(`socket=${quoteOptionValue(c.socket)}`, 'protocol=SOCKET');
  else {
    if (c.host) lines.push(`host=${quoteOptionValue(c.host)}`);
    if (c.port) lines.push(`port=${Math.trunc(c.port)}`);
    // Without this, host=localhost would silently use the default socket and reach a different server.
    lines.push('protocol=TCP');
  }
  // Over a socket there is nothing to encrypt; a TLS setting given still goes to the client as before.
  lines.push(...(c.socket && !c.ssl ? [] : sslLines(c.ssl, kind, c.serverTls)));
  return lines.join('\n') + '\n';
}

/** What a client needs to reach `e`, as option-file credentials (its TLS settings included). */
export function endpointCredentials(e: Endpoint): OptionFileCredentials {
  return { host: e.host, port: e.port, socket: e.socket, user: e.user, password: e.password, ssl: e.tls, serverTls: e.serverTls };
}

export async function writeOptionFile(c: OptionFileCredentials, client: Flavor | ClientKind): Promise<OptionFile> {
  // mkdtemp creates the directory 0700: nobody else can even list it.
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${host().pid}-`));
  live.add(dir);
  const path = join(dir, 'client.cnf');
  const dispose = async () => {
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // wx: never write through a file (or symlink) someone else placed there; 0600 from the first byte.
    await writeFile(path, optionFileText(c, client), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    await dispose();
    throw err;
  }
  return { path, dir, dispose };
}

/**
 * Remove the option files a run that was killed outright (SIGKILL, a lost host) could not remove: directories of ours
 * whose process is gone. Called when the tool starts, so that credentials never outlive the run that needed them
 * by more than the next run.
 */
export function sweepStaleOptionFiles(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === host().pid || alive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      /* not ours to remove after all (another user's): leave it */
    }
  }
}

function alive(pid: number): boolean {
  try {
    host().kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: alive
  }
}

/** For exit and signal handlers: remove every option file still on disk, synchronously. */
export function disposeAllOptionFilesSync(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort on the way out */
    }
    live.delete(dir);
  }
}
