// Credentials for client programs go in a [client] option file, mode 0600, in a private 0700 directory, passed as
// --defaults-extra-file: never on a command line, where every user on the host could read them from the process list.
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flavor } from '../../dialect/version.js';

export interface OptionFileCredentials {
  host?: string;
  port?: number;
  socket?: string;
  user: string;
  password: string;
  ssl?: { mode: string; ca?: string; cert?: string; key?: string };
}

export interface OptionFile {
  path: string;
  dispose(): Promise<void>;
}

/** Directories still on disk, so that exit and signal handlers can remove them synchronously. */
const live = new Set<string>();

/** Double-quoted option value: backslash and double quote escaped, so #, ; and quotes survive. */
export function quoteOptionValue(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

export function optionFileText(c: OptionFileCredentials, flavor: Flavor): string {
  const lines = ['[client]', `user=${quoteOptionValue(c.user)}`, `password=${quoteOptionValue(c.password)}`];
  if (c.socket) lines.push(`socket=${quoteOptionValue(c.socket)}`);
  else {
    if (c.host) lines.push(`host=${quoteOptionValue(c.host)}`);
    if (c.port) lines.push(`port=${c.port}`);
    lines.push('protocol=TCP');
  }
  const ssl = c.ssl;
  if (ssl && ssl.mode !== 'DISABLED') {
    if (flavor === 'mysql') lines.push(`ssl-mode=${ssl.mode}`);
    else {
      lines.push('ssl');
      if (ssl.mode === 'VERIFY_CA' || ssl.mode === 'VERIFY_IDENTITY') lines.push('ssl-verify-server-cert');
    }
    if (ssl.ca) lines.push(`ssl-ca=${quoteOptionValue(ssl.ca)}`);
    if (ssl.cert) lines.push(`ssl-cert=${quoteOptionValue(ssl.cert)}`);
    if (ssl.key) lines.push(`ssl-key=${quoteOptionValue(ssl.key)}`);
  } else if (flavor === 'mariadb') {
    // MariaDB 11.4+ clients verify/require TLS by default; without TLS settings, behave like the server expects.
    lines.push('skip-ssl');
  } else lines.push('ssl-mode=DISABLED');
  return lines.join('\n') + '\n';
}

export async function writeOptionFile(c: OptionFileCredentials, flavor: Flavor): Promise<OptionFile> {
  const dir = await mkdtemp(join(tmpdir(), 'mmrecover-'));
  live.add(dir);
  const path = join(dir, 'client.cnf');
  await writeFile(path, optionFileText(c, flavor), { mode: 0o600, flag: 'wx' });
  return {
    path,
    async dispose() {
      live.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

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

