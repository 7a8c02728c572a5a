// FLUSH TABLES WITH READ LOCK lives as long as the session that took it: this class owns that session, keeps it
// alive, notices when it is lost, and releases the lock on every exit path as fast as it can.
import { ServerSession, ServerError, type ConnectOptions } from './session.js';
import type { Endpoint } from './endpoint.js';
import type { Statement } from '../../dialect/statement.js';

export const ER_LOCK_WAIT_TIMEOUT = 1205;

export class LockNotGranted extends Error {
  constructor(seconds: number) {
    super(
      `GS did not grant FLUSH TABLES WITH READ LOCK within ${seconds}s (lock_wait_timeout): a long query or transaction holds a table. The attempt was released; GS accepts writes.`,
    );
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

  /**
   * Open a dedicated GS session and run `statements` on it (the session settings, then the lock). A lock wait
   * timeout becomes LockNotGranted; any failure closes the session, so nothing stays locked.
   */
  static async acquire(
    endpoint: Endpoint,
    statements: Statement[],
    o: { timeoutSeconds: number; signal: AbortSignal; connect?: ConnectOptions; keepAliveTimeoutMs?: number },
  ): Promise<GlobalReadLock> {
    const session = await ServerSession.connect({ ...endpoint, label: 'GS' }, o.connect);
    const lock = new GlobalReadLock(session);
    const onAbort = () => lock.releaseNow();
    o.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const s of statements) await session.query(s);
    } catch (err) {
      o.signal.removeEventListener('abort', onAbort);
      session.destroy();
      if (err instanceof ServerError && err.errno === ER_LOCK_WAIT_TIMEOUT) throw new LockNotGranted(o.timeoutSeconds);
      throw err;
    }
    if (o.signal.aborted) lock.releaseNow();
    // A keep-alive that gets no answer within its bound closes the session (reported through onLost): a frozen GS
    // then ends the copy instead of holding it.
    lock.keepAlive = setInterval(() => {
      session.query('SELECT 1', o.keepAliveTimeoutMs ? { timeoutMs: o.keepAliveTimeoutMs } : {}).catch(() => undefined);
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

  /** UNLOCK TABLES on the very session that took the lock, then close it; on any trouble, close it at once. */
  async release(unlock: Statement): Promise<void> {
    if (this.released) return;
    this.stopKeepAlive();
    try {
      await withTimeout(this.session.query(unlock), 800);
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
