// What runs beside a copy: the throttle's state on the live line and in the JSON events ("throttled: max-rate
// 10 MB/s"), and the watchers of GS that pause the copy (--max-load) or stop it (a metadata lock pile-up).
import type { Throttle, ThrottleState } from '../adapters/shell/throttle.js';
import type { Emit, RunEvent } from '../recovery/events.js';
import { ServerSession } from '../adapters/mysql/session.js';
import { endpointFor } from '../config/endpoints.js';
import type { Settings } from '../config/settings.js';

export interface CopyWatch {
  /** The executor's emit for the copy: progress events carry `throttled` while the throttle holds or caps the copy. */
  emit: Emit;
  /** Stop listening (the copy ended, whichever way). */
  stop(): void;
}

/** Say the throttle's state once at the start, then at every change, and on every progress event. */
export function watchThrottle(throttle: Throttle | undefined, step: number, emit: Emit): CopyWatch {
  if (!throttle) return { emit, stop: () => undefined };
  const say = (s: ThrottleState) => {
    emit({ event: 'throttle', step, reason: s.reason ?? null, ...(s.maxRate !== undefined ? { maxRate: s.maxRate } : {}), paused: s.pauses.length > 0 });
    emit({ event: 'activity', id: 'copy', state: 'update', text: s.reason ? `throttled: ${s.reason}` : 'not throttled' });
  };
  const initial = throttle.state();
  if (initial.reason) say(initial);
  const off = throttle.onChange(say);
  return {
    emit: (e: RunEvent) => {
      if (e.event === 'progress') {
        const reason = throttle.state().reason;
        emit(reason ? { ...e, throttled: reason } : e);
      } else emit(e);
    },
    stop: () => off(),
  };
}

/**
 * --max-load (gh-ost's model): once a second, on a session of its own on GS, read the global status variables; while
 * one exceeds its maximum the throttle pauses the copy (the dump is not read: backpressure), resuming when none does.
 * Threads_running leaves out the tool's own running threads: this session (running the SHOW) and the copy's dumps.
 */
export function watchLoad(settings: Settings, throttle: Throttle | undefined, ownRunning: number, onSession?: (threadId: number) => void): { stop(): void } {
  const limits = settings.maxLoad;
  if (!throttle || !limits?.length) return { stop: () => undefined };
  let stopped = false;
  let session: ServerSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  const names = limits.map((l) => `'${l.variable.replace(/'/g, '')}'`).join(', ');
  const poll = async () => {
    try {
      if (!session) {
        session = await ServerSession.connect(endpointFor(settings, 'GS'), { connectTimeoutMs: settings.connectTimeout * 1000, queryTimeoutMs: 5000 });
        onSession?.(session.threadId);
      }
      if (stopped) return;
      const rows = await session.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names})`);
      const values = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), Number(r.Value)]));
      const over = limits
        .map((l) => {
          const raw = values.get(l.variable.toLowerCase());
          if (raw === undefined) return undefined;
          const v = l.variable.toLowerCase() === 'threads_running' ? Math.max(0, raw - 1 - ownRunning) : raw;
          return v > l.max ? `${l.variable}=${v} > ${l.max}` : undefined;
        })
        .filter((x): x is string => x !== undefined);
      if (over.length) throttle.pause('max-load', over.join(', '));
      else throttle.resume('max-load');
    } catch {
      // A check that could not be made does not pause the copy; the next second tries again.
    } finally {
      if (!stopped) timer = setTimeout(() => void poll(), 1000);
    }
  };
  void poll();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      throttle.resume('max-load');
      session?.destroy();
    },
  };
}
