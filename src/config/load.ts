// Gather settings from flags, environment, .env, a JSON config file and a MySQL option file, in that order of
// precedence. Which option comes from where, and how each is validated, is the table in ./options.ts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { UsageError } from '../base/errors.js';
import { DEFAULT_FENCE_WATCH } from './traffic-fence.js';
import { readClientOptions } from './mysql-option-file.js';
import {
  DEFAULTS,
  envOf,
  envValues,
  fileSettingsSchema,
  flagOf,
  mustExist,
  normalizeFlags,
  recoverFlagKeys,
  recoverFlagsSchema,
  type OptionValues,
} from './options.js';
import { RING_OTHER_LABELS, type Settings } from './settings.js';
import { HOST_OPTIONS, methodRefusal, unusedHostOptions, type HostOption, type MethodName } from './copy-methods.js';
import { isCovered, parseAssumedVersion } from '../dialect/version.js';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { parseRate } from '../adapters/shell/throttle.js';

/** The passwords: only ever from the environment (or .env), a private config file or an option file, never a flag. */
export const PASSWORD_ENV = {
  password: 'MMRECOVER_PASSWORD',
  replPassword: 'MMRECOVER_REPL_PASSWORD',
} as const;

/** Flags as commander hands them over (strings and booleans, not yet validated), keyed as in the option table. */
export type RawFlags = Record<string, unknown>;

