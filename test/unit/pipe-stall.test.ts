// The stall guard with real processes (small shell programs and node scripts standing in for the dump and import
// programs, some of them SIGSTOPped as a frozen server's client would be): a copy in which no byte moves is stopped
// within the bound, names the side that stopped answering, and leaves no process behind; a slow copy that keeps moving
// is left alone. Where a side must have started before the bound runs out, it is a shell program: a node child can
// take seconds to start on a machine busy with the whole suite, and a dump that has not started produced nothing.
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { constants, existsSync, mkdtempSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyFailed, CopyStalled, runCopyPipe, runDumpToFile, type Command, type Side } from '../../src/adapters/shell/pipe.js';

const MARKER = '-- Dump completed on 2026-11-25 03:00:00\n';
const sh = (script: string): Command => ({ command: 'sh', args: ['-c', script] });
/** `exec`: the pid we are given is the program that holds the pipe, so killing it closes the pipe. */
const forever = 'exec sleep 600';
/** Writes without end, as fast as the pipe takes it. */
const flood: Command = { command: 'yes', args: ['INSERT INTO t VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);'] };
/** Writes a few KB, then produces nothing more and never exits: a dump whose server froze. */
const dumpThenSilence = sh(`seq 1 2000; ${forever}`);
/** Reads everything and throws it away. */
const discard: Command = { command: 'cat', args: [] };
/** Reads one chunk, then reads nothing more and never exits (its stdin stays open): an import whose server froze. */
const readOnceThenStop = sh(`head -c 1 >/dev/null; ${forever}`);

const stopped = new Set<number>();
const stop = (pid: number) => {
  stopped.add(pid);
  process.kill(pid, 'SIGSTOP');
};

const gone = (pid: number | undefined) => {
  expect(pid).toBeTypeOf('number');
  expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
};

/** When bytes last came through: a stall is timed from there (child start-up takes a while on a busy machine). */
function lastByte() {
  let at = Date.now();
  return { onProgress: () => void (at = Date.now()), since: () => Date.now() - at };
}

/**
 * Never before the bound; after it, within a sampling tick, the kill and the exits, plus what a machine busy with the
 * whole suite (two lab pairs and a dozen of these children on two cores) adds to the event loop: 1.5 s in all.
 */
function expectWithinBound(sinceLastByte: number, bound: number) {
  expect(sinceLastByte).toBeGreaterThanOrEqual(bound - 50);
  expect(sinceLastByte).toBeLessThan(bound + 1500);
}

async function stallOf(p: Promise<unknown>): Promise<CopyStalled> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CopyStalled);
  expect(err).toBeInstanceOf(CopyFailed);
  return err as CopyStalled;
}

