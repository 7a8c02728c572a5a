// One typed Settings object for a recovery, validated with zod before anything connects.
import { z } from 'zod';
import { parseHostPort } from '../adapters/mysql/endpoint.js';

/** "host" or "host:port", checked and split. */
export const hostPort = z.string({ error: 'must be host or host:port' }).transform((text, ctx) => {
  try {
    return parseHostPort(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const nonEmpty = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: 'must not be empty' });
const seconds = (max: number) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` });

export const tlsModes = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;

/** Settings as they may appear in a JSON config file, flags and environment (everything optional here). */
export const fileSettingsSchema = z
  .strictObject({
    good: hostPort.optional(),
    bad: hostPort.optional(),
    goodAddress: hostPort.optional(),
    badAddress: hostPort.optional(),
    goodSocket: nonEmpty('a socket path').optional(),
    badSocket: nonEmpty('a socket path').optional(),
    user: nonEmpty('an account name').optional(),
    replUser: nonEmpty('an account name').optional(),
    method: z.enum(['classic', 'online'], { error: 'must be classic or online' }).optional(),
    positioning: z.enum(['auto', 'file', 'gtid'], { error: 'must be auto, file or gtid' }).optional(),
    backup: z.enum(['auto', 'all', 'none'], { error: 'must be auto, all or none' }).optional(),
    backupDir: nonEmpty('a directory').optional(),
    journal: nonEmpty('a file path').optional(),
    lockWaitTimeout: seconds(3600).optional(),
    replicaTimeout: seconds(86_400).optional(),
    connectTimeout: seconds(600).optional(),
    verify: z.boolean({ error: 'must be true or false' }).optional(),
    marker: z.boolean({ error: 'must be true or false' }).optional(),
    sslMode: z.enum(tlsModes, { error: `must be one of ${tlsModes.join(', ')}` }).optional(),
    sslCa: nonEmpty('a file path').optional(),
    sslCert: nonEmpty('a file path').optional(),
    sslKey: nonEmpty('a file path').optional(),
    replicationSsl: z.boolean({ error: 'must be true or false' }).optional(),
    defaultsFile: nonEmpty('a file path').optional(),
  })
  .describe('config file');

export type FileSettings = z.infer<typeof fileSettingsSchema>;

export interface Settings {
  good: { host: string; port: number };
  bad: { host: string; port: number };
  /** How BS reaches GS (used in CHANGE MASTER on BS) and vice versa. */
  goodAddress: { host: string; port: number };
  badAddress: { host: string; port: number };
  goodSocket?: string;
  badSocket?: string;
  user: string;
  replUser: string;
  password: string;
  replPassword: string;
  method: 'classic' | 'online';
  /** How replication resumes: by binary log file/position or by GTID; auto follows what the pair used. */
  positioning: 'auto' | 'file' | 'gtid';
  /** Keep what only BS holds before the copy: auto (when there is any), all (every schema), none (--no-backup). */
  backup: 'auto' | 'all' | 'none';
  /** Where backups go (default: beside the journal). */
  backupDir?: string;
  dryRun: boolean;
  yes: boolean;
  confirmBad?: string;
  json: boolean;
  resume: boolean;
  journal?: string;
  lockWaitTimeout: number;
  replicaTimeout: number;
  connectTimeout: number;
  /** Prove the result after step 10 (catch-up, marker rows, checksums). */
  verify: boolean;
  /** Write marker rows in the mmrecover schema as part of the proof. */
  marker: boolean;
  tls?: { mode: (typeof tlsModes)[number]; ca?: string; cert?: string; key?: string };
  replicationSsl: boolean;
}

export const DEFAULTS = {
  user: 'root',
  replUser: 'repl',
  method: 'classic',
  positioning: 'auto',
  backup: 'auto',
  lockWaitTimeout: 5,
  replicaTimeout: 120,
  connectTimeout: 10,
  verify: true,
  marker: true,
} as const;
