// The copy: `dump | load` as two processes spawned without a shell and joined with stream.pipeline, so the data
// streams through with bounded memory (backpressure, nothing accumulated). In a shell pipe a failed dump does not
// fail the import; here the copy counts as complete only when both exit 0, the dump's end marker came through, and
// the import wrote no ERROR line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGzip } from 'node:zlib';
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { clientEnv } from './client-env.js';
import { formatByteCount, formatSeconds, ioCounter, StallGuard, type Side } from './stall-guard.js';
import { ThrottleTransform, type Throttle } from './throttle.js';

export interface Command {
  command: string;
  args: string[];
  /** A program the command runs under (`stdbuf -o64K`): spawned first, with the command after it; named as the command. */
  via?: string[];
  /** Environment for the child (default: inherited). */
  env?: NodeJS.ProcessEnv;
}

export type { Side } from './stall-guard.js';
export { IDLE_NOTICE_AFTER_MS } from './stall-guard.js';

export interface CopyOptions {
  dump: Command;
  load: Command;
  /** Total bytes so far, after every chunk. */
  onProgress?: (bytes: number) => void;
  /** Each chunk as it passes (for a DumpHeaderWatcher). Must not keep it. */
  onChunk?: (chunk: Buffer) => void;
  /** The children's pids once spawned (undefined for one that could not start). */
  onSpawn?: (pids: { dump: number | undefined; load: number | undefined }) => void;
  /** Abort kills both at once (SIGKILL); the promise then rejects with CopyAborted once both are gone. */
  signal?: AbortSignal;
  /** Found in the last 4 KB of the stream = the dump finished writing (default: a "-- Dump completed" line). */
  endMarker?: RegExp;
  /** Strings to mask if they ever show up in a message (the passwords in the option files). */
  secrets?: string[];
  /** Between SIGTERM and SIGKILL when one side died and the other must go. */
  killGraceMs?: number;
  /**
   * Fail with CopyStalled when no byte has moved through the pipe for this long: both programs are killed at once, as
   * on abort. Undefined or 0: no bound. It must exceed the longest single statement the import runs (an index build,
   * ALTER TABLE … ENABLE KEYS on a large MyISAM table), during which the import legitimately reads nothing.
   */
  stallTimeoutMs?: number;
  /**
   * For a status line ("no data for 20 s"): called about once a second once no byte has moved for 5 s, with how long
   * and which side looks idle. Works with or without stallTimeoutMs; what it throws is ignored.
   */
  onIdle?: (idleMs: number, side: Side) => void;
  /** The servers behind each side, named in a stall's message (default: GS for the dump, BS for the import). */
  servers?: { dump?: string; load?: string };
  /** The dump starts only once this resolves (the import has started already); a rejection ends the copy with it. */
  dumpGate?: Promise<unknown>;
  /**
   * A side failed on its own (exited non-zero or was killed, not by us), called at once, before the other side has
   * been stopped and the promise settles: parallel streams stop each other on it.
   */
  onFailed?: (side: Side) => void;
  /**
   * --max-rate / --max-load / the control socket: the bytes pass the throttle between the meter and the import, so a
   * cap or a pause holds the dump back (backpressure) without delaying what the meter watches (the dump's header, a
   * parallel stream's first USE line). While the throttle holds a chunk, the stall guard does not count the time.
   */
  throttle?: Throttle;
}

export interface CopyResult {
  bytes: number;
  seconds: number;
  /** The last ~64 KB of each side's stderr (warnings), for the log. */
  dumpStderr: string;
  loadStderr: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class CopyFailed extends Error {
  constructor(
    message: string,
    /** The side that failed first (undefined: the stream between them failed). */
    readonly side?: Side,
    readonly status?: ExitStatus,
  ) {
    super(message);
    this.name = 'CopyFailed';
  }
}

/**
 * No byte moved through the pipe for `stallTimeoutMs`: one side stopped answering (its server frozen, a network path
 * dropping packets). `side` is the one holding the copy up: 'dump' when the dump produced nothing while everything it
 * had sent was taken by the import; 'load' when the import took nothing, so what the dump sent waits in front of it.
 */
export class CopyStalled extends CopyFailed {
  declare readonly side: Side;
  constructor(
    message: string,
    side: Side,
    /** How long nothing had moved when the copy was stopped. */
    readonly idleMs: number,
    /** Bytes read from the dump, and how many of them the import (or the file) had taken. */
    readonly bytes: { read: number; delivered: number },
  ) {
    super(message, side);
    this.name = 'CopyStalled';
  }
}

/** Shaped like the DOMException fetch() and timers/promises throw, so `err.name === 'AbortError'` checks work. */
export class CopyAborted extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'the copy was stopped (aborted); both programs were killed') {
    super(message);
    this.name = 'AbortError';
  }
}