describe.concurrent('runCopyPipe stall guard', () => {
  it('a dump that stops producing: rejects after the bound naming the dump side (GS), onIdle first, no process left', async () => {
    let pids: { dump?: number; load?: number } = {};
    const idle: Array<{ ms: number; side: Side }> = [];
    const last = lastByte();
    const err = await stallOf(
      runCopyPipe({
        dump: dumpThenSilence,
        load: discard,
        stallTimeoutMs: 6500,
        onIdle: (ms, side) => idle.push({ ms, side }),
        onSpawn: (x) => (pids = x),
        onProgress: last.onProgress,
      }),
    );
    expectWithinBound(last.since(), 6500);
    expect(err.side).toBe('dump');
    expect(err.message).toMatch(/^no data moved for 6\.5 s: the dump from GS produced nothing \(GS stopped answering\)/);
    expect(err.idleMs).toBeGreaterThanOrEqual(6500);
    expect(err.bytes.read).toBeGreaterThan(0);
    expect(err.bytes.delivered).toBe(err.bytes.read);
    // About once a second from 5 s on (so at 5 and 6 s), all before the stall, all blaming the dump.
    expect(idle.length).toBeGreaterThanOrEqual(1);
    expect(idle.length).toBeLessThanOrEqual(3);
    expect(idle[0].ms).toBeGreaterThanOrEqual(5000);
    expect(idle.every((i) => i.side === 'dump' && i.ms < err.idleMs)).toBe(true);
    gone(pids.dump);
    gone(pids.load);
  });

  it('an import that stops consuming: rejects after the bound naming the import side (BS), onIdle first, no process left', async () => {
    let pids: { dump?: number; load?: number } = {};
    const idle: Array<{ ms: number; side: Side }> = [];
    const last = lastByte();
    const err = await stallOf(
      runCopyPipe({
        dump: flood,
        load: readOnceThenStop,
        stallTimeoutMs: 6000,
        onIdle: (ms, side) => idle.push({ ms, side }),
        onSpawn: (x) => (pids = x),
        onProgress: last.onProgress,
      }),
    );
    expectWithinBound(last.since(), 6000);
    expect(err.side).toBe('load');
    expect(err.message).toMatch(/^no data moved for 6 s: the import on BS consumed nothing \(BS stopped answering\); .* waiting for sh/);
    expect(err.bytes.read).toBeGreaterThan(err.bytes.delivered);
    expect(idle.length).toBeGreaterThanOrEqual(1);
    expect(idle[0].ms).toBeGreaterThanOrEqual(5000);
    expect(idle.every((i) => i.side === 'load')).toBe(true);
    gone(pids.dump);
    gone(pids.load);
  });

  it('a SIGSTOPped import (its server frozen mid-copy): the import side, within the bound', async () => {
    let pids: { dump?: number; load?: number } = {};
    const last = lastByte();
    // Stopped once the copy runs at full speed: from then on the dump can only fill the buffers in front of it.
    const p = runCopyPipe({
      dump: flood,
      load: discard,
      stallTimeoutMs: 2000,
      servers: { dump: 'A', load: 'B' },
      onSpawn: (x) => (pids = x),
      onProgress: (bytes) => {
        last.onProgress();
        if (bytes >= 4 << 20 && pids.load && !stopped.has(pids.load)) stop(pids.load);
      },
    });
    const err = await stallOf(p);
    expectWithinBound(last.since(), 2000);
    expect(err.side).toBe('load');
    expect(err.message).toMatch(/the import on B consumed nothing \(B stopped answering\)/);
    expect(err.bytes.read).toBeGreaterThanOrEqual(4 << 20);
    gone(pids.dump);
    gone(pids.load);
  });

  it('a SIGSTOPped dump: the dump side, within the bound', async () => {
    let pids: { dump?: number; load?: number } = {};
    const last = lastByte();
    const p = runCopyPipe({
      dump: flood,
      load: discard,
      stallTimeoutMs: 2000,
      onSpawn: (x) => (pids = x),
      onProgress: (bytes) => {
        last.onProgress();
        if (bytes >= 4 << 20 && pids.dump && !stopped.has(pids.dump)) stop(pids.dump);
      },
    });
    const err = await stallOf(p);
    expectWithinBound(last.since(), 2000);
    expect(err.side).toBe('dump');
    expect(err.message).toMatch(/the dump from GS produced nothing \(GS stopped answering\)/);
    gone(pids.dump);
    gone(pids.load);
  });

  it('an import that never finishes after the dump ended: the import side', async () => {
    const dump = sh(`printf 'INSERT INTO t VALUES (1);\\n${MARKER.trim()}\\n'`);
    const load = sh(`cat >/dev/null; ${forever}`);
    const err = await stallOf(runCopyPipe({ dump, load, stallTimeoutMs: 1500 }));
    expect(err.side).toBe('load');
    expect(err.message).toMatch(/the dump ended but the import on BS did not finish \(BS stopped answering\)/);
  });

  it('a slow dump that keeps moving (a byte every 500 ms) never trips a 2 s bound', async () => {
    const slow = sh(`for i in 1 2 3 4 5 6 7 8 9; do printf -; sleep 0.5; done; printf '\\n${MARKER.trim()}\\n'`);
    const idle: number[] = [];
    const r = await runCopyPipe({ dump: slow, load: discard, stallTimeoutMs: 2000, onIdle: (ms) => idle.push(ms) });
    expect(r.bytes).toBe(9 + 1 + MARKER.length);
    expect(r.seconds).toBeGreaterThan(4);
    expect(idle).toEqual([]);
  });

  it('a slow import that keeps reading (a chunk every 500 ms) never trips a 2 s bound', async () => {
    // 384 KB through an import that takes 64 KB, then rests 500 ms. All of it fits in the kernel's buffers at once, so
    // only the import's own reads (its I/O counters) show the copy moving.
    const dump = sh(`head -c 393216 /dev/zero | tr '\\0' x; printf '\\n${MARKER.trim()}\\n'`);
    const load = sh(`while [ "$(head -c 65536 | wc -c)" -gt 0 ]; do sleep 0.5; done`);
    const r = await runCopyPipe({ dump, load, stallTimeoutMs: 2000 });
    expect(r.bytes).toBe(6 * 65536 + 1 + MARKER.length);
    expect(r.seconds).toBeGreaterThan(2);
  });

  it('without a bound, onIdle alone reports and nothing is stopped', async () => {
    const ac = new AbortController();
    const idle: number[] = [];
    const p = runCopyPipe({
      dump: dumpThenSilence,
      load: discard,
      signal: ac.signal,
      onIdle: (ms) => {
        idle.push(ms);
        if (idle.length === 2) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(idle.length).toBe(2);
    expect(idle[1] - idle[0]).toBeGreaterThanOrEqual(700);
    expect(idle[1] - idle[0]).toBeLessThan(1500);
  });
});

describe.concurrent('runDumpToFile stall guard', () => {
  it('a dump that stops producing: the dump side, the half file removed, the dump gone', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pipe-stall-')), 'bs-data.sql.gz');
    let pid: number | undefined;
    const last = lastByte();
    const err = await stallOf(
      runDumpToFile({ dump: dumpThenSilence, file, stallTimeoutMs: 1500, server: 'BS', onSpawn: (p) => (pid = p), onProgress: last.onProgress }),
    );
    expectWithinBound(last.since(), 1500);
    expect(err.side).toBe('dump');
    expect(err.message).toMatch(/^no data moved for 1\.5 s: the dump from BS produced nothing \(BS stopped answering\)/);
    expect(existsSync(file)).toBe(false);
    gone(pid);
  });

  it('a file that takes no more writes (a FIFO nobody reads, standing in for a stalled disk): the file side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-stall-'));
    const fifo = join(dir, 'backup.sql');
    execFileSync('mkfifo', [fifo]);
    // A reader that holds the FIFO open and never reads: the tool's writes block once the FIFO's buffer is full.
    const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const holder = spawn('sleep', ['60'], { stdio: [rfd, 'ignore', 'ignore'] });
    closeSync(rfd);
    let pid: number | undefined;
    try {
      const last = lastByte();
      const err = await stallOf(runDumpToFile({ dump: flood, file: fifo, stallTimeoutMs: 1500, onSpawn: (p) => (pid = p), onProgress: last.onProgress }));
      expectWithinBound(last.since(), 1500);
      expect(err.side).toBe('load');
      expect(err.message).toMatch(/: writing .*backup\.sql made no progress \(the disk under it stopped answering\)/);
      gone(pid);
    } finally {
      // The reader's end closes, so the write blocked in the thread pool fails (EPIPE) and frees its thread.
      holder.kill('SIGKILL');
    }
  });
});
