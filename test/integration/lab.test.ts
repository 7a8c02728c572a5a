// Issue 3: the lab is two real mariadbd servers replicating master-master, breakable in four realistic ways.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { breakLab } from '../../src/lab/break.js';
import { startLab } from '../../src/lab/lab.js';
import { UsageError } from '../../src/base/errors.js';
import { dropLab, newLab, useLab } from '../helpers/lab.js';
import { withSessions, writeArrives } from '../helpers/pair.js';
import { runCli } from '../helpers/cli.js';

const lab = useLab();

function labProcesses(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `datadir=${dir}/`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

describe('lab', () => {
  it('starts two servers configured as the seed says, replicating both ways', async () => {
    await withSessions(lab.get(), async (a, b) => {
      for (const [s, offset, id] of [
        [a, 1, 1],
        [b, 2, 2],
      ] as const) {
        expect(s.identity.serverId).toBe(id);
        expect(s.identity.logBin).toBe(true);
        expect(s.identity.logSlaveUpdates).toBe(true);
        expect(s.identity.autoIncrementIncrement).toBe(2);
        expect(s.identity.autoIncrementOffset).toBe(offset);
        const r = await readReplicaStatus(s);
        expect([r.ioRunning, r.sqlRunning]).toEqual(['Yes', 'Yes']);
      }
    });
    await writeArrives(lab.get(), 'a', 'b');
    await writeArrives(lab.get(), 'b', 'a');
  });

  it('break conflict: BS stops with error 1062 and GS goes on', async () => {
    const l = await lab.fresh();
    await breakLab(l, 'conflict');
    await withSessions(l, async (a, b) => {
      expect((await readReplicaStatus(b)).lastSqlErrno).toBe(1062);
      expect((await readReplicaStatus(a)).sqlRunning).toBe('Yes');
    });
  });

  it('break wiped: BS lost shop and its SQL thread stopped with an error', async () => {
    const l = await lab.fresh();
    await breakLab(l, 'wiped');
    await withSessions(l, async (_a, b) => {
      expect(await b.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop'")).toEqual([]);
      const r = await readReplicaStatus(b);
      expect(r.lastSqlErrno).not.toBe(0);
      expect(r.sqlRunning).toBe('No');
    });
  });

  it('break stopped: BS is not replicating and is behind', async () => {
    const l = await lab.fresh();
    await breakLab(l, 'stopped');
    await withSessions(l, async (a, b) => {
      const r = await readReplicaStatus(b);
      expect([r.ioRunning, r.sqlRunning]).toEqual(['No', 'No']);
      expect(Number(await a.value('SELECT COUNT(*) FROM shop.orders'))).toBeGreaterThan(Number(await b.value('SELECT COUNT(*) FROM shop.orders')));
    });
  });

  it('break diverged: both directions stopped and each side has rows the other lacks', async () => {
    const l = await lab.fresh();
    await breakLab(l, 'diverged');
    await withSessions(l, async (a, b) => {
      for (const s of [a, b]) expect((await readReplicaStatus(s)).sqlRunning).toBe('No');
      const onlyA = await a.query("SELECT id FROM shop.orders WHERE note LIKE 'GS during split brain%'");
      const onlyB = await b.query("SELECT id FROM shop.orders WHERE note LIKE 'BS during split brain%'");
      expect(onlyA.length).toBeGreaterThan(0);
      expect(onlyB.length).toBeGreaterThan(0);
      expect(await b.query("SELECT id FROM shop.orders WHERE note LIKE 'GS during split brain%'")).toEqual([]);
      expect(await a.query("SELECT id FROM shop.orders WHERE note LIKE 'BS during split brain%'")).toEqual([]);
    });
  });

  it('refuses an unknown break mode and a port already taken, with a UsageError', async () => {
    await expect(breakLab(lab.get(), 'melted')).rejects.toThrow(UsageError);
    // No server program: one line with the exact install command.
    const none = await runCli(['lab', 'up'], { MMRECOVER_MARIADBD: '/nonexistent/mariadbd' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no such program.*install MariaDB with: apt-get install -y --no-install-recommends mariadb-server mariadb-client/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const srv = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const port = (srv.address() as { port: number }).port;
    try {
      await expect(startLab({ portA: port })).rejects.toThrow(new RegExp(`port ${port} is already in use`));
    } finally {
      srv.close();
    }
  });

  it('stop leaves no mariadbd of the lab running', async () => {
    const l = await newLab();
    expect(labProcesses(l.dir).length).toBe(2);
    await dropLab(l);
    expect(labProcesses(l.dir)).toEqual([]);
  });
});

describe('lab through the CLI', () => {
  it('lab up, break conflict, status, down', async () => {
    // A private state dir: "the lab started last" must be this test's lab, not one another test file started.
    const state = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) };
    const up = await runCli(['lab', 'up'], state);
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/mmrecover recover --good 127\.0\.0\.1:\d+ --bad 127\.0\.0\.1:\d+/);
    const dir = /data in (\S+)/.exec(up.stderr)![1];
    try {
      const br = await runCli(['lab', 'break', 'conflict'], state);
      expect(br.code).toBe(0);
      const st = await runCli(['lab', 'status'], state);
      expect(st.stdout).toMatch(/b: .*SQL error 1062/);
      const env = await runCli(['lab', 'env'], state);
      expect(env.stdout).toMatch(/^export MMRECOVER_PASSWORD=/m);
    } finally {
      const down = await runCli(['lab', 'down'], state);
      expect(down.code).toBe(0);
    }
    expect(labProcesses(dir)).toEqual([]);
  });

  it('bad input: one clear line, non-zero exit, no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate', '--good', 'x', '--bad', 'y'], /mmrecover: /],
      [['--good', 'a', '--bad', 'b', '--no-such-flag'], /unknown option '--no-such-flag'/],
      [['lab', 'break', 'melted'], /unknown mode "melted"/],
      [['lab', 'up', '--port-a', '0'], /--port-a must be a port number/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args, { MMRECOVER_PASSWORD: 'x', MMRECOVER_REPL_PASSWORD: 'y' });
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2);
    }
    const srv = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    try {
      const r = await runCli(['lab', 'up', '--port-a', String((srv.address() as { port: number }).port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/already in use/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      srv.close();
    }
  });

  it('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['recover', 'lab']) expect(r.stdout).toContain(c);
  });
});
