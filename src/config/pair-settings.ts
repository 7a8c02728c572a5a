// Settings for `status` and `check`: the pair as --a/--b instead of --good/--bad, with everything else
// (user, password, config file, option file, TLS, connect timeout) loaded exactly as `recover` loads it.
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { UsageError } from '../base/errors.js';
import { checkPathsExist, effectiveEnv, loadSettings, validate, type Sources } from './load.js';
import { endpointFor, memberEndpoint } from './endpoints.js';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { envOf, envValues, optionsFor, schemaFor } from './options.js';
import type { Settings } from './settings.js';

/** The pair's own options (--a, --b, --a-socket, --b-socket; A and B may also come from the environment). */
const SIDE_KEYS = optionsFor('status')
  .filter((o) => o.side)
  .map((o) => o.key);
const sideSchema = schemaFor(SIDE_KEYS);

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
  /** Longest time comparing the two servers' data row by row (status's evidence). */
  compareTimeout: number;
  chunkTime: number;
  tls?: Settings['tls'];
}

export function loadPairSettings(src: Sources): PairSettings {
  const env = effectiveEnv(src.env, src.cwd);
  const fromEnv = validate(envValues(env, SIDE_KEYS), sideSchema, 'environment');
  const flags = Object.fromEntries(SIDE_KEYS.filter((k) => src.flags[k] !== undefined).map((k) => [k, src.flags[k]]));
  const p = { ...fromEnv, ...validate(flags, sideSchema, 'command line') };
  const typed = (k: 'a' | 'b') => String(src.flags[k] ?? env[envOf(k)!]).trim();
  if (!p.a) throw new UsageError(`--a is required: one server of the pair (host or host:port, or ${envOf('a')})`);
  if (!p.b) throw new UsageError(`--b is required: the other server of the pair (host or host:port, or ${envOf('b')})`);
  checkPathsExist(p);
  if (p.a.host === p.b.host && p.a.port === p.b.port && p.aSocket === p.bSocket)
    throw new UsageError(`--a and --b are the same server (${typed('a')}); give the two servers of the pair`);
  const raw = { a: typed('a'), b: typed('b') };

  // A is handed to the shared loader in the good slot and B in the bad slot: that is only a slot, not a verdict.
  // MMRECOVER_GOOD/BAD are hidden from it so that a stale value there can neither fail nor override the pair.
  const s = loadSettings({
    flags: { ...src.flags, good: raw.a, bad: raw.b, goodSocket: p.aSocket, badSocket: p.bSocket, goodAddress: undefined, badAddress: undefined },
    env: { ...src.env, [envOf('good')!]: undefined, [envOf('bad')!]: undefined },
    cwd: src.cwd,
  });
  return {
    a: s.good,
    b: s.bad,
    aText: raw.a,
    bText: raw.b,
    aSocket: s.goodSocket,
    bSocket: s.badSocket,
    user: s.user,
    password: s.password,
    connectTimeout: s.connectTimeout,
    compareTimeout: s.compareTimeout,
    chunkTime: s.chunkTime,
    tls: s.tls,
  };
}

export function pairEndpoints(s: PairSettings, password: string): { A: Endpoint; B: Endpoint } {
  const shaped = { good: s.a, bad: s.b, goodSocket: s.aSocket, badSocket: s.bSocket, user: s.user, password, tls: s.tls };
  return { A: { ...endpointFor(shaped, 'GS'), label: 'A' }, B: { ...endpointFor(shaped, 'BS'), label: 'B' } };
}

export interface RingSettings {
  members: Array<{ host: string; port: number }>;
  /** The --ring text as typed, for the suggested `recover` line. */
  text: string;
  user: string;
  password?: string;
  connectTimeout: number;
  tls?: Settings['tls'];
}

/** `status --ring a,b,c` / `check --ring a,b,c`: the members in replication order, and the connection settings. */
export function loadRingSettings(src: Sources): RingSettings {
  const text = String(src.flags.ring ?? '').trim();
  const members = text.split(',').map((part, i) => {
    try {
      return parseHostPort(part);
    } catch (err) {
      throw new UsageError(`--ring: member ${i + 1} ${(err as Error).message}`);
    }
  });
  if (members.length < 2) throw new UsageError('--ring needs the members in replication order, separated by commas');
  // The shared loader validates everything else; the first two members only fill its good/bad slots.
  const s = loadSettings({
    flags: {
      ...src.flags,
      ring: undefined,
      a: undefined,
      b: undefined,
      good: text.split(',')[0],
      bad: text.split(',')[1],
      goodAddress: undefined,
      badAddress: undefined,
    },
    env: { ...src.env, [envOf('good')!]: undefined, [envOf('bad')!]: undefined },
    cwd: src.cwd,
  });
  return { members, text, user: s.user, password: s.password, connectTimeout: s.connectTimeout, tls: s.tls };
}

export function ringEndpoints(s: RingSettings, password: string): Endpoint[] {
  return s.members.map((m, i) => memberEndpoint({ user: s.user, password, tls: s.tls }, m, String.fromCharCode(65 + i)));
}
