// Gather settings from flags, environment, .env and a JSON config file, in that order of precedence.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { UsageError } from '../base/errors.js';
import { readClientOptions } from './mysql-option-file.js';
import { DEFAULTS, fileSettingsSchema, type FileSettings, type Settings } from './settings.js';

/** Environment variables the tool reads (documented in .env.example). */
export const ENV = {
  password: 'MMRECOVER_PASSWORD',
  replPassword: 'MMRECOVER_REPL_PASSWORD',
  user: 'MMRECOVER_USER',
  replUser: 'MMRECOVER_REPL_USER',
  good: 'MMRECOVER_GOOD',
  bad: 'MMRECOVER_BAD',
  journal: 'MMRECOVER_JOURNAL',
  config: 'MMRECOVER_CONFIG',
} as const;

/** Flags as commander hands them over (strings and booleans, not yet validated). */
export interface RawFlags {
  [key: string]: unknown;
  config?: string;
  dryRun?: boolean;
  yes?: boolean;
  confirmBad?: string;
  json?: boolean;
  resume?: boolean;
}

export interface Sources {
  flags: RawFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Format the first zod issue as "setting: what is wrong". */
export function describeIssue(err: z.ZodError, origin: string): string {
  const issue = err.issues[0];
  const key = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `${origin}: unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${origin}: ${flagName(key)} ${issue.message}`;
}

/** goodAddress → --good-address, so the operator sees the name they typed. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function validate(input: Record<string, unknown>, origin: string): FileSettings {
  const parsed = fileSettingsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error, origin));
  return parsed.data;
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new UsageError(`--config: file ${path} does not exist`);
  if (!statSync(path).isFile()) throw new UsageError(`--config: ${path} is not a file`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config: ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`--config: ${path} must hold a JSON object`);
  return data as Record<string, unknown>;
}

/**
 * Passwords in the JSON config file (`password`, `replPassword`) are taken out before validation, and only from a
 * file no one else can read (like ~/.pgpass): a config that is group- or world-readable would leak them.
 */
function takeConfigSecrets(data: Record<string, unknown>, path: string): { password?: string; replPassword?: string } {
  const out: { password?: string; replPassword?: string } = {};
  for (const key of ['password', 'replPassword'] as const) {
    if (!(key in data)) continue;
    const v = data[key];
    delete data[key];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--config: "${key}" in ${path} must be a non-empty string`);
    out[key] = v;
  }
  if (Object.keys(out).length > 0) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      throw new UsageError(
        `--config: ${path} holds a password but others can read it (mode ${mode.toString(8).padStart(3, '0')}); run chmod 600 ${path}, or put the password in MMRECOVER_PASSWORD instead`,
      );
    }
  }
  return out;
}

/** Environment, with .env from the working directory filling what the environment lacks. */
export function effectiveEnv(env: NodeJS.ProcessEnv, cwd: string): Record<string, string | undefined> {
  const dotenvPath = `${cwd}/.env`;
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  return { ...fromFile, ...env };
}

const definedOnly = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export interface LoadedSettings {
  settings: Omit<Settings, 'password' | 'replPassword'> & { password?: string; replPassword?: string };
}

/**
 * Merge and validate. Passwords come from the environment, .env, a private (0600) config file or a MySQL option file,
 * in that order (the caller may prompt for missing ones).
 * Throws UsageError naming the setting on any bad value; nothing has connected yet.
 */
export function loadSettings(src: Sources): LoadedSettings['settings'] {
  const env = effectiveEnv(src.env, src.cwd);
  const configPath = (src.flags.config as string | undefined) ?? env[ENV.config];
  const rawConfig = configPath ? readConfigFile(configPath) : {};
  const configSecrets = configPath ? takeConfigSecrets(rawConfig, configPath) : {};
  const fromFile = configPath ? validate(rawConfig, `config file ${configPath}`) : {};
  const fromEnv = validate(
    definedOnly({ user: env[ENV.user], replUser: env[ENV.replUser], good: env[ENV.good], bad: env[ENV.bad], journal: env[ENV.journal] }),
    'environment',
  );
  const flagKeys = Object.keys(fileSettingsSchema.shape) as Array<keyof FileSettings>;
  const fromFlags = validate(definedOnly(Object.fromEntries(flagKeys.map((k) => [k, src.flags[k]]))), 'command line');
  // A MySQL option file (--defaults-file) is the weakest source: [client]/[mysqldump] user, password and TLS.
  const optionFilePath = fromFlags.defaultsFile ?? fromEnv.defaultsFile ?? fromFile.defaultsFile;
  const opt = optionFilePath ? readClientOptions(optionFilePath) : {};
  const fromOptionFile = validate(
    definedOnly({ user: opt.user, sslCa: opt.sslCa, sslCert: opt.sslCert, sslKey: opt.sslKey, sslMode: opt.sslMode }),
    `option file ${optionFilePath}`,
  );
  const merged: FileSettings = { ...fromOptionFile, ...fromFile, ...fromEnv, ...fromFlags };

  if (!merged.good) throw new UsageError('--good is required: the server to keep (host or host:port)');
  if (!merged.bad) throw new UsageError('--bad is required: the server to rebuild (host or host:port)');
  if ((merged.sslCa || merged.sslCert || merged.sslKey) && !merged.sslMode) merged.sslMode = merged.sslCa ? 'VERIFY_CA' : 'REQUIRED';
  for (const key of ['sslCa', 'sslCert', 'sslKey', 'goodSocket', 'badSocket'] as const) {
    const p = merged[key];
    if (p && !existsSync(p)) throw new UsageError(`${flagName(key)}: ${p} does not exist`);
  }
  const yes = Boolean(src.flags.yes);
  const dryRun = Boolean(src.flags.dryRun);
  const confirmBad = src.flags.confirmBad as string | undefined;
  if (confirmBad !== undefined && confirmBad.trim() === '') throw new UsageError('--confirm-bad must not be empty');

  return {
    good: merged.good,
    bad: merged.bad,
    goodAddress: merged.goodAddress ?? merged.good,
    badAddress: merged.badAddress ?? merged.bad,
    goodSocket: merged.goodSocket,
    badSocket: merged.badSocket,
    user: merged.user ?? DEFAULTS.user,
    replUser: merged.replUser ?? DEFAULTS.replUser,
    password: env[ENV.password] ?? configSecrets.password ?? opt.password,
    replPassword: env[ENV.replPassword] ?? configSecrets.replPassword,
    method: merged.method ?? DEFAULTS.method,
    positioning: merged.positioning ?? DEFAULTS.positioning,
    backup: merged.backup ?? DEFAULTS.backup,
    backupDir: merged.backupDir,
    dryRun,
    yes,
    confirmBad,
    json: Boolean(src.flags.json),
    resume: Boolean(src.flags.resume),
    journal: merged.journal,
    lockWaitTimeout: merged.lockWaitTimeout ?? DEFAULTS.lockWaitTimeout,
    replicaTimeout: merged.replicaTimeout ?? DEFAULTS.replicaTimeout,
    connectTimeout: merged.connectTimeout ?? DEFAULTS.connectTimeout,
    verify: merged.verify ?? DEFAULTS.verify,
    marker: merged.marker ?? DEFAULTS.marker,
    tls: merged.sslMode && merged.sslMode !== 'DISABLED' ? { mode: merged.sslMode, ca: merged.sslCa, cert: merged.sslCert, key: merged.sslKey } : undefined,
    replicationSsl: merged.replicationSsl ?? false,
  };
}