export const DEFAULT_END_MARKER = /^-- Dump completed/m;
const STDERR_KEEP = 64 * 1024;
/** How many final bytes of the dump are searched for its completion marker. */
const MARKER_CARRY = 4096;

/** Mask passwords that could appear in stderr: known secrets, `password=…`, `IDENTIFIED BY '…'`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('********');
  return out
    .replace(/\b(password|pwd|passwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2********')
    .replace(/\b(IDENTIFIED\s+(?:BY|VIA\s+\w+\s+USING)(?:\s+PASSWORD)?\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/gi, "$1'********'");
}

/** Keeps the last STDERR_KEEP characters of a stream and the first ERROR line, whenever it came. */
class StderrTail {
  text = '';
  firstError?: string;
  private partial = '';

  push(s: string): void {
    this.text = (this.text + s).slice(-STDERR_KEEP);
    const lines = (this.partial + s).split('\n');
    this.partial = lines.pop()!.slice(-STDERR_KEEP);
    for (const l of lines) this.check(l);
  }

  end(): void {
    this.check(this.partial);
    this.partial = '';
  }

  private check(line: string): void {
    // The clients print "ERROR 1064 (42000) at line 5: …"; in --batch mode nothing else starts with ERROR.
    if (this.firstError === undefined && /^ERROR\b/.test(line)) this.firstError = line.slice(0, 2000);
  }

  /** The last line that says something: not a [Warning], not the deprecated-program-name notice. */
  lastLine(): string {
    const lines = this.text.split('\n').map((l) => l.trim());
    return lines.filter((l) => l && !/\[Warning\]|Deprecated program name/i.test(l)).pop() ?? '';
  }
}

/** Counts bytes and watches for the end marker across chunk boundaries, keeping only a short tail. */
class Meter extends Transform {
  bytes = 0;
  sawEnd = false;
  /** A callback (onChunk/onProgress) threw: the copy cannot be trusted. */
  error?: Error;
  /** The last bytes of the stream: the completion marker must be on one of its final lines, so only they are searched. */
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly marker: RegExp,
    private readonly onProgress?: (bytes: number) => void,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      this.onChunk?.(chunk);
      this.onProgress?.(this.bytes);
      this.tail = chunk.length >= MARKER_CARRY ? chunk.subarray(chunk.length - MARKER_CARRY) : Buffer.concat([this.tail, chunk]).subarray(-MARKER_CARRY);
      cb(null, chunk);
    } catch (err) {
      this.error = err as Error;
      cb(this.error);
    }
  }

  override _flush(cb: TransformCallback): void {
    // latin1: one char per byte. A tail that does not reach back to the stream's start may begin mid-line: a NUL
    // there keeps `^` from matching inside that cut line.
    const whole = this.bytes <= MARKER_CARRY;
    this.marker.lastIndex = 0;
    this.sawEnd = this.marker.test((whole ? '\n' : '\0') + this.tail.toString('latin1'));
    cb();
  }
}

interface Proc {
  side: Side;
  name: string;
  child: ChildProcess;
  stderr: StderrTail;
  exited: Promise<void>;
  status?: ExitStatus;
  spawnError?: Error;
  killedByUs: boolean;
  /** The signals we sent it: a side that died of another signal was killed by someone else, whatever we sent after. */
  sent: Set<NodeJS.Signals>;
  /** Order of exit, to tell cause from consequence. */
  seq: number;
}

function start(side: Side, c: Command, stdin: 'pipe' | 'ignore'): Proc {
  const [program, ...argv] = c.via?.length ? [...c.via, c.command, ...c.args] : [c.command, ...c.args];
  const child = spawn(program, argv, { stdio: [stdin, side === 'dump' ? 'pipe' : 'ignore', 'pipe'], shell: false, env: c.env ?? clientEnv() });
  const p: Proc = { side, name: basename(c.command), child, stderr: new StderrTail(), exited: Promise.resolve(), killedByUs: false, sent: new Set(), seq: 0 };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => p.stderr.push(s));
  p.exited = new Promise((resolve) => {
    // 'close' comes after stderr has been read to its end; a spawn failure may bring 'error' without it.
    child.once('close', (code, signal) => {
      p.status ??= { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      if (child.pid === undefined) {
        p.spawnError = err;
        p.status ??= { code: null, signal: null };
        resolve();
      }
    });
  });
  return p;
}

