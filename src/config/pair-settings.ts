// Settings for `status` and `check`: the pair as --a/--b instead of --good/--bad, with everything else
// (user, password, config file, option file, TLS, connect timeout) loaded exactly as `recover` loads it.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { UsageError } from '../base/errors.js';
import { describeIssue, effectiveEnv, loadSettings, type Sources } from './load.js';
import { endpointFor } from './endpoints.js';
import { fileSettingsSchema, type Settings } from './settings.js';

/** The servers may also come from the environment, e.g. in a monitoring host's service definition. */
export const PAIR_ENV = { a: 'MMRECOVER_A', b: 'MMRECOVER_B' } as const;

const pairSchema = z.strictObject({
  a: fileSettingsSchema.shape.good,
  b: fileSettingsSchema.shape.bad,
  aSocket: fileSettingsSchema.shape.goodSocket,
  bSocket: fileSettingsSchema.shape.badSocket,
});

export interface PairSettings {
  a: { host: string; port: number };
  b: { host: string; port: number };
  /** As the operator typed them, for the suggested `recover` command line. */
  aText: string;
  bText: string;
  aSocket?: string;
  bSocket?: string;
  user: string;
  /** From MMRECOVER_PASSWORD, .env or the option file; the caller decides whether it may prompt. */
  password?: string;
  connectTimeout: number;
  tls?: Settings['tls'];
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function loadPairSettings(src: Sources): PairSettings {
  const env = effectiveEnv(src.env, src.cwd);
  const raw = { a: text(src.flags.a) ?? env[PAIR_ENV.a], b: text(src.flags.b) ?? env[PAIR_ENV.b], aSocket: src.flags.aSocket, bSocket: src.flags.bSocket };
  const parsed = pairSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error, 'command line'));
  const p = parsed.data;
  if (!p.a || !raw.a) throw new UsageError(`--a is required: one server of the pair (host or host:port, or ${PAIR_ENV.a})`);
  if (!p.b || !raw.b) throw new UsageError(`--b is required: the other server of the pair (host or host:port, or ${PAIR_ENV.b})`);
  for (const [flag, path] of [
    ['--a-socket', p.aSocket],
    ['--b-socket', p.bSocket],
  ] as const)
    if (path && !existsSync(path)) throw new UsageError(`${flag}: ${path} does not exist`);
  if (p.a.host === p.b.host && p.a.port === p.b.port && p.aSocket === p.bSocket)
    throw new UsageError(`--a and --b are the same server (${raw.a}); give the two servers of the pair`);

  // A is handed to the shared loader in the good slot and B in the bad slot: that is only a slot, not a verdict.
  // MMRECOVER_GOOD/BAD are hidden from it so that a stale value there can neither fail nor override the pair.
  const s = loadSettings({
    flags: { ...src.flags, good: raw.a, bad: raw.b, goodSocket: p.aSocket, badSocket: p.bSocket, goodAddress: undefined, badAddress: undefined },
    env: { ...src.env, MMRECOVER_GOOD: undefined, MMRECOVER_BAD: undefined },
    cwd: src.cwd,
  });
  return {
    a: s.good,
    b: s.bad,
    aText: raw.a.trim(),
    bText: raw.b.trim(),
    aSocket: s.goodSocket,
    bSocket: s.badSocket,
    user: s.user,
    password: s.password,
    connectTimeout: s.connectTimeout,
    tls: s.tls,
  };
}

export function pairEndpoints(s: PairSettings, password: string): { A: Endpoint; B: Endpoint } {
  const shaped = { good: s.a, bad: s.b, goodSocket: s.aSocket, badSocket: s.bSocket, user: s.user, password, tls: s.tls };
  return { A: { ...endpointFor(shaped, 'GS'), label: 'A' }, B: { ...endpointFor(shaped, 'BS'), label: 'B' } };
}
