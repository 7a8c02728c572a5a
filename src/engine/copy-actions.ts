// The executor's part for the copy: one dump | import pipe, or the parallel copy's streams. Each is checked for
// completeness before anything may replicate from it, watched (the throttle, --max-load, the metadata-lock watch,
// the stall guard), and stopped at once if GS's read lock is lost; on any failure GS's lock is released first.
import type { OptionFile } from '../adapters/shell/option-file.js';
import { GlobalReadLock, LockNotGranted } from '../adapters/mysql/read-lock.js';
import { runCopyPipe } from '../adapters/shell/pipe.js';
import { runStreams } from '../adapters/shell/streams.js';
import { DumpHeaderWatcher } from '../adapters/shell/dump-header.js';
import type { Throttle } from '../adapters/shell/throttle.js';
import { Interrupted, StepFailed } from '../base/errors.js';
import type { Settings } from '../config/settings.js';
import {
  fillStatement,
  optionFileRoles,
  renderAction,
  streamText,
  type Bindings,
  type CommandLine,
  type CopyAction,
  type CopyStream,
  type ParallelCopyAction,
  type Role,
} from '../recovery/actions.js';
import type { Emit } from '../recovery/events.js';
import { pileUpStop, type MdlWatchPlan } from '../recovery/mdl-watch.js';
import type { RecoveryState } from '../recovery/state.js';
import type { ActionDeps } from './action-deps.js';
import { clientOptionFiles, spawnOf, type ClientDeps } from './client-files.js';
import { StreamsProgress, streamProgress } from './copy-progress.js';
import { watchCopy, watchMetadataLocks, type MdlWatch } from './copy-watch.js';
import type { GsReadLock } from './gs-read-lock.js';

export interface CopyDeps extends ActionDeps, ClientDeps {
  /** The session ids the tool holds (its watches' sessions are its own too). */
  ownThreadIds?: Record<Role, number[]>;
  throttle?: Throttle;
  /** GS's read lock of step 3 (classic): the copy stops when it is lost, and a failing stream releases it first. */
  gsLock: GsReadLock;
}

export class CopyActions {
  constructor(private readonly d: CopyDeps) {}

  async copy(step: number, a: CopyAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    const files: OptionFile[] = [];
    // --max-load: the copy's own dump is one running thread on GS, not counted.
    const watch = watchCopy(this.d.throttle, step, this.d.emit, this.loadWatchOf(1));
    const emit = watch.emit;
    // The copy is only consistent while GS's read lock holds: losing that session aborts the copy.
    const lockLost = new AbortController();
    let lostReason: string | undefined;
    this.d.gsLock.onLost((err) => {
      lostReason = err.message;
      lockLost.abort();
    });
    // The metadata-lock watch (online from GS): a pile-up behind the copy's snapshot ends the copy at once.
    const mdlStop = new AbortController();
    const signal = AbortSignal.any([this.d.signal, lockLost.signal, mdlStop.signal]);
    const header = a.watchHeader ? new DumpHeaderWatcher() : undefined;
    const started = Date.now();
    const estimate = a.estimateBytes ?? 0;
    let mdl: MdlWatch | undefined;
    try {
      mdl = await this.watchMdl(a.mdlWatch, step, emit, mdlStop);
      const paths = { ...(await clientOptionFiles(this.d, a.dump, files)), ...(await clientOptionFiles(this.d, a.load, files)) };
      this.d.record(step, a.role, text, 'run');
      emit({ event: 'activity', id: 'copy', state: 'start', text: `Copying ${dumpSide(a.dump)} → BS` });
      const result = await runCopyPipe({
        dump: spawnOf(a.dump, paths),
        load: spawnOf(a.load, paths),
        onProgress: streamProgress(step, estimate, mdl?.progress(emit) ?? emit),
        onChunk: header ? (chunk) => header.push(chunk) : undefined,
        signal,
        secrets: [this.d.settings.password],
        stallTimeoutMs: this.d.settings.stallTimeout * 1000,
        onIdle: (ms, side) => emit({ event: 'activity', id: 'copy', state: 'update', text: idleText(ms, side, this.d.settings.stallTimeout) }),
        servers: { dump: dumpServerLabel(this.d.settings, a.dump), load: serverLabel(this.d.settings, 'BS') },
        throttle: this.d.throttle,
      });
      const seconds = (Date.now() - started) / 1000;
      const h = header?.finish();
      a.capture?.({ bytes: result.bytes, seconds, header: h ? { file: h.file, position: h.position, gtidSlavePos: h.gtidSlavePos } : undefined }, state);
      emit({ event: 'activity', id: 'copy', state: 'succeed', text: 'Copy complete: both programs exited 0 and the dump ended with its completion marker.' });
      emit({ event: 'copy_complete', step, bytes: result.bytes, seconds });
    } catch (err) {
      await this.mdlStopped(mdl, a.mdlWatch, step, state, started, lostReason);
      this.copyFailed(err, step, state, started, lostReason);
      throw copyIncomplete(err, step);
    } finally {
      watch.stop();
      mdl?.stop();
      await Promise.all(files.map((f) => f.dispose()));
    }
  }

