// Bounds on a ServerSession against stand-ins for a frozen server (no mariadbd needed; the integration test
// session-timeout.test.ts does the same with a SIGSTOPped one): a listener that never greets, and a server that logs
// in and then leaves chosen statements unanswered.
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, ServerSession, ServerTimeout } from '../../src/adapters/mysql/session.js';
import type { Endpoint } from '../../src/adapters/mysql/endpoint.js';
import { withSecrets } from '../../src/dialect/statement.js';
import { fakeMysql, silentListener } from '../helpers/fake-mysql.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const endpoint = (port: number): Endpoint => ({ label: 'GS', host: '127.0.0.1', port, user: 'root', password: 'pw' });

async function timed<T>(p: Promise<T>): Promise<{ err: unknown; value?: T; ms: number }> {
  const started = Date.now();
  try {
    const value = await p;
    return { err: undefined, value, ms: Date.now() - started };
  } catch (err) {
    return { err, ms: Date.now() - started };
  }
}

/** A server that answers SELECT 1 and nothing else. */
async function frozenAfterLogin() {
  const f = await fakeMysql((sql) => (sql === 'SELECT 1' ? [{ '1': '1' }] : undefined));
  closers.push(() => f.close());
  return f;
}

describe('ServerSession bounds', () => {
  it('connecting to a server that accepts but never greets fails within connectTimeoutMs, naming the server', async () => {
    const l = await silentListener();
    closers.push(() => l.close());
    const r = await timed(ServerSession.connect(endpoint(l.port), { connectTimeoutMs: 500 }));
    expect(r.err).toBeInstanceOf(ServerTimeout);
    expect(r.err).toMatchObject({ phase: 'connect', timeoutMs: 500, server: `GS 127.0.0.1:${l.port}`, code: 'ETIMEDOUT' });
    expect((r.err as Error).message).toBe(
      `GS 127.0.0.1:${l.port} did not answer within 0.5 s: it accepted the connection but sent no greeting (the server process is stopped or hung, or its disk stalled)`,
    );
    expect(r.ms).toBeGreaterThanOrEqual(480);
    expect(r.ms).toBeLessThan(1000);
  });

  it('a refused connection still says so (not a timeout)', async () => {
    const l = await silentListener();
    const port = l.port;
    await l.close();
    const r = await timed(ServerSession.connect(endpoint(port), { connectTimeoutMs: 500 }));
    expect(r.err).toBeInstanceOf(ServerError);
    expect(r.err).not.toBeInstanceOf(ServerTimeout);
    expect((r.err as Error).message).toMatch(/does not answer: connection refused/);
  });

  it('a server that logs in but never answers the first query: connect still fails within its bound', async () => {
    const f = await fakeMysql(() => undefined, { answerVariables: false });
    closers.push(() => f.close());
    const r = await timed(ServerSession.connect(endpoint(f.port), { connectTimeoutMs: 1000 }));
    expect(r.err).toBeInstanceOf(ServerTimeout);
    expect((r.err as Error).message).toMatch(/^GS 127\.0\.0\.1:\d+ did not answer within 1 s: it accepted the login but not the first query/);
    expect(r.ms).toBeLessThan(2000);
  });

  it("a statement past the session's bound fails naming the server; the session is lost, its holders told, and closed", async () => {
    const f = await frozenAfterLogin();
    const s = await ServerSession.connect(endpoint(f.port), { queryTimeoutMs: 400 });
    const lost: Error[] = [];
    s.onLost((e) => lost.push(e));
    expect(await s.query('SELECT 1')).toEqual([{ '1': '1' }]);
    const r = await timed(s.query(withSecrets(['SET PASSWORD = ', { secret: 'hunter2' }])));
    expect(r.err).toBeInstanceOf(ServerTimeout);
    expect(r.err).toMatchObject({ phase: 'query', timeoutMs: 400 });
    // The masked text, never the password.
    expect((r.err as Error).message).toBe(
      `GS 127.0.0.1:${f.port} did not answer within 0.4 s (SET PASSWORD = '********'); the session was closed, so whether the statement took effect is unknown`,
    );
    expect(r.ms).toBeGreaterThanOrEqual(380);
    expect(r.ms).toBeLessThan(900);
    expect(lost).toEqual([r.err]);
    expect(s.lostReason).toBe(r.err);
    const next = await timed(s.query('SELECT 1'));
    expect((next.err as Error).message).toMatch(/^GS: the connection was lost \(GS .* did not answer within 0\.4 s .*could not run: SELECT 1$/);
    expect(next.ms).toBeLessThan(50);
  });

  it('the bound runs from the call: a statement queued behind a hung one still fails in time, and the hung one is not left hanging', async () => {
    const f = await frozenAfterLogin();
    const s = await ServerSession.connect(endpoint(f.port), { queryTimeoutMs: 60_000 });
    const hung = timed(s.query('SELECT SLEEP(100)', { timeoutMs: 0 }));
    const queued = await timed(s.query('SELECT 1', { timeoutMs: 300 }));
    expect(queued.err).toBeInstanceOf(ServerTimeout);
    expect((queued.err as Error).message).toMatch(/did not answer within 0\.3 s \(SELECT 1\)/);
    expect(queued.ms).toBeLessThan(800);
    const h = await hung;
    expect((h.err as Error).message).toMatch(/^GS: the connection was lost \(GS .* did not answer within 0\.3 s .*could not run: SELECT SLEEP\(100\)$/);
    // Only the first statement reached the server; SELECT 1 never left the queue.
    // (besides what a session reads on connecting)
    expect(f.received.filter((q) => !/^(SHOW GLOBAL VARIABLES|SELECT @@SESSION\.sql_mode|SHOW SESSION STATUS)/.test(q))).toEqual(['SELECT SLEEP(100)']);
  });

  it('a per-call bound overrides the default both ways; without one, a statement waits', async () => {
    const f = await fakeMysql((sql) => (sql === 'SELECT 1' ? [{ '1': '1' }] : sql.startsWith('SLOW') ? undefined : 'ok'));
    closers.push(() => f.close());
    const s = await ServerSession.connect(endpoint(f.port));
    expect(s.queryTimeoutMs).toBeUndefined();
    const r = await timed(s.query('SLOW 1', { timeoutMs: 250 }));
    expect(r.err).toBeInstanceOf(ServerTimeout);
    expect(r.ms).toBeLessThan(700);

    const t = await ServerSession.connect(endpoint(f.port), { queryTimeoutMs: 250 });
    const unbounded = t.query('SLOW 2', { timeoutMs: 0 });
    const settled = await Promise.race([
      unbounded.then(
        () => 'settled',
        () => 'settled',
      ),
      new Promise((res) => setTimeout(() => res('waiting'), 700)),
    ]);
    expect(settled).toBe('waiting');
    t.destroy();
    await expect(unbounded).rejects.toThrow(/the connection was lost \(closed by mmrecover\); could not run: SLOW 2/);
  });

  it('close() does not hang on a server that stopped answering in the middle of a statement', async () => {
    const f = await frozenAfterLogin();
    const s = await ServerSession.connect(endpoint(f.port));
    const hung = timed(s.query('SELECT SLEEP(100)'));
    const c = await timed(s.close());
    expect(c.err).toBeUndefined();
    expect(c.ms).toBeGreaterThanOrEqual(1900);
    expect(c.ms).toBeLessThan(2600);
    expect(((await hung).err as Error).message).toMatch(/connection was lost \(closed by mmrecover\)/);
  });

  it('a healthy session still answers and closes cleanly with a bound set', async () => {
    const f = await frozenAfterLogin();
    const s = await ServerSession.connect(endpoint(f.port), { connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    expect(s.identity.serverId).toBe(9);
    expect(await s.value('SELECT 1')).toBe('1');
    const c = await timed(s.close());
    expect(c.ms).toBeLessThan(100);
    expect(s.lostReason?.message).toBe('closed by mmrecover');
  });
});
