// Issue 20: `lab up --masters 3` starts a ring a → b → c → a configured for it (distinct server_id and gtid_domain_id,
// auto_increment_increment 3 with offsets 1–3, log_slave_updates), and `lab break` breaks the link into b only.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { runCli } from '../helpers/cli.js';
import { loadLab } from '../../src/lab/lab.js';

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
      const lab = loadLab(dir, env);
      for (const [i, w] of lab.members.entries()) {
        const s = await lab.connect(w);
        try {
          expect(s.identity.serverId).toBe(i + 1);
          expect([s.identity.autoIncrementIncrement, s.identity.autoIncrementOffset, s.identity.logSlaveUpdates]).toEqual([3, i + 1, true]);
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

  it('refuses a port for c without --masters 3, in one line', async () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-labstate-')) };
    const r = await runCli(['lab', 'up', '--port-c', '3999'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mmrecover: --port-c needs --masters 3');
  });
});