const running = (p: Proc) => p.status === undefined && p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined;
const failed = (p: Proc) => p.spawnError !== undefined || p.status?.code !== 0;

/** "the dump side, reading GS 10.0.0.1:3306": which server a side was talking to, whatever failed first. */
function sideOf(side: Side, servers: CopyOptions['servers']): string {
  return side === 'dump' ? `the dump side, reading ${servers?.dump ?? 'GS'}` : `the import side, writing to ${servers?.load ?? 'BS'}`;
}

// The dump client's words for an output it could not write to: EPIPE (32) or ECONNRESET (104) on its stdout.
const WRITE_FAILED = /Got errno (32|104) on write|Broken pipe|Connection reset by peer/i;

// The client's words for a server that went away under it (CR_SERVER_LOST 2013, CR_SERVER_GONE_ERROR 2006).
const LOST = /\b(2013|2006)\b|Lost connection|server has gone away/i;

// A server closes the connection on a statement above its max_allowed_packet (the client then says 2006), or says 1153.
const PACKET = /\b(2006|1153)\b|gone away|max_allowed_packet/i;

function packetHint(side: Side, line: string): string {
  if (side !== 'load' || !PACKET.test(line)) return '';
  return '. If BS is still up, a row larger than its max_allowed_packet ends an import this way: raise it on BS (SET GLOBAL max_allowed_packet = 1073741824) and --resume';
}

function describeExit(p: Proc, secrets: readonly string[], servers: CopyOptions['servers']): string {
  if (p.spawnError) return `could not start ${p.name}: ${redact(p.spawnError.message, secrets)} (${sideOf(p.side, servers)})`;
  const s = p.status!;
  const how = s.signal ? `was killed (${s.signal})` : `exited ${s.code}`;
  const line = redact(p.stderr.lastLine(), secrets);
  if (LOST.test(line)) return `${sideOf(p.side, servers)}, lost its connection: ${p.name} ${how}: ${line}${packetHint(p.side, line)}`;
  return `${p.name} ${how}${line ? `: ${line}` : ''} (${sideOf(p.side, servers)})${packetHint(p.side, line)}`;
}

/**
 * Run `dump | load`. Resolves only when both have exited and the copy is complete; otherwise rejects with CopyFailed
 * (which side, exit code or signal, last stderr line; never a password) or CopyAborted.
 */
