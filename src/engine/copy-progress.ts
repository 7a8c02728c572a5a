// Progress of a parallel copy, across its streams: bytes, rows against the estimated rows, the slowest stream and an
// ETA, as one `progress` event (the renderers draw it; --json hands it over as it is).
import type { CopyStream } from '../recovery/actions.js';
import type { RunEvent } from '../recovery/events.js';

/**
 * The rate over the last few seconds, not since the start: a copy's rate changes as it goes (the first seconds are the
 * schema and small tables, streams finish at different times), and an ETA from the rate so far swung from 4h47m to
 * 3m40s on a copy that took 48 s. Samples older than the window are dropped; until there are two samples the rate is
 * unknown.
 */
export class RecentRate {
  private readonly samples: Array<{ at: number; amount: number }> = [];
  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(amount: number): void {
    const at = this.now();
    this.samples.push({ at, amount });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
  }

  /** Per second over the window; null until two samples. */
  perSecond(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const ms = last.at - first.at;
    if (ms <= 0) return null;
    return (last.amount - first.amount) / (ms / 1000);
  }

  /**
   * Seconds until `total` at the recent rate; null when unknown (no estimate, no rate yet, nothing moving, or already
   * past the estimate: a key range holds more rows than the table's statistics said, and "0 s" would be a lie for as
   * long as it still runs).
   */
  eta(done: number, total: number): number | null {
    if (total <= 0 || done >= total) return null;
    return this.timeFor(total - done);
  }

  /** Seconds to move `left` more at the recent rate; null while the rate is unknown or nothing moves. */
  timeFor(left: number): number | null {
    const rate = this.perSecond();
    if (!rate || rate <= 0 || left <= 0) return null;
    return left / rate;
  }
}

interface Track {
  label: string;
  bytes: number;
  rows: number;
  estimateRows: number;
  estimateBytes: number;
  done: boolean;
  recent: RecentRate;
}

export class StreamsProgress {
  private readonly tracks: Track[];
  private readonly started = Date.now();
  private last = 0;
  private readonly recentBytes = new RecentRate();
  /** Rows of the streams that have a row estimate, all together. */
  private readonly recentRows = new RecentRate();
  /** When GS's read lock was taken (classic: before the copy; online: while the snapshots open). */
  lockedSince?: number;

  constructor(
    streams: CopyStream[],
    private readonly step: number,
    private readonly emit: (e: RunEvent) => void,
    /** Bytes already copied before these streams (the schema phase). */
    private readonly before = 0,
  ) {
    this.tracks = streams.map((s) => ({
      label: s.label,
      bytes: 0,
      rows: 0,
      estimateRows: s.estimateRows,
      estimateBytes: s.estimateBytes,
      done: false,
      recent: new RecentRate(),
    }));
  }

  update(i: number, bytes: number, rows: number): void {
    const t = this.tracks[i];
    t.bytes = bytes;
    t.rows = rows;
    if (Date.now() - this.last >= 250) this.send();
  }

  done(i: number, bytes: number, rows: number): void {
    Object.assign(this.tracks[i], { bytes, rows, done: true });
  }

  get bytes(): number {
    return this.before + this.tracks.reduce((s, t) => s + t.bytes, 0);
  }

  /**
   * Seconds until a stream ends at its recent rate (rows against its estimate where it has one: the dump's bytes are
   * text, the estimate's bytes are pages on disk; else bytes); null: unknown.
   */
  private eta(t: Track): number | null {
    if (t.done) return 0;
    return t.estimateRows > 0 ? t.recent.eta(t.rows, t.estimateRows) : t.recent.eta(t.bytes, t.estimateBytes);
  }

  /**
   * Seconds until the copy ends: the rows all streams still have to carry (against their estimates) over the rate at
   * which they carried rows together lately. The streams share the machine's cores and both servers: when one ends the
   * others speed up, so the sum over the shared rate holds where each stream's own rate (its slowest) said 17 s with
   * 6.5 s left, whenever one stream paused for half a second. Streams without a row estimate (the mysql schema whole)
   * are small and left out; with none estimated, bytes against the size on disk. Null: unknown (no rate yet, or the
   * streams still running are past their estimates).
   */
  private copyEta(): number | null {
    const open = this.tracks.filter((t) => !t.done);
    if (!open.length) return 0;
    const counted = this.tracks.filter((t) => t.estimateRows > 0);
    if (!counted.length)
      return this.recentBytes.eta(
        this.bytes - this.before,
        this.tracks.reduce((s, t) => s + t.estimateBytes, 0),
      );
    const left = counted.filter((t) => !t.done).reduce((s, t) => s + Math.max(0, t.estimateRows - t.rows), 0);
    return this.recentRows.timeFor(left);
  }

  send(): void {
    this.last = Date.now();
    const elapsed = (Date.now() - this.started) / 1000;
    for (const t of this.tracks) if (!t.done) t.recent.add(t.estimateRows > 0 ? t.rows : t.bytes);
    const etas = this.tracks.map((t) => this.eta(t));
    const slowestAt = etas.reduce<number>((best, e, i) => ((e ?? -1) > (etas[best] ?? -1) ? i : best), 0);
    const bytes = this.bytes;
    this.recentBytes.add(bytes);
    this.recentRows.add(this.tracks.reduce((s, t) => s + (t.estimateRows > 0 ? t.rows : 0), 0));
    this.emit({
      event: 'progress',
      step: this.step,
      bytes,
      estimateBytes: this.before + this.tracks.reduce((s, t) => s + t.estimateBytes, 0),
      rateBytesPerSecond: Math.round(this.recentBytes.perSecond() ?? (elapsed > 0 ? bytes / elapsed : 0)),
      elapsedSeconds: elapsed,
      etaSeconds: this.copyEta(),
      rows: this.tracks.reduce((s, t) => s + t.rows, 0),
      estimateRows: this.tracks.reduce((s, t) => s + t.estimateRows, 0),
      streams: this.tracks.map((t) => ({ label: t.label, bytes: t.bytes, rows: t.rows, estimateRows: t.estimateRows, done: t.done })),
      slowest: this.tracks.some((t) => !t.done) ? this.tracks[slowestAt].label : undefined,
      ...(this.lockedSince !== undefined ? { gsLockedSeconds: (Date.now() - this.lockedSince) / 1000 } : {}),
    });
  }
}

/**
 * The `onProgress` of a single stream (the logical copy, the physical stream): at most four events a second, with the
 * recent rate and an ETA against the estimate (null when there is none, or no rate yet).
 */
export function streamProgress(step: number, estimateBytes: number, emit: (e: RunEvent) => void): (bytes: number) => void {
  const started = Date.now();
  const recent = new RecentRate();
  let last = 0;
  return (bytes) => {
    if (Date.now() - last < 250) return;
    last = Date.now();
    recent.add(bytes);
    const elapsed = (Date.now() - started) / 1000;
    const rate = recent.perSecond() ?? (elapsed > 0 ? bytes / elapsed : 0);
    // Past the estimate (it is the data's size on disk, not the dump's), the time left is unknown, not zero.
    const eta = estimateBytes > bytes ? recent.eta(bytes, estimateBytes) : null;
    emit({ event: 'progress', step, bytes, estimateBytes, rateBytesPerSecond: Math.round(rate), elapsedSeconds: elapsed, etaSeconds: eta });
  };
}
