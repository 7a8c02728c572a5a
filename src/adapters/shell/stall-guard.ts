// A fault that hangs instead of failing (a server frozen by a stalled disk, a network path that drops packets, a
// SIGSTOPped process) must not hold the copy, and with it GS's read lock, for longer than a stated bound. The guard
// samples a byte counter a few times a second; when it has not changed for `timeoutMs` it calls `onStall` once, with
// the side that looks idle, and stops. No timer is kept after stop().
import { platform } from 'node:os';
import { readFileSync } from 'node:fs';

export type Side = 'dump' | 'load';

/** When to start telling the operator that nothing moves, and how often after that. */
export const IDLE_NOTICE_AFTER_MS = 5000;
const IDLE_NOTICE_EVERY_MS = 1000;
const TICK_MS = 250;

export interface StallGuardOptions {
  /** Give up after this long without movement (undefined or 0: never; onIdle alone may still be wanted). */
  timeoutMs?: number;
  /** Called about once a second once nothing has moved for IDLE_NOTICE_AFTER_MS. Errors it throws are ignored. */
  onIdle?: (idleMs: number, side: Side) => void;
  onStall: (idleMs: number, side: Side) => void;
  /** Any number that changes whenever a byte moves anywhere in the pipe. */
  progress: () => number;
  /** Which side holds things up, from what can be observed right now. */
  idleSide: () => Side;
  /** True while the copy is held on purpose (the throttle): that time is not idle. */
  held?: () => boolean;
}

export class StallGuard {
  private timer?: NodeJS.Timeout;
  private last: number;
  private lastMove = Date.now();
  private lastNotice = 0;

  constructor(private readonly o: StallGuardOptions) {
    this.last = o.progress();
    if (o.timeoutMs || o.onIdle) {
      this.timer = setInterval(() => this.tick(), Math.min(TICK_MS, Math.max(50, Math.floor((o.timeoutMs || TICK_MS) / 4))));
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    const p = this.o.progress();
    if (p !== this.last || this.o.held?.()) {
      this.last = p;
      this.lastMove = now;
      this.lastNotice = 0;
      return;
    }
    const idle = now - this.lastMove;
    if (this.o.timeoutMs && idle >= this.o.timeoutMs) {
      this.stop();
      this.o.onStall(idle, this.o.idleSide());
      return;
    }
    // A little slack so that a tick arriving a few ms early does not skip a second.
    if (this.o.onIdle && idle >= IDLE_NOTICE_AFTER_MS && now - this.lastNotice >= IDLE_NOTICE_EVERY_MS - TICK_MS / 2) {
      this.lastNotice = now;
      try {
        this.o.onIdle(idle, this.o.idleSide());
      } catch {
        /* a status line that fails must not fail the copy */
      }
    }
  }
}

/**
 * A child's I/O so far (bytes it read plus bytes it wrote, any file descriptor), from Linux's /proc/<pid>/io; 0 where
 * that is not available. It sees what Node cannot: an import taking bytes out of the pipe's kernel buffer (hundreds of
 * KB on a socketpair) after Node has handed them over. Keeps the last value read, so an exited child does not move it.
 */
export function ioCounter(pid: number | undefined): () => number {
  let last = 0;
  let available = pid !== undefined && platform() === 'linux';
  return () => {
    if (!available) return last;
    try {
      const text = readFileSync(`/proc/${pid}/io`, 'latin1');
      const n = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);
      last = Math.max(last, n('rchar') + n('wchar'));
    } catch {
      // Gone, or no task I/O accounting in this kernel: stop asking.
      available = false;
    }
    return last;
  };
}

/** "5 s", "2.5 s". */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** "812 B", "64.0 KB", "12.3 MB". */
export function formatByteCount(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