export async function runCopyPipe(o: CopyOptions): Promise<CopyResult> {
  if (o.signal?.aborted) throw new CopyAborted();
  const started = Date.now();
  const secrets = o.secrets ?? [];
  const grace = o.killGraceMs ?? 2000;
  const timers: NodeJS.Timeout[] = [];
  let seq = 0;
  let aborted = false;

  // The import first: with a gate, it starts (and connects to BS) before the dump may, so that only the dump's own
  // start falls inside whatever the gate waits for (GS's read lock while parallel streams open their snapshots).
  const load = start('load', o.load, 'pipe');
  if (o.dumpGate) {
    const gateAbort = new Promise<'aborted'>((resolve) => o.signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
    const gate = await Promise.race([o.dumpGate.then(() => 'open' as const), gateAbort]).catch((err: unknown) => err as Error);
    if (gate !== 'open' || o.signal?.aborted) {
      if (running(load)) load.child.kill('SIGKILL');
      await load.exited;
      throw gate instanceof Error ? gate : new CopyAborted();
    }
  }
  const dump = start('dump', o.dump, 'ignore');
  o.onSpawn?.({ dump: dump.child.pid, load: load.child.pid });

  // A dump that failed writing into a pipe whose reader had gone ("Got errno 104 on write": Node's end of the pipe is a
  // socket, closed when the import died) failed because of the import, whichever exit reached us first.
  const wroteIntoNothing = (p: Proc) => p.side === 'dump' && failed(p) && WRITE_FAILED.test(p.stderr.text);
  const kill = (p: Proc, signal: NodeJS.Signals) => {
    if (!running(p)) return;
    p.killedByUs = true;
    p.sent.add(signal);
    p.child.kill(signal);
  };
  // SIGTERM lets a client close its connection cleanly; SIGKILL makes sure it is gone.
  const terminate = (p: Proc) => {
    if (!running(p)) return;
    kill(p, 'SIGTERM');
    timers.push(setTimeout(() => kill(p, 'SIGKILL'), grace));
  };
  let guard: StallGuard | undefined;
  const onAbort = () => {
    aborted = true;
    guard?.stop();
    kill(dump, 'SIGKILL');
    kill(load, 'SIGKILL');
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });

  // If either side dies the other must not linger: an import waiting for input that will never come, or a dump
  // (holding GS's lock) writing into nothing. A dump that exits 0 is left alone: the import finishes the rest.
  const failedOnItsOwn = (p: Proc) => {
    if (!failed(p) || p.killedByUs || aborted) return;
    try {
      o.onFailed?.(p.side);
    } catch {
      /* a notice only */
    }
  };
  void dump.exited.then(() => {
    dump.seq = ++seq;
    if (wroteIntoNothing(dump)) {
      // The import stopped reading first: it is the cause, and is given the grace to exit with its own error.
      guard?.stop();
      timers.push(setTimeout(() => terminate(load), grace));
      return;
    }
    failedOnItsOwn(dump);
    if (failed(dump)) {
      guard?.stop();
      terminate(load);
    }
  });
  void load.exited.then(() => {
    load.seq = ++seq;
    failedOnItsOwn(load);
    guard?.stop();
    terminate(dump);
  });

  const meter = new Meter(o.endMarker ?? DEFAULT_END_MARKER, o.onProgress, o.onChunk);
  const throttled = o.throttle ? new ThrottleTransform(o.throttle, o.signal) : undefined;
  const stdin = load.child.stdin;
  // Bytes between the dump and the import that the import has not taken yet: in the meter and in the writable to its
  // stdin (which counts a chunk until the kernel has accepted all of it, i.e. until the import read enough to make room).
  const waiting = () => meter.readableLength + meter.writableLength + (stdin?.writableLength ?? 0);
  const delivered = () => meter.bytes - meter.readableLength - (stdin?.writableLength ?? 0);
  // Which side holds the copy up. Backpressure is the import's doing: its stdin needs draining, bytes wait in front of
  // it, or the dump's output was paused because of that. Nothing waiting while the dump still runs: the dump produced
  // nothing. Once the dump has exited, only the import can be holding things up.
  const idleSide = (): Side => {
    if (waiting() > 0 || stdin?.writableNeedDrain || dump.child.stdout?.isPaused()) return 'load';
    return running(dump) ? 'dump' : 'load';
  };
  let stalled: CopyStalled | undefined;
  if (o.stallTimeoutMs || o.onIdle) {
    // Movement is what Node sees (bytes read from the dump, bytes handed to the import) plus the import's own I/O:
    // it may be reading what sits in the pipe's kernel buffer, which Node cannot see. The dump's output needs no such
    // help: Node reads all of it unless the import holds it back.
    const loadIo = ioCounter(load.child.pid);
    guard = new StallGuard({
      timeoutMs: o.stallTimeoutMs,
      onIdle: o.onIdle,
      held: throttled ? () => throttled.waiting : undefined,
      progress: () => meter.bytes + delivered() + loadIo(),
      idleSide,
      onStall: (idleMs, side) => {
        stalled = stallError(
          o,
          side,
          idleMs,
          { read: meter.bytes, delivered: delivered(), waiting: waiting(), dumpEnded: !running(dump) },
          dump.name,
          load.name,
        );
        // Nothing clean is left to do for a program that stopped answering, and SIGTERM would wait on a stopped one.
        kill(dump, 'SIGKILL');
        kill(load, 'SIGKILL');
      },
    });
  }
  let flowError: NodeJS.ErrnoException | undefined;
  // EPIPE when the import died early is explained by its exit status; a throwing callback stops both.
  load.child.stdin?.on('error', () => undefined);
  const flow =
    dump.child.stdout && load.child.stdin
      ? (throttled ? pipeline(dump.child.stdout, meter, throttled, load.child.stdin) : pipeline(dump.child.stdout, meter, load.child.stdin)).catch(
          (err: NodeJS.ErrnoException) => {
            flowError = err;
            if (meter.error) {
              terminate(dump);
              terminate(load);
            }
          },
        )
      : Promise.resolve();

  try {
    await Promise.all([flow, dump.exited, load.exited]);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    guard?.stop();
    for (const t of timers) clearTimeout(t);
  }
  dump.stderr.end();
  load.stderr.end();

  if (aborted) throw new CopyAborted();
  // The guard stops at the first failure exit, so a stall is the cause: what failed after it, we killed.
  if (stalled) throw stalled;
  const fail = (msg: string, p?: Proc) => new CopyFailed(msg, p?.side, p?.status);
  if (meter.error) throw fail(`the stream between ${dump.name} and ${load.name} failed: ${redact(meter.error.message, secrets)}`);

  // The cause is the side that failed on its own, first; a side we killed, a dump killed by SIGPIPE or failing to write
  // because the import had gone, is a consequence (its exit can reach us before the import's).
  // A side we signalled that died of a signal we did not send (a dump SIGKILLed by someone else, whose exit reached us
  // after the import's clean EOF exit had made us SIGTERM it) is the cause all the same.
  const killedByOthers = (p: Proc) => p.status?.signal != null && !p.sent.has(p.status.signal) && p.status.signal !== 'SIGPIPE';
  const consequence = (p: Proc) =>
    (p.killedByUs && !killedByOthers(p)) ||
    (p.side === 'dump' && (p.status?.signal === 'SIGPIPE' || (wroteIntoNothing(p) && (failed(load) || flowError !== undefined))));
  const failures = [dump, load].filter(failed).sort((a, b) => a.seq - b.seq);
  const cause = failures.find((p) => !consequence(p));
  if (cause) throw fail(describeExit(cause, secrets, o.servers), cause);
  if (failures.length > 0) {
    // Only consequences: the import ended (exit 0) or stopped reading while the dump was still writing.
    const how = failed(load) ? 'stopped reading its input' : 'exited 0';
    throw fail(`${load.name} ${how} before the dump ended, so ${dump.name} was stopped; the copy is incomplete (${sideOf('load', o.servers)})`, load);
  }
  if (flowError) {
    throw fail(
      `${load.name} stopped reading before the dump ended (${flowError.code ?? flowError.message}); the copy is incomplete (${sideOf('load', o.servers)})`,
      load,
    );
  }
  if (load.stderr.firstError !== undefined)
    throw fail(`${load.name} reported an error: ${redact(load.stderr.firstError, secrets)} (${sideOf('load', o.servers)})`, load);
  if (!meter.sawEnd) {
    throw fail(
      `${dump.name} exited 0 but its output did not end with its completion marker ("-- Dump completed"): the dump is incomplete (${sideOf('dump', o.servers)})`,
      dump,
    );
  }
  return { bytes: meter.bytes, seconds: (Date.now() - started) / 1000, dumpStderr: dump.stderr.text, loadStderr: load.stderr.text };
}

