// FLUSH TABLES WITH READ LOCK lives as long as the session that took it: this class owns that session,
// keeps it alive, notices when it is lost, and releases the lock on every exit path as fast as it can.
import { ServerSession, ServerError } from './session.js';
import type { Endpoint } from './endpoint.js';
import type { Executor } from '../../engine/executor.js';
import { stmt } from '../../dialect/statement.js';

export const ER_LOCK_WAIT_TIMEOUT = 1205;

export class LockNotGranted extends Error {
  constructor(seconds: number) {
    super(`GS did not grant FLUSH TABLES WITH READ LOCK within ${seconds}s (lock_wait_timeout): a long query or transaction holds a table. The attempt was released; GS accepts writes.`);
    this.name = 'LockNotGranted';
  }
}

export class GlobalReadLock {
  private released = false;
  private keepAlive?: NodeJS.Timeout;
  private lostHandlers: Array<(err: Error) => void> = [];

  private constructor(readonly session: ServerSession) {
    session.onLost((err) => {
      if (!this.released) for (const h of this.lostHandlers) h(err);
    });
  }

  /** Open a dedicated GS session and take the global read lock, waiting at most `timeoutSeconds`. */
  static async acquire(endpoint: Endpoint, exec: Executor, timeoutSeconds: number, signal: AbortSignal): Promise<GlobalReadLock> {
    const session = await ServerSession.connect({ ...endpoint, label: 'GS' });
    const lock = new GlobalReadLock(session);
    const onAbort = () => lock.releaseNow();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Short timeouts: while FTWRL waits it blocks every new writer, so it must give up quickly.
      await exec.sql('GS', stmt(`SET SESSION lock_wait_timeout = ${timeoutSeconds}`), { via: session });
      // Keep the session from being reaped by the server while a long copy runs.
      await exec.sql('GS', stmt('SET SESSION wait_timeout = 86400'), { via: session, quiet: true });
      await exec.sql('GS', stmt('FLUSH TABLES WITH READ LOCK'), { via: session });
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      session.destroy();
      if (err instanceof ServerError && err.errno === ER_LOCK_WAIT_TIMEOUT) throw new LockNotGranted(timeoutSeconds);
      throw err;
    }
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) {
      lock.releaseNow();
      return lock;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    lock.keepAlive = setInterval(() => {
      session.query('SELECT 1').catch(() => undefined); // a lost session is reported through onLost
    }, 1000);
    lock.keepAlive.unref();
    return lock;
  }

  get held(): boolean {
    return !this.released && !this.session.lostReason;
  }

  /** Called if the lock session dies while the lock should be held: the copy is no longer consistent. */
  onLost(handler: (err: Error) => void): void {
    this.lostHandlers.push(handler);
  }

  /** Step 5: UNLOCK TABLES on the very session that took the lock, then close it. */
  async release(exec: Executor): Promise<void> {
    if (this.released) return;
    this.stopKeepAlive();
    try {
      await withTimeout(exec.sql('GS', stmt('UNLOCK TABLES'), { via: this.session }), 800);
      this.released = true;
      await withTimeout(this.session.close(), 500).catch(() => this.session.destroy());
    } catch {
      this.releaseNow();
    }
  }

  /** Abort path: closing the connection releases the lock on the server at once. */
  releaseNow(): void {
    if (this.released) return;
    this.released = true;
    this.stopKeepAlive();
    this.session.destroy();
  }

  private stopKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
