// Progress of a parallel copy, across its streams: bytes, rows against the estimated rows, the slowest stream and an
// ETA, as one `progress` event (the renderers draw it; --json hands it over as it is).
import type { CopyStream } from '../recovery/actions.js';
import type { RunEvent } from '../recovery/events.js';

interface Track {
  label: string;
  bytes: number;
  rows: number;
  estimateRows: number;
  estimateBytes: number;
  done: boolean;
}

export class StreamsProgress {
  private readonly tracks: Track[];
  private readonly started = Date.now();
  private last = 0;
  /** When GS's read lock was taken (classic: before the copy; online: while the snapshots open). */
  lockedSince?: number;

  constructor(
    streams: CopyStream[],
    private readonly step: number,
    private readonly emit: (e: RunEvent) => void,
    /** Bytes already copied before these streams (the schema phase). */
    private readonly before = 0,
  ) {
    this.tracks = streams.map((s) => ({ label: s.label, bytes: 0, rows: 0, estimateRows: s.estimateRows, estimateBytes: s.estimateBytes, done: false }));
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

  /** Seconds until a stream ends at its own rate so far (rows if it has an estimate, else bytes); null: unknown. */
  private eta(t: Track, elapsed: number): number | null {
    if (t.done) return 0;
    if (elapsed <= 0) return null;
    if (t.estimateRows > 0 && t.rows > 0) return Math.max(0, (t.estimateRows - t.rows) / (t.rows / elapsed));
    if (t.estimateBytes > 0 && t.bytes > 0) return Math.max(0, (t.estimateBytes - t.bytes) / (t.bytes / elapsed));
    return null;
  }

  send(): void {
    this.last = Date.now();
    const elapsed = (Date.now() - this.started) / 1000;
    const etas = this.tracks.map((t) => this.eta(t, elapsed));
    const known = etas.filter((e): e is number => e !== null);
    const slowestAt = etas.reduce<number>((best, e, i) => ((e ?? -1) > (etas[best] ?? -1) ? i : best), 0);
    const bytes = this.bytes;
    this.emit({
      event: 'progress',
      step: this.step,
      bytes,
      estimateBytes: this.before + this.tracks.reduce((s, t) => s + t.estimateBytes, 0),
      rateBytesPerSecond: elapsed > 0 ? Math.round(bytes / elapsed) : 0,
      elapsedSeconds: elapsed,
      // The copy ends with its slowest stream; unknown while some stream has no rate yet.
      etaSeconds: known.length === etas.length && known.length > 0 ? Math.max(...known) : null,
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
 * rate so far and an ETA against the estimate (null when there is none).
 */
export function streamProgress(step: number, estimateBytes: number, emit: (e: RunEvent) => void): (bytes: number) => void {
  const started = Date.now();
  let last = 0;
  return (bytes) => {
    if (Date.now() - last < 250) return;
    last = Date.now();
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    const eta = rate > 0 && estimateBytes > bytes ? (estimateBytes - bytes) / rate : null;
    emit({ event: 'progress', step, bytes, estimateBytes, rateBytesPerSecond: Math.round(rate), elapsedSeconds: elapsed, etaSeconds: eta });
  };
}