  /** --max-load for a logical copy (the options refuse it for a method whose copy must not pause: config/copy-methods.ts). */
  private loadWatchOf(ownRunning: number) {
    return { settings: this.d.settings, members: this.d.members, ownRunning, onSession: (id: number) => this.d.ownThreadIds?.GS.push(id) };
  }

  /** Start the metadata-lock watch of a copy that reads GS online (absent from the plan: none). */
  private watchMdl(plan: MdlWatchPlan | undefined, step: number, emit: Emit, stop: AbortController): Promise<MdlWatch | undefined> {
    return watchMetadataLocks(plan, {
      settings: this.d.settings,
      members: this.d.members,
      step,
      emit,
      onSession: (id) => this.d.ownThreadIds?.GS.push(id),
      ownIds: () => this.d.ownThreadIds?.GS ?? [],
      onPileUp: () => stop.abort(),
    });
  }

  /**
   * A copy the metadata-lock watch stopped (and nothing else: Ctrl-C and a lost lock session are said as themselves):
   * once the waiting session it names no longer waits (at most 5 s), the stop that names the table, the waiting
   * statement, its session and how long it waited, whether GS was seen released, and what to do next.
   */
  private async mdlStopped(
    mdl: MdlWatch | undefined,
    plan: MdlWatchPlan | undefined,
    step: number,
    state: RecoveryState,
    started: number,
    lostReason: string | undefined,
  ): Promise<void> {
    const pile = mdl?.stopped;
    if (!pile || !plan || lostReason || this.d.signal.aborted) return;
    this.d.emit({
      event: 'activity',
      id: 'copy',
      state: 'fail',
      text: `Copy stopped: sessions on GS waited ${pile.longestSeconds.toFixed(1)} s on ${pile.table}`,
    });
    state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false };
    const released = await mdl.released(5000);
    if (released)
      this.d.emit({
        event: 'note',
        level: 'ok',
        step,
        text: `GS released: session #${pile.first.id} no longer waits for the metadata lock on ${pile.table}.`,
      });
    const t = pileUpStop(pile, plan.maxWaitSeconds, released);
    throw new StepFailed(t.reason, step, t.next);
  }

  /**
   * The copy in streams: the parts before the data one after the other, the data streams side by side, then the parts
   * after. Classic: every stream reads under the read lock step 3 took (losing it stops them all). Online: a read lock of
   * its own, only until every data stream has opened its snapshot, with GS's coordinates recorded under it.
   */
  async parallelCopy(step: number, a: ParallelCopyAction, state: RecoveryState, b: Bindings): Promise<void> {
    // A resumed copy may have no data stream left (only the parts after the data, say): any pair tells the servers.
    const first = a.streams[0] ?? a.before[0] ?? a.after[0];
    if (!first) {
      a.capture?.({ bytes: 0, seconds: 0, streams: [] }, state);
      return;
    }
    const files: OptionFile[] = [];
    const watch = watchCopy(this.d.throttle, step, this.d.emit, this.loadWatchOf(a.streams.length));
    const emit = watch.emit;
    const settings = this.d.settings;
    const lockLost = new AbortController();
    let lostReason: string | undefined;
    const onLost = (err: Error) => {
      lostReason = err.message;
      lockLost.abort();
    };
    this.d.gsLock.onLost(onLost);
    const mdlStop = new AbortController();
    const signal = AbortSignal.any([this.d.signal, lockLost.signal, mdlStop.signal]);
    const started = Date.now();
    let mdl: MdlWatch | undefined;
    let snapshotLock: GlobalReadLock | undefined;
    let snapshotLockMs: number | undefined;
    let bytesBefore = 0;
    const common = {
      secrets: [settings.password],
      stallTimeoutMs: settings.stallTimeout * 1000,
      servers: { dump: dumpServerLabel(settings, first.dump), load: serverLabel(settings, 'BS') },
      throttle: this.d.throttle,
    };
    try {
      mdl = await this.watchMdl(a.mdlWatch, step, emit, mdlStop);
      const paths = { ...(await clientOptionFiles(this.d, first.dump, files)), ...(await clientOptionFiles(this.d, first.load, files)) };
      const command = (c: CopyStream) => ({
        dump: spawnOf(c.dump, paths),
        load: spawnOf(c.load, paths),
      });
      // A copy from a frozen donor records its split, then each pair as it completes (the runner saves the journal).
      a.onStart?.(state);
      const unitDone = (label: string) => {
        if (!a.onUnit) return;
        a.onUnit(label, state);
        emit({ event: 'copy_unit', step, label });
      };
      const how = a.oneAtATime ? `one table at a time (${a.streams.length} units)` : `in ${a.streams.length} streams`;
      emit({ event: 'activity', id: 'copy', state: 'start', text: `Copying ${dumpSide(first.dump)} → BS ${how}` });
      const sequential = async (parts: CopyStream[]) => {
        for (const c of parts) {
          this.d.record(step, a.role, streamText(c), 'run');
          emit({ event: 'activity', id: 'copy', state: 'update', text: `Copying ${dumpSide(c.dump)} → BS: ${c.label}` });
          const r = await runCopyPipe({
            ...command(c),
            ...common,
            signal,
            onIdle: (ms, side) => emit({ event: 'activity', id: 'copy', state: 'update', text: idleText(ms, side, settings.stallTimeout) }),
          });
          bytesBefore += r.bytes;
          unitDone(c.label);
        }
      };
      await sequential(a.before);

      const progress = new StreamsProgress(a.streams, step, mdl?.progress(emit) ?? emit, bytesBefore);
      progress.lockedSince = this.d.gsLock.since;
      // Online: the imports start (and connect to BS) first; then the lock, the coordinates under it, and only then
      // the dumps, released once each has opened its snapshot. Classic: everything at once, under step 3's lock.
      let openGate: () => void = () => undefined;
      let failGate: (err: unknown) => void = () => undefined;
      const gate = a.snapshotLock
        ? new Promise<void>((resolve, reject) => {
            openGate = resolve;
            failGate = reject;
          })
        : undefined;
      let left = a.streams.length;
      let opened: () => void = () => undefined;
      const allOpened = new Promise<'ok'>((resolve) => (opened = () => --left <= 0 && resolve('ok')));
      const streamsStop = new AbortController();
      const streamsRun = runStreams({
        streams: a.streams.map((c) => ({ label: c.label, ...command(c) })),
        signal: AbortSignal.any([signal, streamsStop.signal]),
        dumpGate: gate,
        ...common,
        onOpened: () => opened(),
        // One at a time: each pair is recorded as it starts (side by side: all of them once the gate opens, below).
        concurrency: a.oneAtATime ? 1 : undefined,
        onStart: (i) => a.oneAtATime && this.d.record(step, a.role, streamText(a.streams[i]), 'run'),
        // GS first: the copy is lost the moment one stream fails, so the read lock goes before anything else.
        onFailing: () => {
          if (this.d.gsLock.releaseNow()) {
            emit({ event: 'note', level: 'warn', step, text: 'A copy stream failed: GS read lock released at once; stopping the other streams.' });
          }
          snapshotLock?.releaseNow();
        },
        onProgress: (i, bytes, rows) => progress.update(i, bytes, rows),
        onDone: (i, r) => {
          progress.done(i, r.bytes, r.rows);
          unitDone(a.streams[i].label);
        },
        onIdle: (_i, ms, side) => emit({ event: 'activity', id: 'copy', state: 'update', text: idleText(ms, side, settings.stallTimeout) }),
      });
      // Settled below in every path; this only keeps a rejection from counting as unhandled meanwhile.
      streamsRun.catch(() => undefined);
      let lockedAt = 0;
      if (a.snapshotLock) {
        const l = a.snapshotLock;
        try {
          for (const st of l.statements) this.d.record(step, 'GS', st.shown, 'run');
          snapshotLock = await GlobalReadLock.acquire(this.d.members.GS.endpoint, l.statements, {
            timeoutSeconds: l.timeoutSeconds,
            signal,
            connect: { connectTimeoutMs: settings.connectTimeout * 1000, queryTimeoutMs: (l.timeoutSeconds + settings.stallTimeout) * 1000 },
            keepAliveTimeoutMs: settings.stallTimeout * 1000,
          });
          lockedAt = Date.now();
          progress.lockedSince = lockedAt;
          snapshotLock.onLost(onLost);
          for (const r of l.record) {
            const st = fillStatement(r.statement, b);
            this.d.record(step, 'GS', st.shown, 'read');
            const captured = r.capture?.(await snapshotLock.session.query(st), state);
            if (captured) Object.assign(b, captured);
          }
        } catch (err) {
          failGate(new Error('GS’s read lock was not taken'));
          await streamsRun.catch(() => undefined);
          throw err;
        }
        openGate();
      }
      // Each pair as it runs (online: its dump starts now, its import started above).
      if (!a.oneAtATime) for (const c of a.streams) this.d.record(step, a.role, streamText(c), 'run');
      let lateOpen = false;
      if (snapshotLock) {
        const l = a.snapshotLock!;
        // Bounded: streams that cannot all start within the lock wait must not keep production waiting.
        const bound = Math.max(l.timeoutSeconds, 5) * 1000;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), bound)));
        // A stream that fails (or any abort) ends the wait at once: GS is released before anything else.
        const ended = streamsRun.then(
          () => 'ok' as const,
          () => 'failed' as const,
        );
        const why = await Promise.race([allOpened, late, ended]);
        clearTimeout(timer);
        const lock = snapshotLock;
        snapshotLock = undefined;
        if (lock.held) {
          if (why === 'ok') {
            this.d.record(step, 'GS', l.release.shown, 'run');
            await lock.release(l.release);
          } else lock.releaseNow();
        }
        snapshotLockMs = Date.now() - lockedAt;
        progress.lockedSince = undefined;
        if (why === 'late') {
          lateOpen = true;
          streamsStop.abort();
        } else if (why === 'ok')
          emit({
            event: 'note',
            level: 'ok',
            step,
            text: `GS unlocked after ${snapshotLockMs} ms: every stream reads the same snapshot; production writes flow again.`,
          });
      }
      const results = await streamsRun.catch((err: Error) => {
        if (lateOpen) throw new Error(`the ${a.streams.length} streams did not all start on their first table within the lock wait; GS was released at once`);
        throw err;
      });
      progress.send();
      const dataBytes = results.reduce((s, r) => s + r.bytes, 0);
      const afterStart = bytesBefore + dataBytes;
      bytesBefore = afterStart;
      await sequential(a.after);
      const seconds = (Date.now() - started) / 1000;
      const outcome = {
        bytes: bytesBefore,
        seconds,
        streams: results.map((r, i) => ({ label: a.streams[i].label, bytes: r.bytes, rows: r.rows, seconds: r.seconds })),
        ...(snapshotLockMs !== undefined ? { snapshotLockMs } : {}),
      };
      a.capture?.(outcome, state);
      emit({
        event: 'activity',
        id: 'copy',
        state: 'succeed',
        text: `Copy complete: ${a.before.length + a.streams.length + a.after.length} dump | import pairs, each exited 0 on both sides and ended with its completion marker.`,
      });
      emit({ event: 'copy_complete', step, bytes: bytesBefore, seconds });
    } catch (err) {
      if (snapshotLock?.held) snapshotLock.releaseNow();
      await this.mdlStopped(mdl, a.mdlWatch, step, state, started, lostReason);
      this.copyFailed(err, step, state, started, lostReason);
      if (err instanceof LockNotGranted)
        throw new StepFailed(
          `GS did not grant the read lock the streams open their snapshots under (${err.message}); BS holds a partial copy; replication was NOT configured on it.`,
          step,
          'Find the long query or transaction on GS (SHOW PROCESSLIST), end it, and run again with --resume: it restarts from step 3.',
        );
      throw copyIncomplete(err, step);
    } finally {
      // Whatever happened, GS is not left locked by the snapshot lock.
      if (snapshotLock?.held) snapshotLock.releaseNow();
      watch.stop();
      mdl?.stop();
      await Promise.all(files.map((f) => f.dispose()));
    }
  }

  /**
   * A failed copy (one stream or several): marked incomplete, then thrown as what is known of it (the lock session
   * lost, an interruption, a step failure as it came); any other cause is left to the caller to say.
   */
  private copyFailed(err: unknown, step: number, state: RecoveryState, started: number, lostReason: string | undefined): void {
    this.d.emit({ event: 'activity', id: 'copy', state: 'fail', text: 'Copy failed' });
    state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false };
    if (lostReason)
      throw new StepFailed(
        `the session holding GS's read lock (${serverLabel(this.d.settings, 'GS')}) lost its connection during the copy (${lostReason}); the copy is not consistent`,
        step,
        'Run again with --resume: it restarts from step 3.',
      );
    if (this.d.signal.aborted) throw new Interrupted(`interrupted during the copy (step ${step})`);
    if (err instanceof StepFailed) throw err;
  }
}

