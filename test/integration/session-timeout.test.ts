// A server that hangs instead of failing: SIGSTOP a lab mariadbd (as a stalled disk or a dead network path would
// freeze it; its kernel still accepts TCP connections and acknowledges what is sent) and show that statements and new
// connections fail within their bound, naming the server, that a session holding FLUSH TABLES WITH READ LOCK gives
// the lock up when its keep-alive times out, that a real mariadb-dump | mariadb copy stops within its stall bound
// naming the frozen side, and that the server answers again after SIGCONT.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { ServerSession, ServerTimeout } from '../../src/adapters/mysql/session.js';
import type { Endpoint } from '../../src/adapters/mysql/endpoint.js';
import { findClients } from '../../src/adapters/shell/clients.js';
import { endpointCredentials, writeOptionFile } from '../../src/adapters/shell/option-file.js';
import { CopyStalled, runCopyPipe } from '../../src/adapters/shell/pipe.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Which } from '../../src/lab/lab.js';
import { useLab } from '../helpers/lab.js';
import { withSessions } from '../helpers/pair.js';

const lab = useLab();
const frozen = new Set<number>();

function freeze(pid: number): void {
  frozen.add(pid);
  process.kill(pid, 'SIGSTOP');
}

/** SIGSTOP, then wait until every thread of the server has stopped (the stop reaches each thread asynchronously). */
async function frozenSolid(pid: number): Promise<void> {
  freeze(pid);
  const deadline = Date.now() + 5000;
  const states = () => readdirSync(`/proc/${pid}/task`).map((t) => /\)\s+(\S)/.exec(readFileSync(`/proc/${pid}/task/${t}/stat`, 'latin1'))?.[1]);
  while (!states().every((st) => st === 'T')) {
    if (Date.now() > deadline) throw new Error(`mariadbd ${pid} did not stop: thread states ${states().join('')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function thaw(pid: number): void {
  process.kill(pid, 'SIGCONT');
  frozen.delete(pid);
}

// A stopped server would hang the lab's teardown: always continue it (after-each hooks run before the lab's afterAll).
afterEach(() => {
  for (const pid of frozen) thaw(pid);
});

const bs = (): Endpoint => lab.get().endpoint('b', 'BS');
const bsName = () => `BS 127\\.0\\.0\\.1:${lab.get().b.port}`;

async function timed<T>(p: Promise<T>): Promise<{ err: unknown; ms: number }> {
  const started = Date.now();
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - started };
}

describe('bounded statements and connections on a frozen server', () => {
  it('a statement fails within its bound naming the server; the session is closed; new connections time out; SIGCONT brings it back', async () => {
    const pid = lab.get().b.pid;
    // Default bound from the session, a per-call bound on a session with none, and a session without any bound.
    const withDefault = await ServerSession.connect(bs(), { queryTimeoutMs: 2000 });
    const perCall = await ServerSession.connect(bs(), { queryTimeoutMs: 60_000 });
    const unbounded = await ServerSession.connect(bs());
    const lost: Error[] = [];
    withDefault.onLost((e) => lost.push(e));
    try {
      await frozenSolid(pid);
      // On perCall, an unbounded SELECT 2 goes first and hangs; the bounded SELECT 1 waits behind it (where mysql2's
      // own per-query timer would never even start) and still fails at 2 s.
      const hungFirst = perCall.query('SELECT 2', { timeoutMs: 0 });
      const [a, b, c, d, socket] = await Promise.all([
        timed(withDefault.query('SELECT 1')),
        timed(perCall.query('SELECT 1', { timeoutMs: 2000 })),
        timed(ServerSession.connect(bs(), { connectTimeoutMs: 2000 })),
        timed(hungFirst),
        timed(ServerSession.connect({ ...bs(), socket: lab.get().b.socket }, { connectTimeoutMs: 2000 })),
      ]);

      for (const [what, r] of [
        ['session default', a],
        ['per call', b],
      ] as const) {
        expect(r.err, `${what}: ${JSON.stringify(r)}`).toBeInstanceOf(ServerTimeout);
        expect((r.err as ServerTimeout).phase).toBe('query');
        expect((r.err as Error).message).toMatch(new RegExp(`^${bsName()} did not answer within 2 s \\(SELECT 1\\); the session was closed`));
        expect(r.ms).toBeGreaterThanOrEqual(1950);
        expect(r.ms).toBeLessThan(3000);
      }
      // The session is given up: its holders were told, and it refuses further statements at once.
      expect(lost).toHaveLength(1);
      expect(withDefault.lostReason).toBe(a.err);
      const again = await timed(withDefault.query('SELECT 3'));
      expect((again.err as Error).message).toMatch(/^BS: the connection was lost \(BS .* did not answer within 2 s/);
      expect(again.ms).toBeLessThan(100);
      // The hung statement, though it had no bound of its own, is not left hanging when its session is given up.
      expect((d.err as Error).message).toMatch(/^BS: the connection was lost \(BS .* did not answer within 2 s .*could not run: SELECT 2$/);
      expect(d.ms).toBeLessThan(3000);

      // Connecting: the kernel completes the TCP (or socket) handshake, the stopped server never sends its greeting.
      for (const [what, r] of [
        ['tcp', c],
        ['socket', socket],
      ] as const) {
        expect(r.err, `${what}: ${String(r.err)}`).toBeInstanceOf(ServerTimeout);
        expect((r.err as ServerTimeout).phase).toBe('connect');
        expect((r.err as Error).message).toMatch(new RegExp(`^${bsName()}.* did not answer within 2 s: it accepted the connection but sent no greeting`));
        expect(r.ms).toBeGreaterThanOrEqual(1950);
        expect(r.ms).toBeLessThan(3000);
      }

      // Closing a session to a frozen server does not hang either.
      const closing = await timed(unbounded.close());
      expect(closing.err).toBeUndefined();
      expect(closing.ms).toBeLessThan(2500);
    } finally {
      thaw(pid);
      for (const s of [withDefault, perCall, unbounded]) s.destroy();
    }

    // Continued, the server answers again, on a new session.
    const s = await ServerSession.connect(bs(), { connectTimeoutMs: 5000, queryTimeoutMs: 5000 });
    try {
      expect(Number(await s.value('SELECT 1'))).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('a read-lock session whose keep-alive times out is closed, so the lock goes as soon as the server runs again', async () => {
    const pid = lab.get().b.pid;
    const lock = await ServerSession.connect(bs(), { queryTimeoutMs: 5000 });
    const lost: Error[] = [];
    lock.onLost((e) => lost.push(e));
    const lockThread = lock.threadId;
    try {
      await lock.query('FLUSH TABLES WITH READ LOCK');
      await frozenSolid(pid);
      // The keep-alive's bound, as the read lock should use it.
      const r = await timed(lock.query('SELECT 1', { timeoutMs: 2000 }));
      expect(r.err).toBeInstanceOf(ServerTimeout);
      expect(r.ms).toBeLessThan(3000);
      expect(lost.map((e) => e.message)).toEqual([(r.err as Error).message]);
      // UNLOCK TABLES on it now fails at once (the lock goes with the connection instead).
      const unlock = await timed(lock.query('UNLOCK TABLES', { timeoutMs: 800 }));
      expect((unlock.err as Error).message).toMatch(/connection was lost/);
      expect(unlock.ms).toBeLessThan(100);
    } finally {
      thaw(pid);
      lock.destroy();
    }
    // Once running again the server sees the closed connection: its thread ends and BS takes writes.
    const s = await ServerSession.connect(bs(), { connectTimeoutMs: 5000, queryTimeoutMs: 10_000 });
    try {
      const deadline = Date.now() + 10_000;
      while ((await s.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ${lockThread}`)).length > 0) {
        if (Date.now() > deadline) throw new Error('the lock session is still on the server');
        await new Promise((res) => setTimeout(res, 100));
      }
      await s.query('SET SESSION lock_wait_timeout = 2');
      await s.query("INSERT INTO shop.customers (name) VALUES ('after the freeze')");
    } finally {
      await s.close();
    }
  });
});

