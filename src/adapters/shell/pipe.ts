// The copy: `dump | load` as two processes spawned without a shell and joined with stream.pipeline, so the data
// streams through with bounded memory. It counts as complete only when both exit 0, the dump's end marker came
// through, and the import wrote no error.
import { spawn, type ChildProcess } from 'node:child_process';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface Command {
  command: string;
  args: string[];
}

export interface CopyResult {
  bytes: number;
  seconds: number;
}

export class CopyFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyFailed';
  }
}

export interface CopyOptions {
  dump: Command;
  load: Command;
  onProgress?: (bytes: number) => void;
  /** Each chunk as it passes (for a header watcher). */
  onChunk?: (chunk: Buffer) => void;
  onSpawn?: (pids: { dump: number; load: number }) => void;
  signal?: AbortSignal;
  endMarker?: RegExp;
}

const STDERR_KEEP = 64 * 1024;

function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    text = (text + d.toString('utf8')).slice(-STDERR_KEEP);
  });
  return () => text;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

const lastLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => !/^(mysqldump|mariadb-dump|mysql|mariadb): \[Warning\]/.test(l))
    .pop() ?? '';

/** Counts bytes and watches for the end marker across chunk boundaries, keeping only a short tail. */
class Meter extends Transform {
  bytes = 0;
  sawEnd = false;
  private tail = '';
  constructor(
    private readonly marker: RegExp,
    private readonly onProgress?: (bytes: number) => void,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.onChunk?.(chunk);
    this.onProgress?.(this.bytes);
    const text = this.tail + chunk.toString('latin1');
    if (this.marker.test(text)) this.sawEnd = true;
    this.tail = text.slice(-256);
    cb(null, chunk);
  }
}

export async function runCopyPipe(o: CopyOptions): Promise<CopyResult> {
  const started = Date.now();
  const opts = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], shell: false };
  const dump = spawn(o.dump.command, o.dump.args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn(o.load.command, o.load.args, opts);
  const spawnError = new Promise<never>((_, reject) => {
    dump.once('error', (e) => reject(new CopyFailed(`could not start ${o.dump.command}: ${e.message}`)));
    load.once('error', (e) => reject(new CopyFailed(`could not start ${o.load.command}: ${e.message}`)));
  });
  spawnError.catch(() => undefined);
  o.onSpawn?.({ dump: dump.pid ?? -1, load: load.pid ?? -1 });
  const dumpErr = collectStderr(dump);
  const loadErr = collectStderr(load);
  const meter = new Meter(o.endMarker ?? /\n-- Dump completed/, o.onProgress, o.onChunk);

  // If either side dies, the other must not linger: a dump writing into nothing, or an import waiting forever.
  const stopBoth = (signal: NodeJS.Signals) => {
    kill(dump, signal);
    kill(load, signal);
  };
  const onAbort = () => stopBoth('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  const dumpExit = exited(dump);
  const loadExit = exited(load);
  dumpExit.then((r) => {
    if (r.code !== 0) setTimeout(() => kill(load, 'SIGTERM'), 100);
  });
  loadExit.then((r) => {
    if (r.code !== 0) {
      kill(dump, 'SIGTERM');
      setTimeout(() => kill(dump, 'SIGKILL'), 2000).unref();
    }
  });

  // EPIPE on the import's stdin when it died early is reported through its exit status, not here.
  load.stdin!.on('error', () => undefined);
  const flow = pipeline(dump.stdout!, meter, load.stdin!).catch(() => undefined);
  try {
    await Promise.race([Promise.all([flow, dumpExit, loadExit]), spawnError]);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  const [d, l] = await Promise.all([dumpExit, loadExit]);
  if (o.signal?.aborted) throw new CopyFailed('the copy was stopped (interrupted)');
  const describe = (name: string, r: { code: number | null; signal: NodeJS.Signals | null }, err: string) =>
    `${name} ${r.signal ? `was killed (${r.signal})` : `exited ${r.code}`}${lastLine(err) ? `: ${lastLine(err)}` : ''}`;
  if (d.code !== 0) throw new CopyFailed(describe(o.dump.command, d, dumpErr()));
  if (l.code !== 0) throw new CopyFailed(describe(o.load.command, l, loadErr()));
  const importError = loadErr()
    .split('\n')
    .find((line) => /^ERROR\b|\bERROR \d+/.test(line));
  if (importError) throw new CopyFailed(`${o.load.command} reported an error: ${importError}`);
  if (!meter.sawEnd) throw new CopyFailed(`${o.dump.command} exited 0 but its output did not end with "-- Dump completed": the dump is incomplete`);
  return { bytes: meter.bytes, seconds: (Date.now() - started) / 1000 };
}
