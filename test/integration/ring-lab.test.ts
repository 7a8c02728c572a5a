// Issue 20: `lab up --masters 3` starts a ring a → b → c → a configured for it (distinct server_id and gtid_domain_id,
// auto_increment_increment 3 with offsets 1–3, log_slave_updates), and `lab break` breaks the link into b only.
// Issue 27: the same for rings of up to 6 (a ring of 4 here, by GTID, broken at its last member); anything else is
// refused in one line.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../../src/lab/mariadbd.js';
import { loadLab, type Lab } from '../../src/lab/lab.js';

/** Every member: server_id i+1, auto_increment n with offset i+1, log_slave_updates, its own GTID domain, running from its upstream. */
async function expectRingConfigured(lab: Lab, n: number): Promise<void> {
  expect(lab.members.length).toBe(n);
  for (const [i, w] of lab.members.entries()) {
    const s = await lab.connect(w);
    try {
      expect(s.identity.serverId).toBe(i + 1);
      expect([s.identity.autoIncrementIncrement, s.identity.autoIncrementOffset, s.identity.logSlaveUpdates]).toEqual([n, i + 1, true]);
      expect(Number(await s.value('SELECT @@GLOBAL.gtid_domain_id'))).toBe(i + 1);
      const r = await readReplicaStatus(s);
      expect({ w, from: r.sourcePort, running: [r.ioRunning, r.sqlRunning] }).toEqual({
        w,
        from: lab.server(lab.upstream(w)).port,
        running: ['Yes', 'Yes'],
      });
    } finally {
      await s.close();
    }
  }
}

describe('lab up --masters 3 (CLI)', () => {
  it('starts a ring, shows it, breaks one link, and goes down', async () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-labstate-')) };
    const dir = join(mkdtempSync(join(tmpdir(), 'mmrecover-ringlab-')), 'lab');
    const up = await runCli(['lab', 'up', '--masters', '3', '--dir', dir], env);
    try {
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/a ring of 3 MariaDB masters \(a → b → c → a\)/);
      expect(up.stderr).toMatch(/c: 127\.0\.0\.1:\d+ .*server_id 3, gtid_domain_id 3, replicates from b/);
      expect(up.stderr).toMatch(/mmrecover recover --bad 127\.0\.0\.1:\d+ --ring 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
      await expectRingConfigured(loadLab(dir, env), 3);
      const br = await runCli(['lab', 'break', 'conflict', '--dir', dir], env);
      expect(br.code, br.stderr).toBe(0);
      expect(br.stderr).toMatch(/ring link a → b broken, c gets nothing from b/);
      const st = await runCli(['lab', 'status', '--dir', dir], env);
      expect(st.stdout).toMatch(/\(ring of 3\)/);
      expect(st.stdout).toMatch(/b: 127\.0\.0\.1:\d+ up; replicating from a: IO Yes, SQL No.*SQL error 1062/);
      expect(st.stdout).toMatch(/c: 127\.0\.0\.1:\d+ up; replicating from b: IO Yes, SQL Yes/);
    } finally {
      const down = await runCli(['lab', 'down', '--dir', dir], env);
      expect(down.stderr).toMatch(/all 3 servers stopped/);
    }
  });

  it('a ring of 4 by GTID: up (c on the port asked for), a break at d, status, down', async () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-labstate-')) };
    const dir = join(mkdtempSync(join(tmpdir(), 'mmrecover-ringlab-')), 'lab');
    const portC = await freePort();
    const up = await runCli(['lab', 'up', '--masters', '4', '--gtid', '--port-c', String(portC), '--dir', dir], env);
    try {
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/a ring of 4 MariaDB masters \(a → b → c → d → a\) by GTID/);
      expect(up.stderr).toMatch(/a: 127\.0\.0\.1:\d+ .*server_id 1, gtid_domain_id 1, replicates from d/);
      expect(up.stderr).toContain(`c: 127.0.0.1:${portC} `);
      expect(up.stderr).toMatch(/d: 127\.0\.0\.1:\d+ .*server_id 4, gtid_domain_id 4, replicates from c/);
      expect(up.stderr).toMatch(/--ring 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
      const lab = loadLab(dir, env);
      await expectRingConfigured(lab, 4);
      expect([lab.upstream('a'), lab.downstream('d')]).toEqual(['d', 'a']);
      const none = await runCli(['lab', 'break', 'conflict', '--bad', 'e', '--dir', dir], env);
      expect([none.code, none.stderr.trim()]).toEqual([2, "mmrecover: lab break --bad e: this lab's members are a, b, c, d"]);
      const br = await runCli(['lab', 'break', 'conflict', '--bad', 'd', '--dir', dir], env);
      expect(br.code, br.stderr).toBe(0);
      expect(br.stderr).toMatch(/BS = d, port \d+; ring link c → d broken, a gets nothing from d/);
      // Only the link into d is broken; the status shows every member with its upstream.
      const st = await runCli(['lab', 'status', '--dir', dir], env);
      expect(st.stdout).toMatch(/\(ring of 4\) \(GTID\)/);
      for (const [w, up] of [
        ['a', 'd'],
        ['b', 'a'],
        ['c', 'b'],
      ])
        expect(st.stdout).toMatch(new RegExp(`${w}: 127\\.0\\.0\\.1:\\d+ up; replicating from ${up}: IO Yes, SQL Yes`));
      expect(st.stdout).toMatch(/d: 127\.0\.0\.1:\d+ up; replicating from c: IO Yes, SQL No.*SQL error 1062/);
    } finally {
      const down = await runCli(['lab', 'down', '--dir', dir], env);
      expect(down.stderr).toMatch(/all 4 servers stopped/);
    }
  });

  it('refuses, in one line, a ring the lab does not make and a port for c without a ring', async () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-labstate-')) };
    const cases: Array<[string[], string]> = [
      [['--masters', '7'], 'mmrecover: --masters must be 2 (a pair) or 3 to 6 (a ring), not 7'],
      [['--masters', '1'], 'mmrecover: --masters must be 2 (a pair) or 3 to 6 (a ring), not 1'],
      [['--port-c', '3999'], 'mmrecover: --port-c needs a ring: --masters 3 or more'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['lab', 'up', ...args], env)));
    expect(results.map((r) => [r.code, r.stderr.trim()])).toEqual(cases.map(([, line]) => [2, line]));
  });
});