describe('the copy pipe with real clients when a server freezes mid-copy', () => {
  /**
   * `mariadb-dump shop` from A piped into `mariadb` on B (into a scratch schema, not binary-logged, so replication is
   * untouched), with `freezeWhich`'s mariadbd SIGSTOPped once 4 MB have passed.
   */
  async function copyAndFreeze(freezeWhich: Which): Promise<{ err: unknown; sinceLastByte: number; pids: { dump?: number; load?: number } }> {
    const l = lab.get();
    const c = await findClients();
    const gsFile = await writeOptionFile(endpointCredentials(l.endpoint('a', 'A')), c.dump.flavor);
    const bsFile = await writeOptionFile(endpointCredentials(l.endpoint('b', 'B')), c.load.flavor);
    const pid = l.server(freezeWhich).pid;
    let pids: { dump?: number; load?: number } = {};
    let lastByte = Date.now();
    try {
      const p = runCopyPipe({
        dump: { command: c.dump.command, args: [`--defaults-extra-file=${gsFile.path}`, '--quick', '--single-transaction', 'shop'] },
        load: { command: c.load.command, args: [`--defaults-extra-file=${bsFile.path}`, '--batch', '--init-command=SET sql_log_bin = 0', 'stall_copy'] },
        servers: { dump: 'A', load: 'B' },
        stallTimeoutMs: 2000,
        onSpawn: (x) => (pids = x),
        onProgress: (bytes) => {
          lastByte = Date.now();
          if (bytes >= 4 << 20 && !frozen.has(pid)) freeze(pid);
        },
      });
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      return { err, sinceLastByte: Date.now() - lastByte, pids };
    } finally {
      if (frozen.has(pid)) thaw(pid);
      await Promise.all([gsFile.dispose(), bsFile.dispose()]);
    }
  }

  it('BS frozen: the import consumed nothing; GS frozen: the dump produced nothing; each within the bound, both clients gone', async () => {
    // ~35 MB of dump: a few seconds of copy, so the freeze lands in the middle of it.
    await withSessions(lab.get(), async (a, b) => {
      await a.query('SET SESSION sql_log_bin = 0');
      await loadOrders(a, 200_000);
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('CREATE DATABASE IF NOT EXISTS stall_copy');
    });

    for (const [which, side, text] of [
      ['b', 'load', /^no data moved for 2 s: the import on B consumed nothing \(B stopped answering\)/],
      ['a', 'dump', /^no data moved for 2 s: the dump from A produced nothing \(A stopped answering\)/],
    ] as const) {
      const r = await copyAndFreeze(which);
      expect(r.err, `${which} frozen`).toBeInstanceOf(CopyStalled);
      expect((r.err as CopyStalled).side).toBe(side);
      expect((r.err as Error).message).toMatch(text);
      expect(r.sinceLastByte).toBeGreaterThanOrEqual(1950);
      expect(r.sinceLastByte).toBeLessThan(2000 + 1500);
      for (const pid of [r.pids.dump, r.pids.load]) expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
    }

    // Both servers answer again.
    await withSessions(lab.get(), async (a, b) => {
      expect(Number(await a.value('SELECT 1', { timeoutMs: 5000 }))).toBe(1);
      expect(Number(await b.value('SELECT 1', { timeoutMs: 5000 }))).toBe(1);
    });
  });
});
