// GS's read lock between step 3 and step 5 (the classic method): taken on a dedicated session (asked again when it is
// not granted), held while the copy runs, released by the unlock action, or at once by releaseNow on any failure:
// production must be able to write again before anything else is done.
import { GlobalReadLock, LockNotGranted } from '../adapters/mysql/read-lock.js';
import type { ServerSession } from '../adapters/mysql/session.js';
import { StepFailed } from '../base/errors.js';
import type { LockAction, UnlockAction } from '../recovery/actions.js';
import type { ActionDeps } from './action-deps.js';

export interface LockDeps extends ActionDeps {
  ask: (steps: number[], question: string) => Promise<boolean>;
  /** A person answers (a retry of the lock is asked); otherwise the action's unattended attempts. */
  interactive: boolean;
}

export class GsReadLock {
  private lock?: GlobalReadLock;
  /** When the read lock was granted (for "GS locked 37 s" in progress). */
  private lockedAt?: number;

  constructor(private readonly d: LockDeps) {}

  get held(): boolean {
    return Boolean(this.lock?.held);
  }

  /** Since when GS is locked (epoch ms), while it is. */
  get since(): number | undefined {
    return this.held ? this.lockedAt : undefined;
  }

  /** The lock's own session (statements recorded under the lock run on it). */
  get session(): ServerSession | undefined {
    return this.lock?.session;
  }

  /** Called if the lock's session is lost while it is held: a copy relying on it is no longer consistent. */
  onLost(handler: (err: Error) => void): void {
    this.lock?.onLost(handler);
  }

  async take(step: number, a: LockAction): Promise<void> {
    const endpoint = this.d.members.GS.endpoint;
    for (let attempt = 1; ; attempt++) {
      const text = `GS: waiting for the global read lock (at most ${a.timeoutSeconds}s)`;
      this.d.emit({ event: 'activity', id: 'lock', state: 'start', text });
      for (const s of a.statements) this.d.record(step, a.role, s.shown, 'run');
      try {
        this.lock = await GlobalReadLock.acquire(endpoint, a.statements, {
          timeoutSeconds: a.timeoutSeconds,
          signal: this.d.signal,
          // FLUSH TABLES WITH READ LOCK waits lock_wait_timeout by itself; beyond that, a frozen GS is a stall.
          connect: { connectTimeoutMs: this.d.settings.connectTimeout * 1000, queryTimeoutMs: (a.timeoutSeconds + this.d.settings.stallTimeout) * 1000 },
          keepAliveTimeoutMs: this.d.settings.stallTimeout * 1000,
        });
        this.d.emit({ event: 'gs_lock', state: 'held', at: new Date().toISOString() });
        this.lockedAt = Date.now();
        this.d.emit({ event: 'activity', id: 'lock', state: 'succeed', text: 'GS: global read lock held; GS writes are blocked until step 5' });
        return;
      } catch (err) {
        this.d.emit({ event: 'activity', id: 'lock', state: 'fail', text });
        if (!(err instanceof LockNotGranted)) throw err;
        this.d.emit({ event: 'note', level: 'warn', step, text: err.message });
        const retry = this.d.interactive || attempt < a.unattendedAttempts;
        if (!retry || !(await this.d.ask([step], 'Try the read lock on GS again?')))
          throw new StepFailed(
            'GS did not grant the read lock; nothing was copied',
            step,
            'Find the long query or transaction on GS (SHOW PROCESSLIST), end it, and run the same command again.',
          );
      }
    }
  }

  async unlock(step: number, a: UnlockAction): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    if (!lock?.held) return; // released already (abort path): nothing is locked
    this.d.record(step, a.role, a.statement.shown, 'run');
    try {
      await lock.release(a.statement);
    } finally {
      this.d.emit({ event: 'gs_lock', state: 'released', at: new Date().toISOString() });
    }
    this.d.emit({ event: 'note', level: 'ok', step, text: 'GS unlocked: production writes flow again.' });
  }

  /** GS first: whatever went wrong, production must be able to write again at once. True when it was held. */
  releaseNow(): boolean {
    const lock = this.lock;
    this.lock = undefined;
    if (!lock?.held) return false;
    lock.releaseNow();
    this.d.emit({ event: 'gs_lock', state: 'released', at: new Date().toISOString() });
    return true;
  }
}
