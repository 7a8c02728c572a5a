// What runs beside a copy: the throttle's state on the live line and in the JSON events ("throttled: max-rate
// 10 MB/s"), and the watchers of GS that pause the copy (--max-load) or stop it (a metadata lock pile-up).
import type { Throttle, ThrottleState } from '../adapters/shell/throttle.js';
import type { Emit, RunEvent } from '../recovery/events.js';

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