interface StallFacts {
  read: number;
  delivered: number;
  waiting: number;
  dumpEnded: boolean;
}

/** "no data moved for 5 s: the import on BS consumed nothing (BS stopped answering); …" */
function stallError(
  o: Pick<CopyOptions, 'stallTimeoutMs' | 'servers'>,
  side: Side,
  idleMs: number,
  f: StallFacts,
  dumpName: string,
  loadName: string,
): CopyStalled {
  const gs = o.servers?.dump ?? 'GS';
  const bs = o.servers?.load ?? 'BS';
  const head = `no data moved for ${formatSeconds(o.stallTimeoutMs ?? idleMs)}`;
  const read = `${formatByteCount(f.read)} read from ${dumpName}`;
  let msg: string;
  if (side === 'dump') {
    msg = `${head}: the dump from ${gs} produced nothing (${gs} stopped answering); ${read}, all of it taken by ${loadName}`;
  } else if (f.dumpEnded && f.waiting === 0) {
    msg = `${head}: the dump ended but the import on ${bs} did not finish (${bs} stopped answering); ${read}, all of it taken by ${loadName}`;
  } else {
    msg = `${head}: the import on ${bs} consumed nothing (${bs} stopped answering); ${read}, ${formatByteCount(f.waiting)} of it waiting for ${loadName}`;
  }
  return new CopyStalled(msg, side, idleMs, { read: f.read, delivered: f.delivered });
}

export interface DumpToFileOptions {
  dump: Command;
  /** Written with mode 0600; gzip-compressed when the name ends in .gz. */
  file: string;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  secrets?: string[];
  /** The dump's pid once spawned (undefined if it could not start). */
  onSpawn?: (pid: number | undefined) => void;
  /** As in runCopyPipe: fail with CopyStalled when no byte has moved for this long ('load' is the file here). */
  stallTimeoutMs?: number;
  onIdle?: (idleMs: number, side: Side) => void;
  /** The server the dump reads, named in a stall's message (default "the server"). */
  server?: string;
}

