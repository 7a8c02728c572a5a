// The "To continue:" line a stopped recovery prints is exactly what the operator pastes: run as printed, it must finish
// the same recovery (the same replication addresses, TLS, option and config files), not a different one.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { quoteOptionValue } from '../../src/adapters/shell/option-file.js';
import { breakLab } from '../../src/lab/break.js';
import { BIN, startPty, type CliResult } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { expectPairHealthy, withSessions } from '../helpers/pair.js';

/** The questions before step 6's, answered yes; step 6's answered No. */
const YES_BEFORE = ['Fence BS', 'Stop replication on BS', 'Lock GS'];
const STEP_6 = 'Run (this statement|these \\d+ statements) on BS';

/** Run a line as /bin/sh reads it, with `mmrecover` on PATH being this build. */
function runInShell(line: string, env: Record<string, string | undefined>): Promise<CliResult> {
  const bin = mkdtempSync(join(tmpdir(), 'mmrecover-path-'));
  symlinkSync(BIN, join(bin, 'mmrecover'));
  const child = spawn('/bin/sh', ['-c', line], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('the resume line', () => {
  it('run exactly as printed after a No at step 6, it recovers the pair over the replication addresses with TLS', async () => {
    const lab = await newLab({ tls: true });
    try {
      await breakLab(lab, 'conflict');
      const [a, b] = [lab.a.port, lab.b.port];
      // Files in a directory whose name needs quoting; the passwords only in files the resume line must name again.
      const dir = mkdtempSync(join(tmpdir(), "mmrecover resume 'files' "));
      const tls = lab.state.tls!;
      const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client-key.pem') };
      copyFileSync(tls.ca, files.ca);
      copyFileSync(tls.clientCert, files.cert);
      copyFileSync(tls.clientKey, files.key);
      const defaultsFile = join(dir, 'my admin.cnf');
      writeFileSync(defaultsFile, `[client]\nuser=${lab.state.adminUser}\npassword=${quoteOptionValue(lab.state.adminPassword)}\n`, { mode: 0o600 });
      const config = join(dir, 'mmrecover.json');
      writeFileSync(config, JSON.stringify({ replPassword: lab.state.replPassword, lockWaitTimeout: 7 }), { mode: 0o600 });
      const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')), MMRECOVER_PASSWORD: undefined, MMRECOVER_REPL_PASSWORD: undefined };

      // The tool reaches the servers as localhost (TCP for mysql2 and, with protocol=TCP, for the clients); the
      // servers reach each other as 127.0.0.1: MariaDB's replica would take localhost for its own Unix socket.
      const args = [
        'recover',
        '--good',
        `localhost:${a}`,
        '--bad',
        `localhost:${b}`,
        '--good-address',
        `127.0.0.1:${a}`,
        '--bad-address',
        `127.0.0.1:${b}`,
        '--ssl-mode',
        'REQUIRED',
        '--ssl-ca',
        files.ca,
        '--ssl-cert',
        files.cert,
        '--ssl-key',
        files.key,
        '--replication-ssl',
        '--defaults-file',
        defaultsFile,
        '--config',
        config,
        '--replica-timeout',
        '90',
      ];
      const pty = startPty(args, env);
      let at = 0;
      for (const q of YES_BEFORE) {
        at = await pty.waitFor(new RegExp(`${q}[\\s\\S]*?\\(y/N\\)`), 90_000, at);
        pty.type('y\r');
      }
      await pty.waitFor(new RegExp(`${STEP_6}[\\s\\S]*?\\(y/N\\)`), 90_000, at);
      pty.type('n\r');
      expect(await pty.exit).toBe(1);
      // A line wider than the terminal is wrapped as a shell reads it: a backslash before each line break (joined here
      // as the shell joins them when it is pasted).
      const screen = pty
        .screen()
        .replace(/\r/g, '')
        .replace(/ \\\n +/g, ' ');
      expect(screen).toMatch(/Stopped at step 6: you answered No/);
      const line = /To continue: *\n? *(mmrecover recover .*)$/m.exec(screen)?.[1];
      expect(line, screen.slice(-3000)).toBeDefined();
      for (const pw of [lab.state.adminPassword, lab.state.replPassword]) expect(line).not.toContain(pw);

      const bad = `localhost:${b}`;
      const r = await runInShell(`${line} --yes --confirm-bad ${bad}`, env);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/Resuming from step 6/);
      expect(r.stderr).toMatch(/VERIFIED/);

      const status = await withSessions(lab, async (sa, sb) => [(await sa.query('SHOW SLAVE STATUS'))[0], (await sb.query('SHOW SLAVE STATUS'))[0]]);
      const seen = status.map((s) => ({ host: s.Master_Host, port: Number(s.Master_Port), ssl: s.Master_SSL_Allowed }));
      expect(seen).toEqual([
        { host: '127.0.0.1', port: b, ssl: 'Yes' },
        { host: '127.0.0.1', port: a, ssl: 'Yes' },
      ]);
      await expectPairHealthy(lab);
    } finally {
      await dropLab(lab);
    }
  });
});
