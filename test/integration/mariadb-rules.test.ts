// Issue 14, live where MariaDB can show it, on one lab: GTID, TLS required (require_secure_transport), sql_mode with
// NO_BACKSLASH_ESCAPES on both servers, the lab's hostile replication password. No TLS flag is ever given: the tool
// and its clients must use TLS on their own (PREFERRED), write their literals for that sql_mode, refuse a second
// replication connection, and stop before step 1 on a shared GTID domain with gtid_strict_mode.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { whichSync } from '../../src/adapters/shell/clients.js';
import { breakLab } from '../../src/lab/break.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, recoverArgs, snapshot, withSessions, yesArgs, privateState } from '../helpers/pair.js';

/**
 * Wrappers for the dump and the import that record, before running the real program, the TLS lines of the option file
 * they were given and the Ssl_cipher of a session opened with that same file (the server's word that it is TLS).
 */
function tlsRecordingClients(): { path: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-wrap-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'tls.log');
  writeFileSync(log, '');
  const mariadb = whichSync('mariadb')!;
  for (const name of ['mariadb-dump', 'mariadb']) {
    const real = whichSync(name)!;
    writeFileSync(
      join(bin, name),
      [
        '#!/bin/sh',
        'case "$1" in --defaults-extra-file=*)',
        '  f="${1#--defaults-extra-file=}"',
        // One write per line: the dump's and the import's wrappers run at the same time.
        `  line="${name}|$(grep -E '^(ssl|skip-ssl)' "$f" | tr '\\n' ' ')|$("${mariadb}" --defaults-extra-file="$f" -N -B -e "SHOW SESSION STATUS LIKE 'Ssl_cipher'" 2>&1 | tr '\\t\\n' '= ')"`,
        `  echo "$line" >> "${log}"`,
        'esac',
        `exec "${real}" "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, name), 0o755);
  }
  return { path: `${bin}:${process.env.PATH}`, log };
}

describe('MariaDB: what the manuals say, shown live', () => {
  const shared = useLab({ gtid: true, tls: true, sqlMode: 'NO_BACKSLASH_ESCAPES' });

  it('NO_BACKSLASH_ESCAPES on both, the hostile replication password, TLS required and no TLS flag: recovered and verified, the dump and the import over TLS', async () => {
    const lab = shared.get();
    expect(lab.state.replPassword).toMatch(/'/);
    expect(lab.state.replPassword).toMatch(/\\/);
    await withSessions(lab, async (a, b) => {
      for (const s of [a, b]) {
        expect(String(await s.value('SELECT @@GLOBAL.sql_mode'))).toMatch(/NO_BACKSLASH_ESCAPES/);
        expect(String(await s.value('SELECT @@GLOBAL.require_secure_transport'))).toBe('1');
      }
    });
    await breakLab(lab, 'conflict');
    const wrap = tlsRecordingClients();
    const r = await runCli(yesArgs(lab), { ...lab.env(), ...privateState(), PATH: wrap.path });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/BS sql_mode +NO_BACKSLASH_ESCAPES/);
    expect(r.stderr).toMatch(/VERIFIED/);
    // The CHANGE MASTER with the hostile password was read back right: both directions replicate.
    await expectPairHealthy(lab);
    const seen = readFileSync(wrap.log, 'utf8').trim().split('\n');
    for (const name of ['mariadb-dump', 'mariadb']) {
      const line = seen.find((l) => l.startsWith(`${name}|`));
      expect(line, `${name} was not run through the wrapper: ${seen.join(' / ')}`).toBeDefined();
      const [, lines, cipher] = line!.split('|');
      expect(lines.trim()).toBe('ssl');
      expect(cipher).toMatch(/^Ssl_cipher=\S+/);
    }
  });

  it('a second replication connection on BS is refused by the preflight, named, and nothing is touched', async () => {
    const lab = shared.get();
    await withSessions(lab, async (_a, b) => {
      // Another source than GS (MariaDB refuses two connections to one source); never started.
      await b.query("CHANGE MASTER 'side' TO MASTER_HOST='127.0.0.1', MASTER_PORT=1, MASTER_USER='nobody', MASTER_PASSWORD='x', MASTER_USE_GTID=no");
    });
    try {
      const before = await snapshot(lab);
      const dry = await runCli(recoverArgs(lab, ['--dry-run']), { ...lab.env(), ...privateState() });
      expect(dry.stderr).toMatch(/STOP +BS replication channels +BS also replicates on connection\(s\) 'side'/);
      const r = await runCli(yesArgs(lab), { ...lab.env(), ...privateState() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/preflight: [^\n]*BS replication channels: BS also replicates on connection\(s\) 'side'/);
      expect(await snapshot(lab)).toEqual(before);
    } finally {
      await withSessions(lab, async (_a, b) => void (await b.query("RESET REPLICA 'side' ALL")));
    }
  });

  it('one shared gtid_domain_id with gtid_strict_mode ON: the preflight stops, saying why (never step 6 or 7); by file/position the pair recovers', async () => {
    const lab = shared.get();
    const set = (domainA: number, domainB: number, strict: string) =>
      withSessions(lab, async (a, b) => {
        await a.query(`SET GLOBAL gtid_domain_id = ${domainA}, gtid_strict_mode = ${strict}`);
        await b.query(`SET GLOBAL gtid_domain_id = ${domainB}, gtid_strict_mode = ${strict}`);
      });
    await set(0, 0, 'ON');
    try {
      await breakLab(lab, 'diverged');
      const before = await snapshot(lab);
      const r = await runCli(yesArgs(lab), { ...lab.env(), ...privateState() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/STOP +GTID domains +both servers write GTIDs in domain 0 and gtid_strict_mode is ON on GS and BS/);
      expect(r.stderr).not.toMatch(/Step 1\/11/);
      expect(await snapshot(lab)).toEqual(before);
      const file = await runCli(yesArgs(lab, ['--positioning', 'file']), { ...lab.env(), ...privateState() });
      expect(file.code, file.stderr.slice(-3000)).toBe(0);
      expect(file.stderr).toMatch(/VERIFIED/);
      await expectPairHealthy(lab);
    } finally {
      await set(1, 2, 'OFF');
    }
  });
});
