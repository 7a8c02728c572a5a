// The one wait of the tool: poll until a check has an answer, at most a bound, or until the run is interrupted. Every
// wait on a server (a replica catching up, a marker arriving, BS coming back, HAProxy's counters) is this loop; what it
// waits for, what it says meanwhile and what a timeout means stay with the caller.
import { setTimeout as delay } from 'node:timers/promises';

export interface PollBounds {
  /** Between two checks (the first pause, when maxEveryMs is given). */
  everyMs: number;
  /** Back off: each pause doubles, up to this (a wait that is usually over at once, then checked less often). */
  maxEveryMs?: number;
  /** From the first check; the last check is made at or after it. */
  timeoutMs: number;
  /** Ctrl-C or a stop: the wait ends at once, without an answer. */
  signal?: AbortSignal;
}

/**
 * Call `check` every `everyMs` until it answers (anything but undefined, returned at once), `timeoutMs` has passed, or
 * `signal` aborts: undefined then, and the caller says what it waited for and what it last saw. A check that throws
 * ends the wait with its error (a replica's SQL error will not heal by waiting).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined> | T | undefined, b: PollBounds): Promise<T | undefined> {
  const deadline = Date.now() + b.timeoutMs;
  let pause = b.everyMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (b.signal?.aborted || Date.now() >= deadline) return undefined;
    // timers/promises removes its abort listener when the timer fires (a hand-made one leaked one per poll).
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())), undefined, { signal: b.signal }).catch(() => undefined);
    if (b.maxEveryMs !== undefined) pause = Math.min(b.maxEveryMs, pause * 2);
  }
}

/**
 * The pace of a wait on something usually ready at once (a replica just started, a marker just written): checked again
 * after 20 ms, each pause doubling up to `maxEveryMs`. A flat pause of that length made every such wait last at least
 * that long (about 0.3 s a recovery), for a handful more reads in its first moments.
 */
export function backoffTo(maxEveryMs: number): Pick<PollBounds, 'everyMs' | 'maxEveryMs'> {
  return { everyMs: 20, maxEveryMs };
}
