// Several `dump | load` pairs side by side: a parallel copy's data streams. Each pair is runCopyPipe, with all its
// checks (both exits, stderr, the end marker, the stall guard); the first pair that fails stops all the others at
// once (SIGKILL), so a failing stream never leaves the rest running against a copy that no longer counts.
import { CopyAborted, runCopyPipe, type Command, type CopyResult, type Side } from './pipe.js';
import type { Throttle } from './throttle.js';

export interface StreamRun {
  /** Named in a failure's message: "shop.orders [1/2]". */
  label: string;
  dump: Command;
  load: Command;
}

export interface StreamsOptions {
  streams: StreamRun[];
  /** Abort kills every pair; the promise then rejects with CopyAborted. */
  signal?: AbortSignal;
  /** The dumps start only once this resolves; the imports start at once (see CopyOptions.dumpGate). */
  dumpGate?: Promise<unknown>;
  secrets?: string[];
  stallTimeoutMs?: number;
  onIdle?: (stream: number, idleMs: number, side: Side) => void;
  servers?: { dump?: string; load?: string };
  /** Bytes and rows (counted from the stream, an estimate for progress only) of one stream so far. */
  onProgress?: (stream: number, bytes: number, rows: number) => void;
  /**
   * Once per stream, when its output shows it has started on its first table (a dump under --single-transaction has
   * opened its consistent snapshot by then), or when it ended without one.
   */
  onOpened?: (stream: number) => void;
  /** Once per stream when it has completed (all its checks passed). */
  onDone?: (stream: number, result: CopyResult & { rows: number }) => void;
  /**
   * The moment one stream's dump or import fails on its own (before the others are stopped and the promise settles):
   * the caller releases GS at once.
   */
  onFailing?: (stream: number) => void;
  /** The children's pids of each stream once spawned. */
  onSpawn?: (stream: number, pids: { dump: number | undefined; load: number | undefined }) => void;
  /** One throttle for every stream: --max-rate is the total across them. */
  throttle?: Throttle;
  /** At most this many pairs at once, in order (default: all side by side); 1: one after another. */
  concurrency?: number;
  /** As each pair starts (with a concurrency, later than the call). */
  onStart?: (stream: number) => void;
}

/** Runs tasks with at most n at a time, in the order they ask. */
function slots(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = n;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/**
 * What a dump writes once its snapshot is open: mysqldump's main() starts the transaction (--single-transaction), then
 * dumps each database, opening it with "-- Current Database:" and "USE" (--databases), then each table's data. Any of
 * these lines means START TRANSACTION WITH CONSISTENT SNAPSHOT has returned; the first is the earliest.
 */
const STARTED_TABLE = /^(-- Current Database:|USE `|-- Dumping data for table|LOCK TABLES|INSERT INTO)/m;
/** A new row in mysqldump's extended INSERT: "),(" (MySQL) or "),\n(" (MariaDB 10.11+ puts each row on a line). */
const ROW_START = /\n\(|\),\(/g;

/** Watches one stream's output: whether it started on a table, and about how many rows it carried. */
class StreamWatch {
  opened = false;
  rows = 0;
  private carry = '';

  constructor(private readonly onOpen: () => void) {}

  push(chunk: Buffer): void {
    // latin1: one char per byte, so a split multi-byte character cannot hide the ASCII patterns.
    const text = this.carry + chunk.toString('latin1');
    if (!this.opened && STARTED_TABLE.test(text)) this.open();
    // An INSERT's first row follows "VALUES " or "VALUES\n": count the statement, then the row separators.
    ROW_START.lastIndex = 0;
    const body = text.slice(this.carry.length > 2 ? this.carry.length - 2 : 0);
    this.rows += (body.match(ROW_START) ?? []).length + (body.match(/^INSERT INTO .* VALUES \(/gm) ?? []).length;
    this.carry = text.slice(-64);
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.onOpen();
  }
}

/**
 * Run every stream at once (or `concurrency` at a time). Resolves with each stream's result when all completed; otherwise rejects with the first
 * failure (its message naming the stream), after every other pair has been killed and has exited.
 */
export async function runStreams(o: StreamsOptions): Promise<Array<CopyResult & { rows: number }>> {
  if (o.signal?.aborted) throw new CopyAborted();
  // One controller per stream: a stream that fails ends its own pair itself (its cause kept); the others are killed.
  const each = o.streams.map(() => new AbortController());
  let first: Error | undefined;
  let failing: number | undefined;
  const stopOthers = (i: number) => {
    if (failing !== undefined) return;
    failing = i;
    each.forEach((c, j) => j !== i && c.abort());
    o.onFailing?.(i);
  };
  const slot = slots(o.concurrency ?? o.streams.length);
  const runs = o.streams.map((s, i) =>
    slot(async () => {
      const watch = new StreamWatch(() => o.onOpened?.(i));
      const signal = o.signal ? AbortSignal.any([o.signal, each[i].signal]) : each[i].signal;
      try {
        // A pair that waited for its turn while another failed never starts.
        if (signal.aborted) throw new CopyAborted();
        o.onStart?.(i);
        const r = await runCopyPipe({
          dump: s.dump,
          load: s.load,
          signal,
          // The failing pair's other side goes quickly too: the copy is lost anyway, and GS waits for nothing.
          killGraceMs: 300,
          dumpGate: o.dumpGate,
          onFailed: () => stopOthers(i),
          secrets: o.secrets,
          stallTimeoutMs: o.stallTimeoutMs,
          servers: o.servers,
          onIdle: o.onIdle ? (ms, side) => o.onIdle!(i, ms, side) : undefined,
          onSpawn: (pids) => o.onSpawn?.(i, pids),
          onChunk: (chunk) => watch.push(chunk),
          onProgress: (bytes) => o.onProgress?.(i, bytes, watch.rows),
          throttle: o.throttle,
        });
        watch.open();
        const done = { ...r, rows: watch.rows };
        o.onDone?.(i, done);
        return done;
      } catch (err) {
        // The cause is the stream that failed first on its own; the ones we stopped because of it end in CopyAborted.
        const stopped = err instanceof CopyAborted && failing !== undefined && failing !== i;
        if (first === undefined && !stopped && !(o.signal?.aborted ?? false)) {
          first = err as Error;
          first.message = `stream ${s.label}: ${first.message}`;
        }
        stopOthers(i);
        throw err;
      }
    }),
  );
  const settled = await Promise.allSettled(runs);
  if (o.signal?.aborted) throw new CopyAborted();
  if (first) throw first;
  return settled.map((r) => (r as PromiseFulfilledResult<CopyResult & { rows: number }>).value);
}