/** Whom a dump reads: GS, or the donor R (--donor). */
function dumpSide(c: CommandLine): string {
  return optionFileRoles(c).includes('R') ? 'the donor R' : 'GS';
}

function dumpServerLabel(s: Settings, c: CommandLine): string {
  return optionFileRoles(c).includes('R') && s.donor ? `the donor R ${s.donor.host}:${s.donor.port}` : serverLabel(s, 'GS');
}

/** "GS 10.0.0.1:3306" for a stall's message. */
export function serverLabel(s: Settings, role: Role): string {
  const hp = role === 'GS' ? s.good : s.bad;
  return `${role} ${hp.host}:${hp.port}`;
}

/** The live line while no byte moves: how long, which side looks idle, and when the guard fires. */
export function idleText(ms: number, side: 'dump' | 'load', stallSeconds: number): string {
  const who = side === 'dump' ? 'the dump from GS produces nothing' : 'the import on BS consumes nothing';
  return `no data for ${Math.round(ms / 1000)} s: ${who}; the copy is stopped and GS released at ${stallSeconds} s (--stall-timeout)`;
}

/** A copy that did not complete for a reason of its own: BS holds a partial copy that nothing replicates from. */
function copyIncomplete(err: unknown, step: number): StepFailed {
  return new StepFailed(
    `the copy did not complete: ${(err as Error).message}. BS holds a partial copy; replication was NOT configured on it.`,
    step,
    'Fix the cause, then run again with --resume: it restarts from step 3.',
  );
}
