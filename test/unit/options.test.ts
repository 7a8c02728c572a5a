// The option table: what the commands accept, what the resume line and status's recommendation repeat.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { addOptions } from '../../src/cli/options.js';
import { loadSettings } from '../../src/config/load.js';
import { argsFor, COMMANDS, DEFAULTS, OPTIONS, optionsFor, recommendedRecoverLine, resumeLine, type OptionSpec } from '../../src/config/options.js';
import type { Settings } from '../../src/config/settings.js';
import { resumeCommand } from '../../src/engine/stop-report.js';
import { shellLine, shellQuote } from '../../src/config/shell-quote.js';

const dir = mkdtempSync(join(tmpdir(), "mmrecover options 'quoted' "));
const file = (name: string, text = '') => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
};
const JOURNAL = join(dir, 'my journal.json');
const PASSWORD = "admin pw 'with' $quotes";
const REPL_PASSWORD = 'repl "pw" \\ x';
const env = { MMRECOVER_PASSWORD: PASSWORD, MMRECOVER_REPL_PASSWORD: REPL_PASSWORD };

/** Split a line exactly as /bin/sh does. */
function shellSplit(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** recover's flags, parsed by the commander options generated from the table. */
function parseRecover(argv: string[]): Record<string, unknown> {
  const cmd = addOptions(new Command('recover'), 'recover').exitOverride();
  cmd.parse(argv, { from: 'user' });
  return cmd.opts();
}

type Env = Record<string, string | undefined>;
const load = (flags: Record<string, unknown>, withEnv: Env = env) => loadSettings({ flags, env: withEnv, cwd: dir }) as Settings;

/** Everything a resume changes on purpose (and the record of where settings came from) left out. */
const comparable = (s: Settings) => ({ ...s, resume: undefined, journal: undefined, given: undefined });

/** The settings a resume line gives back: split as a shell would, parsed by commander, loaded. */
function roundTrip(line: string, withEnv: Env = env): Settings {
  const argv = shellSplit(line);
  expect(argv.slice(0, 2)).toEqual(['mmrecover', 'recover']);
  return load(parseRecover(argv.slice(2)), withEnv);
}

/** A value other than the default for each kind of option, with spaces and quotes where the kind allows them. */
function sample(o: OptionSpec): unknown {
  switch (o.key) {
    case 'config':
      return file("my 'config'.json", '{}');
    case 'defaultsFile':
      return file('my options.cnf', '[client]\n');
    case 'sslMode':
      return 'REQUIRED';
    case 'parallel':
      // --ring, sampled too, copies in one stream (config refuses --parallel > 1 with it).
      return '1';
    case 'ring':
      // A ring in which the base's --bad (db2) replicates from the base's --good (db1).
      return 'db1:3306,db2:3306,[2001:db8::3]:3399';
    // Texts with a pattern: a value it admits.
    case 'goodSsh':
      return 'root@db-good.example:2222';
    case 'badSsh':
      return 'db-bad.example';
    case 'donorSsh':
      return 'mysql@db-donor.example';
    case 'badService':
      return 'mariadb@main.service';
    case 'maxRate':
      return '10M';
    case 'maxLoad':
      return 'Threads_running=25,Threads_connected=500';
    // Repeatable: two entries, one on a unix socket, one on host:port.
    case 'fence':
      return ['haproxy:/run/haproxy/admin.sock:mysql_pair/db2', 'haproxy:lb2.example:9999:mysql/db2'];
  }
  const k = o.kind;
  switch (k.type) {
    case 'hostPort':
      return `db-${o.key.toLowerCase()}.example:3399`;
    case 'text':
      return `o'brien ${o.key}`;
    case 'path':
      return k.mustExist ? file(`${o.key} file`) : join(dir, `${o.key} "dir"`);
    case 'enum':
      return k.choices.find((c) => c !== o.default && c !== k.negation?.value);
    case 'seconds':
      return String(Math.min(k.max, 7));
    case 'fraction':
      return '0.25';
    case 'count':
      return String(Math.min(k.max, 3));
    case 'flag':
      return true;
    case 'negatable':
      return false;
    case 'threshold':
      return '1';
  }
}

const RESUMED = (OPTIONS as readonly OptionSpec[]).filter((o) => o.resume && o.commands.includes('recover'));
const base = { good: 'db1:3306', bad: 'db2:3306' };
/** What an option is refused without (config/load.ts): the ssh targets serve the physical method only. */
const NEEDS: Record<string, Record<string, string>> = {
  goodSsh: { method: 'physical' },
  badSsh: { method: 'physical' },
  donorSsh: { method: 'physical', donor: 'db3:3306' },
  sshConfig: { method: 'physical' },
  badService: { method: 'physical' },
  badStopCommand: { method: 'physical' },
  badStartCommand: { method: 'physical' },
};

describe('the option table', () => {
  it('each command gets exactly its options from commander, under the table keys', () => {
    for (const command of COMMANDS) {
      const cmd = addOptions(new Command(command), command);
      const keys = new Set(cmd.options.map((o) => o.attributeName()));
      expect([...keys].sort()).toEqual(
        optionsFor(command)
          .map((o) => o.key)
          .sort(),
      );
    }
  });

  it('has no password option: passwords never come from flags', () => {
    for (const o of OPTIONS) expect(o.key).not.toMatch(/password/i);
  });
});

describe('resumeLine', () => {
  it('repeats the servers, --resume and the journal, and nothing else when every setting is its default', () => {
    const s = load(base);
    expect(resumeLine(s, JOURNAL)).toBe(`mmrecover recover --good db1:3306 --bad db2:3306 --resume --journal ${shellQuote(JOURNAL)}`);
    // A Settings built by hand with the defaults (no record of what was given) says the same.
    const byHand = { ...s, ...DEFAULTS, given: undefined, goodAddress: s.good, badAddress: s.bad };
    expect(resumeLine(byHand, JOURNAL)).toBe(resumeLine(s, JOURNAL));
  });

  for (const o of RESUMED) {
    it(`repeats ${o.flag} when set, and round-trips it through commander and loadSettings`, () => {
      const value = sample(o);
      const s = load({ ...base, ...NEEDS[o.key], [o.key]: value });
      const line = resumeLine(s, JOURNAL);
      const argv = shellSplit(line);
      const words = argsFor(o, value);
      const at = argv.indexOf(words[0]);
      expect(at, line).toBeGreaterThan(1);
      expect(argv.slice(at, at + words.length), line).toEqual(words);
      expect(argv.slice(-3)).toEqual(['--resume', '--journal', JOURNAL]);
      expect(comparable(roundTrip(line))).toEqual(comparable(s));
      for (const pw of [PASSWORD, REPL_PASSWORD]) expect(line).not.toContain(pw);
    });
  }

  it('--no-backup, --no-verify, --no-marker and an explicit --ssl-mode DISABLED come back as given', () => {
    const s = load({ ...base, backup: false, verify: false, marker: false, sslMode: 'DISABLED' });
    const line = resumeLine(s, JOURNAL);
    for (const f of ['--no-backup', '--no-verify', '--no-marker']) expect(shellSplit(line)).toContain(f);
    expect(line).toContain('--ssl-mode DISABLED');
    expect(comparable(roundTrip(line))).toEqual(comparable(s));
  });

  it('every option at once, from flags, environment and a config file, round-trips; no password appears', () => {
    // --good-ssh from the file: typed beside --donor it is refused (GS's host runs nothing then); the file's is kept.
    const goodSsh = sample(RESUMED.find((o) => o.key === 'goodSsh')!);
    const config = file('all.json', JSON.stringify({ replicaTimeout: 99, positioning: 'gtid', replPassword: 'from the config', goodSsh }));
    const flags: Record<string, unknown> = { ...base };
    for (const o of RESUMED) if (!['good', 'bad', 'config', 'replicaTimeout', 'positioning', 'goodSsh'].includes(o.key)) flags[o.key] = sample(o);
    // The ssh targets need the physical method (the method's own sample, online, would refuse them).
    flags.method = 'physical';
    const withEnv = { ...env, MMRECOVER_REPL_PASSWORD: undefined, MMRECOVER_JOURNAL: join(dir, 'env journal.json') };
    const s = load({ ...flags, config }, withEnv);
    expect(s.replPassword).toBe('from the config');
    expect(s.replicaTimeout).toBe(99);
    const line = resumeLine(s, JOURNAL);
    // All but --good-ssh: from a donor GS's host runs nothing, and typed again it would be refused (the file keeps it).
    for (const o of RESUMED)
      if (o.key !== 'goodSsh') expect(shellSplit(line), o.flag).toContain(o.kind.type === 'negatable' ? `--no-${o.flag.slice(2)}` : o.flag);
    expect(shellSplit(line)).not.toContain('--good-ssh');
    expect(comparable(roundTrip(line, withEnv))).toEqual(comparable(s));
    // What a stopped run prints is this line.
    expect(resumeCommand(s, JOURNAL)).toBe(line);
    for (const pw of [PASSWORD, REPL_PASSWORD, 'from the config']) expect(line).not.toContain(pw);
  });

  it('repeats a default given explicitly, so that a config file read again cannot override it', () => {
    const config = file('online.json', JSON.stringify({ method: 'online' }));
    const s = load({ ...base, config, method: 'classic' });
    expect(s.method).toBe('classic');
    const line = resumeLine(s, JOURNAL);
    expect(line).toContain('--method classic');
    expect(roundTrip(line).method).toBe('classic');
  });

  it('an address equal to its server is left out; one that differs is kept', () => {
    expect(resumeLine(load({ ...base, goodAddress: 'db1:3306' }), JOURNAL)).toContain('--good-address db1:3306'); // given explicitly
    const s = load({ ...base, badAddress: '10.0.0.2:3307' });
    expect(resumeLine(s, JOURNAL)).toContain('--bad-address 10.0.0.2:3307');
    expect(resumeLine(s, JOURNAL)).not.toContain('--good-address');
  });
});

describe("status's recommended recover line", () => {
  it('maps A and B (and their sockets) onto the chosen sides and repeats the connection options given', () => {
    const ca = file('ca.pem');
    const given = { a: 'db1', b: 'db2:3307', aSocket: '/run/my sock', json: true, user: 'admin', connectTimeout: '5', sslCa: ca };
    expect(recommendedRecoverLine(given, 'A')).toBe(
      shellLine([
        'mmrecover',
        'recover',
        '--good',
        'db1',
        '--bad',
        'db2:3307',
        '--good-socket',
        '/run/my sock',
        '--user',
        'admin',
        '--connect-timeout',
        '5',
        '--ssl-ca',
        ca,
      ]),
    );
    expect(recommendedRecoverLine(given, 'B')).toBe(
      shellLine([
        'mmrecover',
        'recover',
        '--good',
        'db2:3307',
        '--bad',
        'db1',
        '--bad-socket',
        '/run/my sock',
        '--user',
        'admin',
        '--connect-timeout',
        '5',
        '--ssl-ca',
        ca,
      ]),
    );
    expect(recommendedRecoverLine({ a: 'db1', b: 'db2' }, 'A')).toBe('mmrecover recover --good db1 --bad db2');
  });

  it('takes every status option that recover also takes and that changes what runs', () => {
    for (const o of optionsFor('status')) {
      if (o.side || !o.resume) continue;
      expect(shellSplit(recommendedRecoverLine({ a: 'x', b: 'y', [o.key]: 'v' }, 'A')), o.flag).toContain(o.flag);
    }
  });
});

describe('shellQuote', () => {
  it('round-trips any word through /bin/sh', () => {
    const words = ['plain', 'with space', "it's", '$HOME', '`x`', 'a"b', '', 'back\\slash', 'new\nline', '*'];
    expect(shellSplit(shellLine(words))).toEqual(words);
  });
});
