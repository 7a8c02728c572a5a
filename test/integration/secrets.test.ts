// Issue 9: secrets never leave the tool (argv and environment of every child, output, journal, --json), TLS and
// sockets end to end, and automation: --json is the only thing on stdout; every bad flag or config field is one line.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/lab.js';
import { runCli, startCli } from '../helpers/cli.js';
import { PACE_COPY, readJournal } from '../helpers/faults.js';
import { dropLab, newLab, useLab } from '../helpers/lab.js';
import { expectPairHealthy, recoverArgs, snapshot, withSessions, yesArgs, privateState } from '../helpers/pair.js';

/** Every way a password could be written out: as is, JSON-escaped, SQL-escaped. */
function forms(pw: string): string[] {
  return [pw, JSON.stringify(pw).slice(1, -1), mysql.escape(pw).slice(1, -1)];
}

/** The process and all its descendants. */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      out.push(
        ...execFileSync('pgrep', ['-P', String(out[i])], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(Number),
      );
    } catch {
      /* no children */
    }
  }
  return out;
}

function readProc(pid: number, file: 'cmdline' | 'environ'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1').replace(/\0/g, ' ');
  } catch {
    return undefined; // exited meanwhile
  }
}

describe('secrets', () => {
  it('no password in the argv or environment of any child process, nor in stdout, stderr, --json or the journal', async () => {
    const lab = await newLab();
    const env = { ...lab.env(), ...privateState() };
    const passwords = [lab.state.adminPassword, lab.state.replPassword];
    try {
      // The copy paced (PACE_COPY) so that its client programs live long enough to be read from /proc.
      await withSessions(lab, (a) => loadOrders(a, 10_000));
      await breakLab(lab, 'stopped');
      const run = startCli(yesArgs(lab, ['--json', ...PACE_COPY]), env);
      const seen = new Map<number, { cmdline: string; environ?: string }>();
      let done = false;
      void run.result.then(() => (done = true));
      while (!done) {
        for (const pid of tree(run.child.pid!)) {
          const cmdline = readProc(pid, 'cmdline');
          if (cmdline !== undefined && !seen.has(pid)) seen.set(pid, { cmdline, environ: pid === run.child.pid ? undefined : readProc(pid, 'environ') });
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const r = await run.result;
      expect(r.code, r.stderr).toBe(0);

      const cmdlines = [...seen.values()].map((s) => s.cmdline);
      expect(
        cmdlines.some((c) => /mariadb-dump|mysqldump/.test(c)),
        cmdlines.join('\n'),
      ).toBe(true);
      expect(
        cmdlines.some((c) => /(^|\/)(mariadb|mysql) --defaults-extra-file/.test(c)),
        cmdlines.join('\n'),
      ).toBe(true);
      const journal = readFileSync(readJournal(env.XDG_STATE_HOME).path, 'utf8');
      for (const pw of passwords) {
        for (const f of forms(pw)) {
          for (const [pid, s] of seen) {
            expect(s.cmdline, `argv of ${pid}`).not.toContain(f);
            if (s.environ !== undefined) expect(s.environ, `environment of ${pid}: ${s.cmdline}`).not.toContain(f);
          }
          for (const [name, text] of [
            ['stdout (--json)', r.stdout],
            ['stderr', r.stderr],
            ['journal', journal],
          ])
            expect(text, name).not.toContain(f);
        }
      }
    } finally {
      await dropLab(lab);
    }
  });
});

describe('automation', () => {
  const shared = useLab();

  it('--json writes only JSON events on stdout: run start, preflight, steps with statements, progress, verification, result', async () => {
    const lab = shared.get();
    await breakLab(lab, 'conflict');
    const r = await runCli(yesArgs(lab, ['--json']), { ...lab.env(), ...privateState() });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    const names = new Set(events.map((e) => e.event));
    for (const n of ['run_start', 'preflight', 'plan', 'step_start', 'action', 'step_end', 'progress', 'copy_complete', 'verification', 'result'])
      expect(names, n).toContain(n);
    expect(events.filter((e) => e.event === 'step_end').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events.find((e) => e.event === 'action' && /CHANGE MASTER TO/.test(String(e.text)))?.text).toMatch(/MASTER_PASSWORD='\*{8}'/);
    expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered', verified: true });
    // Human messages went to stderr only.
    expect(r.stdout).not.toMatch(/Step \d+\/11/);
    await expectPairHealthy(lab);
  });

  it('bad input to every flag: exit 2, one line naming the flag, nothing touched', async () => {
    const lab = shared.get();
    const good = `127.0.0.1:${lab.a.port}`;
    const bad = `127.0.0.1:${lab.b.port}`;
    const base = ['recover', '--good', good, '--bad', bad, '--yes', '--confirm-bad', bad];
    const cases: Array<[string[], RegExp]> = [
      [['recover', '--good', '', '--bad', bad], /--good/],
      [['recover', '--good', '127.0.0.1:0', '--bad', bad], /--good .*port 0/],
      [['recover', '--good', good, '--bad', '127.0.0.1:70000'], /--bad .*port 70000/],
      [[...base, '--good-address', 'db1:x'], /--good-address/],
      [[...base, '--bad-address', ':3306'], /--bad-address/],
      [[...base, '--user', ''], /--user must not be empty/],
      [[...base, '--repl-user', ''], /--repl-user must not be empty/],
      [[...base, '--method', 'fast'], /--method/],
      [[...base, '--lock-wait-timeout', 'soon'], /--lock-wait-timeout/],
      [[...base, '--replica-timeout', '-5'], /--replica-timeout/],
      [[...base, '--connect-timeout', '0'], /--connect-timeout/],
      [[...base, '--ssl-mode', 'MAYBE'], /--ssl-mode/],
      [[...base, '--ssl-ca', '/nonexistent/ca.pem'], /--ssl-ca: \/nonexistent\/ca\.pem does not exist/],
      [[...base, '--ssl-cert', '/nonexistent/c.pem'], /--ssl-cert/],
      [[...base, '--ssl-key', '/nonexistent/k.pem'], /--ssl-key/],
      [[...base, '--good-socket', '/nonexistent/mysqld.sock'], /--good-socket/],
      [[...base, '--bad-socket', ''], /--bad-socket/],
      [[...base, '--config', '/nonexistent/mmrecover.json'], /--config/],
      [[...base, '--defaults-file', '/nonexistent/my.cnf'], /--defaults-file/],
      [[...base, '--journal', ''], /--journal/],
      [[...base, '--no-such-flag'], /unknown option '--no-such-flag'/],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'mmrecover-badcfg-'));
    const fields: Array<[Record<string, unknown>, RegExp]> = [
      [{ good: 42 }, /good/],
      [{ goodSocket: '' }, /goodSocket|--good-socket/],
      [{ user: ['root'] }, /user/],
      [{ method: 'fast' }, /method/],
      [{ lockWaitTimeout: 'soon' }, /lock-wait-timeout|lockWaitTimeout/],
      [{ replicaTimeout: -1 }, /replica-timeout|replicaTimeout/],
      [{ connectTimeout: 0 }, /connect-timeout|connectTimeout/],
      [{ verify: 'yes' }, /verify/],
      [{ marker: 1 }, /marker/],
      [{ sslMode: 'MAYBE' }, /ssl-mode|sslMode/],
      [{ sslCa: '/nonexistent/ca.pem' }, /ssl-ca|sslCa/],
      [{ replicationSsl: 'on' }, /replication-ssl|replicationSsl/],
      [{ defaultsFile: '/nonexistent/my.cnf' }, /defaults-file|defaultsFile/],
      [{ colour: 'blue' }, /unknown setting "colour"/],
      [{ password: 'in a world-readable file' }, /holds a password but others can read it/],
    ];
    fields.forEach(([content], i) => writeFileSync(join(dir, `c${i}.json`), JSON.stringify({ good, bad, ...content }), { mode: 0o644 }));
    const all: Array<[string[], RegExp]> = [
      ...cases,
      ...fields.map(([, msg], i): [string[], RegExp] => [['recover', '--config', join(dir, `c${i}.json`), '--yes', '--confirm-bad', bad], msg]),
    ];

    const before = await snapshot(lab);
    for (const [args, msg] of all) {
      const r = await runCli(args, { ...lab.env(), ...privateState() });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr.trim().split('\n'), `${args.join(' ')}: one line`).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await snapshot(lab)).toEqual(before);
  });
});

