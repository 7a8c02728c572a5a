// Read the MySQL option files operators already have (--defaults-file): [client] and [mysqldump] groups,
// for host, port, user, password, socket and ssl settings. Syntax as mysqld/my_print_defaults read it.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../base/errors.js';

export type OptionGroups = Map<string, Map<string, string>>;

/** Unquote an option value: "…" and '…' with backslash escapes (\n \t \\ \" \' \s); a # after unquoted text starts a comment. */
function parseValue(raw: string): string {
  const v = raw.trim();
  const q = v[0];
  if ((q === '"' || q === "'") && v.length >= 2) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const ch = v[i];
      if (ch === q) return out;
      if (ch === '\\' && i + 1 < v.length) {
        const n = v[++i];
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === 'b' ? '\b' : n === 's' ? ' ' : n;
      } else out += ch;
    }
    return out;
  }
  const hash = v.search(/\s#/);
  const bare = (hash >= 0 ? v.slice(0, hash) : v.startsWith('#') ? '' : v).trim();
  return bare.replace(/\\(.)/g, (_, n: string) => (n === 'n' ? '\n' : n === 't' ? '\t' : n === 's' ? ' ' : n));
}

export function parseOptionFile(text: string, path: string, groups: OptionGroups = new Map(), depth = 0): OptionGroups {
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('!include ') || line.startsWith('!includedir ')) {
      if (depth > 10) continue;
      const target = resolve(dirname(path), line.replace(/^!include(dir)?\s+/, ''));
      const files =
        line.startsWith('!includedir') && existsSync(target)
          ? readdirSync(target)
              .filter((f) => f.endsWith('.cnf'))
              .sort()
              .map((f) => join(target, f))
          : [target];
      for (const f of files) if (existsSync(f)) parseOptionFile(readFileSync(f, 'utf8'), f, groups, depth + 1);
      continue;
    }
    const group = /^\[([^\]]+)\]$/.exec(line);
    if (group) {
      const name = group[1].trim().toLowerCase();
      current = groups.get(name) ?? new Map();
      groups.set(name, current);
      continue;
    }
    if (!current) continue;
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().toLowerCase().replace(/_/g, '-');
    current.set(key, eq < 0 ? '' : parseValue(line.slice(eq + 1)));
  }
  return groups;
}

export interface ClientOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  socket?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  sslMode?: string;
}

/** The client settings from `path`'s [client] group, overridden by [mysqldump] (the dump is what needs them most). */
export function readClientOptions(path: string): ClientOptions {
  if (!existsSync(path)) throw new UsageError(`--defaults-file: ${path} does not exist`);
  if (!statSync(path).isFile()) throw new UsageError(`--defaults-file: ${path} is not a file`);
  const groups = parseOptionFile(readFileSync(path, 'utf8'), path);
  const merged = new Map([...(groups.get('client') ?? []), ...(groups.get('mysqldump') ?? [])]);
  const port = merged.get('port');
  if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError(`--defaults-file: ${path}: port = ${port} is not a number`);
  const sslMode = merged.get('ssl-mode') ?? (merged.has('ssl') && merged.get('ssl') !== '0' ? 'REQUIRED' : undefined);
  return {
    host: merged.get('host'),
    port: port !== undefined ? Number(port) : undefined,
    user: merged.get('user'),
    password: merged.get('password'),
    socket: merged.get('socket'),
    sslCa: merged.get('ssl-ca'),
    sslCert: merged.get('ssl-cert'),
    sslKey: merged.get('ssl-key'),
    sslMode: sslMode?.toUpperCase(),
  };
}
