// The copy's throttle (gh-ost's model): a cap on bytes per second (a token bucket) and pauses for a reason (GS busier
// than --max-load, the operator's `throttle` on the control socket). It sits in the copy pipe as a Transform: a chunk
// passes only once the bucket grants its bytes and nothing pauses the copy; until then the Transform does not call
// back, so stream.pipeline stops reading the dump (backpressure) and the dump stops reading its server. No busy loop:
// one timer, set for the moment the first waiter can be granted, re-set when the rate or a pause changes.
import { Transform, type TransformCallback } from 'node:stream';

/** "10 MB/s": a rate in the units the live line uses (binary multiples, as formatBytes). */
export function formatRate(bytesPerSecond: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  return `${text} ${units[i]}/s`;
}

const MULTIPLIER: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
/** The form --max-rate and the socket's max-rate= accept: 10M, 512K, 1.5G, 1048576 (binary multiples, as mysql's). */
export const RATE_PATTERN = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:B|B\/s|\/s)?$/i;

/** "10M" → 10485760 bytes per second; undefined when the text is not a rate of at least 1 KB/s. */
export function parseRate(text: string): number | undefined {
  const m = RATE_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * MULTIPLIER[m[2].toUpperCase()]);
  return Number.isFinite(n) && n >= 1024 ? n : undefined;
}

/** 10485760 → "10M": the shortest form parseRate reads back to the same number (for the resume line). */
export function rateText(bytesPerSecond: number): string {
  for (const [unit, m] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const)
    if (bytesPerSecond % m === 0) return `${bytesPerSecond / m}${unit}`;
  return String(bytesPerSecond);
}

/**
 * A token bucket: `rate` bytes per second refill it up to `burst` bytes. A request larger than what the bucket holds
 * is granted once the bucket is full again or as soon as the balance allows, and leaves it in debt (a pipe chunk is up
 * to 64 KB, a cap may be lower than that per second): the average over any span is then `rate`, never more.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = this.burst;
    this.at = now();
  }

  /** A quarter of a second's worth: short enough that the cap holds over a second, long enough to absorb timer jitter. */
  get burst(): number {
    return Math.max(1, this.rate / 4);
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.rate);
    this.at = t;
  }

  /** Take `n` bytes if the balance is not negative (it may go negative by this); else how many ms until it is. */
  take(n: number): number {
    this.refill();
    if (this.tokens >= 0) {
      this.tokens -= n;
      return 0;
    }
    return Math.ceil((-this.tokens / this.rate) * 1000);
  }
}

interface Waiter {
  bytes: number;
  grant: () => void;
}

export interface ThrottleState {
  /** Bytes per second, or undefined: no cap. */
  maxRate?: number;
  /** Why the copy is paused (each reason: its text); empty: not paused. */
  pauses: string[];
  /** What the live line says: "max-rate 10 MB/s", "Threads_running=23 > 5"; undefined: not throttled. */
  reason?: string;
}

/** One per run, shared by every stream of a copy: the cap is the total across them. */
export class Throttle {
  private bucket?: TokenBucket;
  private readonly pauses = new Map<string, string>();
  private readonly queue: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(s: ThrottleState) => void>();
  /** Bytes granted so far (all streams). */
  granted = 0;

  constructor(maxRate?: number, now: () => number = Date.now) {
    this.now = now;
    if (maxRate) this.bucket = new TokenBucket(maxRate, now);
  }
  private readonly now: () => number;

  get maxRate(): number | undefined {
    return this.bucket?.bytesPerSecond;
  }

  /** A new cap (undefined: none). */
  setMaxRate(rate: number | undefined): void {
    if (rate === undefined) this.bucket = undefined;
    else if (this.bucket) this.bucket.setRate(rate);
    else this.bucket = new TokenBucket(rate, this.now);
    this.changed();
  }

  /** Pause for `key` (e.g. 'max-load', 'operator') with the text the live line shows. */
  pause(key: string, text: string): void {
    if (this.pauses.get(key) === text) return;
    this.pauses.set(key, text);
    this.changed();
  }

  resume(key: string): void {
    if (!this.pauses.delete(key)) return;
    this.changed();
  }

  get paused(): boolean {
    return this.pauses.size > 0;
  }

  /** A chunk is waiting for the throttle (paused, or the cap not yet allowing it): the copy is held on purpose. */
  get holding(): boolean {
    return this.queue.length > 0;
  }

  state(): ThrottleState {
    const pauses = [...this.pauses.values()];
    const reason = pauses.length ? pauses.join('; ') : this.bucket ? `max-rate ${formatRate(this.bucket.bytesPerSecond)}` : undefined;
    return { ...(this.bucket ? { maxRate: this.bucket.bytesPerSecond } : {}), pauses, ...(reason ? { reason } : {}) };
  }

  /** Called on every change of cap or pause (listeners' errors are ignored). Returns the unsubscribe. */
  onChange(fn: (s: ThrottleState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves once `bytes` may pass. Rejects with the signal's reason when aborted while waiting. */
  acquire(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.paused && this.queue.length === 0 && (!this.bucket || this.bucket.take(bytes) === 0)) {
      this.granted += bytes;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.granted += bytes;
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(w);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(w);
      this.schedule();
    });
  }

  /** Let go of everything waiting (the run ends): no timer stays behind. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pauses.clear();
    this.bucket = undefined;
    for (const w of this.queue.splice(0)) w.grant();
    this.listeners.clear();
  }

  private changed(): void {
    const s = this.state();
    for (const fn of this.listeners) {
      try {
        fn(s);
      } catch {
        /* a status line must not fail the copy */
      }
    }
    this.schedule();
  }

  /** Grant what can be granted now; set one timer for the next. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.paused) return;
    while (this.queue.length) {
      const head = this.queue[0];
      const wait = this.bucket ? this.bucket.take(head.bytes) : 0;
      if (wait > 0) {
        this.timer = setTimeout(() => this.schedule(), wait);
        return;
      }
      this.queue.shift();
      head.grant();
    }
  }
}

/** The throttle as a stage of the copy pipe: each chunk passes once the throttle lets its bytes through. */
export class ThrottleTransform extends Transform {
  /** This stage holds a chunk the throttle has not let through yet: the copy waits on purpose, not on a server. */
  waiting = false;

  constructor(
    private readonly throttle: Throttle,
    private readonly signal?: AbortSignal,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.waiting = true;
    this.throttle.acquire(chunk.length, this.signal).then(
      () => {
        this.waiting = false;
        cb(null, chunk);
      },
      (err: Error) => {
        this.waiting = false;
        cb(err);
      },
    );
  }

  // The last chunk was granted into debt: the stream ends once that debt is paid, so that the copy as a whole never
  // runs faster than the cap (bytes ≤ burst + rate × its time), the last chunk included.
  override _flush(cb: TransformCallback): void {
    this.waiting = true;
    this.throttle.acquire(0, this.signal).then(
      () => {
        this.waiting = false;
        cb();
      },
      (err: Error) => {
        this.waiting = false;
        cb(err);
      },
    );
  }
}