describe('TLS and sockets', () => {
  it('a lab with require_secure_transport recovers over TLS, and replication runs with SSL both ways', async () => {
    const lab = await newLab({ tls: true });
    try {
      await breakLab(lab, 'conflict');
      const tls = ['--ssl-mode', 'VERIFY_CA', '--ssl-ca', lab.state.tls!.ca, '--replication-ssl'];
      const r = await runCli(yesArgs(lab, tls), { ...lab.env(), ...privateState() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/MASTER_SSL=1/);
      const st = await withSessions(lab, async (a, b) => [await readReplicaStatus(a), await readReplicaStatus(b)]);
      for (const s of st) expect({ io: s.ioRunning, sql: s.sqlRunning, ssl: s.sslAllowed }).toEqual({ io: 'Yes', sql: 'Yes', ssl: 'Yes' });
      await expectPairHealthy(lab);
    } finally {
      await dropLab(lab);
    }
  });

  it('connects through Unix sockets (--good-socket/--bad-socket) for the tool and its clients', async () => {
    const lab: Lab = await newLab();
    try {
      await breakLab(lab, 'wiped');
      const r = await runCli(yesArgs(lab, ['--good-socket', lab.a.socket, '--bad-socket', lab.b.socket]), { ...lab.env(), ...privateState() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/VERIFIED/);
      await expectPairHealthy(lab);
      // The plan said so too.
      const dry = await runCli(recoverArgs(lab, ['--dry-run', '--good-socket', lab.a.socket, '--bad-socket', lab.b.socket]), {
        ...lab.env(),
        ...privateState(),
      });
      expect(dry.code, dry.stderr).toBe(0);
    } finally {
      await dropLab(lab);
    }
  });
});