/**
 * `dump | gzip > file`, streamed (bounded memory) and checked like the copy: the dump exited 0, its completion
 * marker came through and it wrote no ERROR. A file from a failed dump is removed, so no half backup is left to trust.
 */
export async function runDumpToFile(o: DumpToFileOptions): Promise<{ bytes: number; fileBytes: number; seconds: number }> {
  if (o.signal?.aborted) throw new CopyAborted();
  const started = Date.now();
  const secrets = o.secrets ?? [];
  const dump = start('dump', o.dump, 'ignore');
  o.onSpawn?.(dump.child.pid);
  let guard: StallGuard | undefined;
  const onAbort = () => {
    guard?.stop();
    dump.child.kill('SIGKILL');
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const meter = new Meter(DEFAULT_END_MARKER, o.onProgress);
  const out = createWriteStream(o.file, { mode: 0o600 });
  const stages: NodeJS.ReadWriteStream[] = o.file.endsWith('.gz') ? [createGzip()] : [];
  let flowError: Error | undefined;
  const flow = dump.child.stdout ? pipeline(dump.child.stdout, meter, ...stages, out).catch((err: Error) => void (flowError = err)) : Promise.resolve();

  // A stalled disk can leave a write pending in libuv's thread pool forever, and the pipeline with it: on a stall the
  // result does not wait for the flow, only for the dump to be gone.
  let onStalled: () => void = () => undefined;
  const stalledOut = new Promise<void>((resolve) => (onStalled = resolve));
  let stalled: CopyStalled | undefined;
  if (o.stallTimeoutMs || o.onIdle) {
    // Bytes the dump sent that have not reached the file yet (in the meter, the gzip stage, the file's write queue).
    const waiting = () =>
      meter.readableLength +
      meter.writableLength +
      stages.reduce((n, s) => n + (s as unknown as Duplex).writableLength + (s as unknown as Duplex).readableLength, 0) +
      out.writableLength;
    guard = new StallGuard({
      timeoutMs: o.stallTimeoutMs,
      onIdle: o.onIdle,
      // out.bytesWritten grows only when a write to the file has completed.
      progress: () => meter.bytes + out.bytesWritten,
      idleSide: () => (waiting() > 0 || out.writableNeedDrain || dump.child.stdout?.isPaused() || !running(dump) ? 'load' : 'dump'),
      onStall: (idleMs, side) => {
        const server = o.server ?? 'the server';
        const head = `no data moved for ${formatSeconds(o.stallTimeoutMs ?? idleMs)}`;
        const read = `${formatByteCount(meter.bytes)} read from ${dump.name}`;
        const msg =
          side === 'dump'
            ? `${head}: the dump from ${server} produced nothing (${server} stopped answering); ${read}, all of it written to ${o.file}`
            : `${head}: writing ${o.file} made no progress (the disk under it stopped answering); ${read}, ${formatByteCount(waiting())} of it not written yet`;
        stalled = new CopyStalled(msg, side, idleMs, { read: meter.bytes, delivered: out.bytesWritten });
        dump.child.kill('SIGKILL');
        const err = new Error('stalled');
        meter.destroy(err);
        out.destroy(err);
        onStalled();
      },
    });
  }
  try {
    await Promise.all([Promise.race([flow, stalledOut]), dump.exited]);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    guard?.stop();
    dump.stderr.end();
  }
  const fail = (msg: string) => {
    rmSync(o.file, { force: true });
    return new CopyFailed(msg, 'dump', dump.status);
  };
  if (o.signal?.aborted) {
    rmSync(o.file, { force: true });
    throw new CopyAborted();
  }
  if (stalled) {
    // Not waited for when the disk is what stopped: the removal could hang on it too.
    if (stalled.side === 'load') void rm(o.file, { force: true }).catch(() => undefined);
    else rmSync(o.file, { force: true });
    throw stalled;
  }
  if (failed(dump)) throw fail(describeExit(dump, secrets, { dump: o.server ?? 'the server' }));
  if (flowError) throw fail(`writing ${o.file} failed: ${redact(flowError.message, secrets)}`);
  if (dump.stderr.firstError !== undefined) throw fail(`${dump.name} reported an error: ${redact(dump.stderr.firstError, secrets)}`);
  if (!meter.sawEnd) throw fail(`${dump.name} exited 0 but its output did not end with its completion marker: the backup is incomplete`);
  return { bytes: meter.bytes, fileBytes: statSync(o.file).size, seconds: (Date.now() - started) / 1000 };
}