export interface Sources {
  flags: RawFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Format the first zod issue as "origin: setting what is wrong", the setting named as the operator wrote it: the flag,
 * or in the environment the variable.
 */
export function describeIssue(err: z.ZodError, origin: string): string {
  const issue = err.issues[0];
  const key = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `${origin}: unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const name = origin === 'environment' ? (envOf(key) ?? flagOf(key)) : flagOf(key);
  return `${origin}: ${name} ${issue.message}`;
}

export function validate(input: Record<string, unknown>, schema: z.ZodType<OptionValues>, origin: string): OptionValues {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error, origin));
  return parsed.data;
}

/** A path setting that must exist (a socket, a certificate) and does not: one line naming the flag. */
export function checkPathsExist(values: Record<string, unknown>): void {
  for (const [key, p] of Object.entries(values))
    if (mustExist(key) && typeof p === 'string' && !existsSync(p)) throw new UsageError(`${flagOf(key)}: ${p} does not exist`);
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

/**
 * The ssh targets, BS's service and its stop and start commands serve the physical method's host commands and nothing
 * else: one typed where nothing would use it is a mistake (the operator believes it reaches a host, or stops a
 * service, that it never will), refused in one line before anything connects. From a config file or the environment
 * they are the pair's description, kept for the physical runs.
 */
function refuseIdleHostOptions(typed: Partial<Record<HostOption, string>>, method: MethodName, donor: boolean): void {
  if (typed.donorSsh && !donor)
    throw new UsageError('--donor-ssh runs the donor’s mariadb-backup through ssh: it needs --donor <host[:port]> (and --method physical)');
  const unused = unusedHostOptions(method, donor);
  const idle = HOST_OPTIONS.find(([key]) => typed[key] && unused.has(key));
  if (!idle) return;
  const [key, flag] = idle;
  const noCommands = methodRefusal(method, { hostSsh: true });
  if (!noCommands)
    // From a donor, mariadb-backup runs on the donor's host (--donor-ssh): GS's host runs nothing.
    throw new UsageError(
      `${flag} ${typed[key]}: with --donor the copy’s mariadb-backup runs on the donor’s host (--donor-ssh), GS’s host runs nothing: leave it out`,
    );
  if (key === 'badService' || key === 'badStopCommand' || key === 'badStartCommand')
    throw new UsageError(
      `${flag}: BS’s service and its stop and start commands are for the physical method, which stops BS to swap its datadir; --method ${method} never stops BS: add --method physical, or leave it out`,
    );
  throw new UsageError(`${flag} ${typed[key]}: ${noCommands}`);
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
  const flags = normalizeFlags(src.flags);
  const fromFlags = validate(definedOnly(Object.fromEntries(recoverFlagKeys.map((k) => [k, flags[k]]))), recoverFlagsSchema, 'command line');
  const fromEnv = validate(envValues(env, recoverFlagKeys), recoverFlagsSchema, 'environment');
  const configPath = fromFlags.config ?? fromEnv.config;
  const rawConfig = configPath ? readConfigFile(configPath) : {};
  const configSecrets = configPath ? takeConfigSecrets(rawConfig, configPath) : {};
  const fromFile = configPath ? validate(rawConfig, fileSettingsSchema, `config file ${configPath}`) : {};
  // A MySQL option file (--defaults-file) is the weakest source: [client]/[mysqldump] user, password and TLS.
  const optionFilePath = fromFlags.defaultsFile ?? fromEnv.defaultsFile ?? fromFile.defaultsFile;
  const opt = optionFilePath ? readClientOptions(optionFilePath) : {};
  const fromOptionFile = validate(
    definedOnly({ user: opt.user, sslCa: opt.sslCa, sslCert: opt.sslCert, sslKey: opt.sslKey, sslMode: opt.sslMode }),
    fileSettingsSchema,
    `option file ${optionFilePath}`,
  );
  const merged: OptionValues = { ...fromOptionFile, ...fromFile, ...fromEnv, ...fromFlags };

  const ring = merged.ring !== undefined ? ringOf(merged.ring, merged.bad, merged.good) : undefined;
  if (ring) merged.good = ring.members[ring.upstream];
  const early = methodRefusal(merged.method, { ring: Boolean(ring), parallel: (merged.parallel ?? 1) > 1 });
  if (early) throw new UsageError(early);
  const maxRate = merged.maxRate !== undefined ? parseRate(merged.maxRate) : undefined;
  if (merged.maxRate !== undefined && maxRate === undefined)
    throw new UsageError(`--max-rate ${merged.maxRate}: must be bytes per second, at least 1K (10M, 512K)`);
  const maxLoad = merged.maxLoad !== undefined ? parseMaxLoad(merged.maxLoad) : undefined;
  const late = methodRefusal(merged.method, { maxRate: maxRate !== undefined, donor: Boolean(merged.donor) });
  if (late) throw new UsageError(late);
  // Typed on the command line only: a config file or the environment describes the pair for every method (the physical
  // method's hosts among the rest), and a run of another method simply does not use them.
  refuseIdleHostOptions(Object.fromEntries(HOST_OPTIONS.map(([key]) => [key, fromFlags[key]])), merged.method ?? DEFAULTS.method, Boolean(merged.donor));
  if (merged.keepBsAccounts && merged.backup === 'none')
    throw new UsageError('--keep-bs-accounts replays the accounts step 2 keeps in bs-accounts.sql: leave out --no-backup');
  if (!merged.good) throw new UsageError('--good is required: the server to keep (host or host:port)');
  if (!merged.bad) throw new UsageError('--bad is required: the server to rebuild (host or host:port)');
  if ((merged.sslCa || merged.sslCert || merged.sslKey) && !merged.sslMode) merged.sslMode = merged.sslCa ? 'VERIFY_CA' : 'REQUIRED';
  checkPathsExist(merged);
  const v = { ...DEFAULTS, ...merged, good: merged.good, bad: merged.bad };
  if (v.assume !== undefined) {
    if (!v.dryRun) throw new UsageError(`--assume ${v.assume} rehearses offline and runs nothing: it needs --dry-run`);
    const assumed = parseAssumedVersion(v.assume);
    if (!isCovered(assumed)) throw new UsageError(`--assume ${v.assume}: mmrecover covers MySQL 5.7 to 9.x and MariaDB 10.x and 11.x`);
  }
  if (v.clientVersion !== undefined && v.assume === undefined)
    throw new UsageError(`--client-version ${v.clientVersion} picks the client programs of an offline rehearsal: it needs --dry-run --assume <flavor-version>`);

  return {
    good: v.good,
    bad: v.bad,
    goodAddress: v.goodAddress ?? v.good,
    badAddress: v.badAddress ?? v.bad,
    goodSocket: v.goodSocket,
    badSocket: v.badSocket,
    ...(ring ? { ring } : {}),
    user: v.user,
    replUser: v.replUser,
    password: env[PASSWORD_ENV.password] ?? configSecrets.password ?? opt.password,
    replPassword: env[PASSWORD_ENV.replPassword] ?? configSecrets.replPassword,
    method: v.method,
    goodSsh: v.goodSsh,
    badSsh: v.badSsh,
    donorSsh: v.donorSsh,
    sshConfig: v.sshConfig,
    badService: v.badService,
    badStopCommand: v.badStopCommand,
    badStartCommand: v.badStartCommand,
    parallel: v.parallel,
    positioning: v.positioning,
    backup: v.backup,
    backupDir: v.backupDir,
    keepBsAccounts: v.keepBsAccounts,
    dryRun: v.dryRun,
    assume: v.assume,
    clientVersion: v.clientVersion,
    acceptFilePositioningOnGtid: v.acceptFilePositioningOnGtid ?? false,
    logImport: v.logImport ?? false,
    yes: v.yes,
    confirmBad: v.confirmBad,
    json: v.json,
    resume: v.resume,
    journal: v.journal,
    lockWaitTimeout: v.lockWaitTimeout,
    replicaTimeout: v.replicaTimeout,
    stallTimeout: v.stallTimeout,
    ...(maxRate !== undefined ? { maxRate } : {}),
    ...(maxLoad ? { maxLoad } : {}),
    maxMdlWait: v.maxMdlWait,
    ...(v.donor ? { donor: v.donor } : {}),
    donorMaxLag: v.donorMaxLag,
    ...(v.fence?.length ? { fence: v.fence } : {}),
    fenceCommand: v.fenceCommand,
    unfenceCommand: v.unfenceCommand,
    // The watch costs seconds on every run: on by default where a traffic fence is set up, else when asked for.
    fenceWatch: v.fenceWatch ?? (v.fence?.length || v.fenceCommand ? DEFAULT_FENCE_WATCH : undefined),
    compareTimeout: v.compareTimeout,
    chunkTime: v.chunkTime,
    verifyTime: v.verifyTime,
    connectTimeout: v.connectTimeout,
    verify: v.verify,
    marker: v.marker,
    tls: v.sslMode && v.sslMode !== 'DISABLED' ? { mode: v.sslMode, ca: v.sslCa, cert: v.sslCert, key: v.sslKey } : undefined,
    replicationSsl: v.replicationSsl,
    config: configPath,
    defaultsFile: optionFilePath,
    given: Object.keys(merged),
  };
}

const sameHostPort = (x: { host: string; port: number }, y: { host: string; port: number }) => x.host === y.host && x.port === y.port;

/**
 * --ring a,b,c --bad b: the members in replication order, which one is rebuilt, its upstream (GS) and downstream.
 * A --good, when given too, must be that upstream: in a ring the copy comes from the member the bad one replicated from.
 */
function ringOf(
  text: string,
  bad: { host: string; port: number } | undefined,
  good: { host: string; port: number } | undefined,
): NonNullable<Settings['ring']> {
  const members = text.split(',').map((part, i) => {
    try {
      return parseHostPort(part);
    } catch (err) {
      throw new UsageError(`--ring: member ${i + 1} ${(err as Error).message}`);
    }
  });
  if (members.length < 3) throw new UsageError(`--ring needs at least 3 members in replication order (got ${members.length}); for a pair use --good and --bad`);
  // The members after BS's downstream are labelled E, F, … in the plan and the messages (RING_OTHER_LABELS).
  const most = 3 + RING_OTHER_LABELS.length;
  if (members.length > most) throw new UsageError(`--ring: at most ${most} members (got ${members.length})`);
  for (const [i, m] of members.entries())
    if (members.findIndex((x) => sameHostPort(x, m)) !== i) throw new UsageError(`--ring names ${m.host}:${m.port} twice`);
  if (!bad) throw new UsageError('--bad is required with --ring: the member to rebuild (one of the --ring members)');
  const b = members.findIndex((m) => sameHostPort(m, bad));
  if (b < 0) throw new UsageError(`--bad ${bad.host}:${bad.port} is not a member of --ring ${text}`);
  const n = members.length;
  const upstream = (b + n - 1) % n;
  const u = members[upstream];
  if (good && !sameHostPort(good, u))
    throw new UsageError(
      `--good ${good.host}:${good.port} is not the upstream of --bad in --ring (${u.host}:${u.port} is): in a ring the copy comes from the upstream`,
    );
  return { members, bad: b, upstream, downstream: (b + 1) % n };
}

/** --max-load Threads_running=25[,Threads_connected=500]: each variable once, each maximum at least 1. */
export function parseMaxLoad(text: string): Array<{ variable: string; max: number }> {
  const out: Array<{ variable: string; max: number }> = [];
  for (const part of text.split(',')) {
    const m = /^([A-Za-z_]+)=(\d+)$/.exec(part.trim());
    if (!m) throw new UsageError(`--max-load ${text}: must be Variable=N[,Variable=N…] (Threads_running=25)`);
    const max = Number(m[2]);
    if (max < 1) throw new UsageError(`--max-load ${text}: ${m[1]} must be at least 1`);
    if (out.some((x) => x.variable.toLowerCase() === m[1].toLowerCase())) throw new UsageError(`--max-load ${text}: ${m[1]} is given twice`);
    out.push({ variable: m[1], max });
  }
  return out;
}

/** --max-load with a method that locks GS during the copy (classic) or has no stream (clone): one line, or undefined. */
export function maxLoadRefusal(s: Pick<Settings, 'maxLoad' | 'method'>): string | undefined {
  return methodRefusal(s.method, { maxLoad: Boolean(s.maxLoad) });
}
