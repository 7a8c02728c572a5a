// One plan, two executors. Both interpret the same actions: the live one runs them; the dry run runs only reads
// and shows the rest as "would run". What each records (for the screen and the journal) is rendered from the very
// action it ran, slots filled with the values it used. Steps never write: this is the only place that does.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Row, ServerSession } from '../adapters/mysql/session.js';
import { GlobalReadLock, LockNotGranted } from '../adapters/mysql/read-lock.js';
import { readOwnEvents } from '../adapters/shell/binlog-reader.js';
import { findBinlogReader } from '../adapters/shell/clients.js';
import { endpointCredentials, writeOptionFile, type OptionFile } from '../adapters/shell/option-file.js';
import { runCopyPipe, runDumpToFile } from '../adapters/shell/pipe.js';
import { runStreams } from '../adapters/shell/streams.js';
import { StreamsProgress, streamProgress } from './copy-progress.js';
import { DumpHeaderWatcher } from '../adapters/shell/dump-header.js';
import { LazyTextFile } from '../adapters/shell/text-file.js';
import type { Clients } from '../adapters/shell/clients.js';
import { endpointFor, fileRoleEndpoint } from '../config/endpoints.js';
import type { Settings } from '../config/settings.js';
import type { Statement } from '../dialect/statement.js';
import { Declined, Interrupted, StepFailed } from '../base/errors.js';
import {
  argvWith,
  fillStatement,
  fillText,
  optionFileRoles,
  renderAction,
  renderText,
  type Action,
  type Bindings,
  type CommandLine,
  type FileRole,
  type ConnectionsAction,
  type CopyAction,
  type CopyStream,
  type ExportAction,
  type ParallelCopyAction,
  type KeepRowsAction,
  type LockAction,
  type ProbeIo,
  type Member,
  type Role,
  type SqlAction,
  type WaitAction,
  streamText,
} from '../recovery/actions.js';
import { describeConnection, lockBoundText, parseConnections } from '../recovery/connections.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { RecoveryState } from '../recovery/state.js';
import type { Prompter } from './prompter.js';
import { HostActions } from './host-actions.js';
import { watchCopy, watchMetadataLocks, type MdlWatch } from './copy-watch.js';
import { pileUpStop, type MdlWatchPlan } from '../recovery/mdl-watch.js';
import type { Throttle } from '../adapters/shell/throttle.js';
import { TrafficActions } from './traffic-actions.js';

/** Statements that cannot change anything on a server. */
export function isReadOnlyStatement(sql: string): boolean {
  // A read whose lock wait is bounded (MariaDB's SET STATEMENT lock_wait_timeout=N FOR …) is still a read.
  const s = sql
    .trim()
    .replace(/^\/\*.*?\*\/\s*/s, '')
    .replace(/^SET\s+STATEMENT\s+lock_wait_timeout\s*=\s*\d+\s+FOR\s+/i, '');
  if (/\b(FOR\s+UPDATE|LOCK\s+IN\s+SHARE\s+MODE|INTO\s+(OUT|DUMP)FILE|INTO\s+@)/i.test(s)) return false;
  return /^(SELECT|SHOW|CHECKSUM\s+TABLE)\b/i.test(s);
}

export interface Executed {
  step: number;
  role: Member;
  text: string;
  mode: ActionMode;
}

export interface ExecutorDeps {
  live: boolean;
  settings: Settings;
  sessions: Partial<Record<Member, ServerSession>>;
  clients: () => Promise<Clients>;
  prompter: Prompter;
  emit: Emit;
  signal: AbortSignal;
  /** Every action as it ran (or would run), for the journal. */
  record: (r: Executed) => void;
  /** The session ids the tool holds (a session replaced after BS restarted is ours too). */
  ownThreadIds?: Record<Role, number[]>;
  /** The run's throttle (--max-rate, --max-load, the control socket), for every copy stream; absent: none. */
  throttle?: Throttle;
}

/** Copies, exports and connection lists act on GS or BS only: a ring's other members get statements and waits. */
function pairRole(role: Member): Role {
  if (role !== 'GS' && role !== 'BS') throw new Error(`internal: a copy, export or connection list on ${role}`);
  return role;
}

/** Ctrl-C wins over whatever error it caused; otherwise the error as it came. */
function interruptedOr(signal: AbortSignal, step: number, err: unknown): unknown {
  return signal.aborted && !(err instanceof Interrupted) ? new Interrupted(`interrupted during step ${step}`) : err;
}

export class Executor {
  /** GS's read-lock session, between the lock action and the unlock action. */
  private lock?: GlobalReadLock;
  /** When the read lock was granted (for "GS locked 37 s" in progress). */
  private lockedAt?: number;

  private readonly hostActions: HostActions;
  private readonly traffic: TrafficActions;

  constructor(private readonly deps: ExecutorDeps) {
    const base = {
      live: deps.live,
      settings: deps.settings,
      sessions: deps.sessions,
      emit: deps.emit,
      signal: deps.signal,
      record: (step: number, role: Member, text: string, mode: ActionMode) => this.record(step, role, text, mode),
    };
    this.hostActions = new HostActions({ ...base, onSession: (role, id) => deps.ownThreadIds?.[role].push(id), throttle: deps.throttle });
    this.traffic = new TrafficActions({ ...base, ownThreadIds: deps.ownThreadIds });
  }

  get live(): boolean {
    return this.deps.live;
  }

  /** Read-only access for steps and waits: anything that could change a server is refused here. */
  readonly read = async (role: Member, s: Statement): Promise<Row[]> => {
    if (!isReadOnlyStatement(s.sql)) throw new Error(`internal: refusing to run a statement that is not an action of the plan: ${s.shown}`);
    const session = this.deps.sessions[role];
    if (!session) throw new Error(`${role} is not connected`);
    return session.query(s);
  };

  /** Run a step's actions in order; after a failure only the cleanup actions still run, then the failure is thrown. */
  async runAll(step: number, actions: Action[], state: RecoveryState, bindings: Bindings = {}): Promise<void> {
    let failure: unknown;
    for (const a of actions) {
      if (failure !== undefined && !a.cleanup) continue;
      if (failure === undefined && this.deps.signal.aborted) failure = new Interrupted(`interrupted during step ${step}`);
      if (failure !== undefined && !a.cleanup) continue;
      try {
        await this.run(step, a, state, bindings);
      } catch (err) {
        if (failure === undefined) failure = interruptedOr(this.deps.signal, step, err);
        else this.deps.emit({ event: 'note', level: 'warn', step, text: `${renderAction(a, bindings)[0]?.text}: ${(err as Error).message}` });
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** GS first: whatever went wrong, production must be able to write again at once. */
  async releaseLock(): Promise<boolean> {
    const lock = this.lock;
    this.lock = undefined;
    if (!lock?.held) return false;
    lock.releaseNow();
    this.deps.emit({ event: 'gs_lock', state: 'released', at: new Date().toISOString() });
    return true;
  }

  private record(step: number, role: Member, text: string, mode: ActionMode): void {
    const r = { step, role, text, mode };
    this.deps.record(r);
    this.deps.emit({ event: 'action', ...r });
  }

  private async ask(steps: number[], question: string): Promise<boolean> {
    if (this.deps.signal.aborted) throw new Interrupted('interrupted before a question');
    this.deps.emit({ event: 'question', steps, question, dryRun: false });
    const yes = await this.deps.prompter.confirm(question);
    this.deps.emit({ event: 'answer', steps, question, yes, automatic: !this.deps.prompter.interactive });
    return yes;
  }

  async run(step: number, a: Action, state: RecoveryState, b: Bindings): Promise<void> {
    // A branch is what an offline plan could not measure: a connected step decides instead, so none may run live.
    if (a.branch && this.live) throw new Error(`internal: an unmeasured branch reached a live run (${renderAction(a, b)[0]?.text})`);
    switch (a.kind) {
      case 'sql':
        return this.sql(step, a, state, b);
      case 'lock':
        return this.takeLock(step, a);
      case 'unlock': {
        if (!this.live) return this.record(step, a.role, a.statement.shown, 'would-run');
        const lock = this.lock;
        this.lock = undefined;
        if (!lock?.held) return; // released already (abort path): nothing is locked
        this.record(step, a.role, a.statement.shown, 'run');
        try {
          await lock.release(a.statement);
        } finally {
          this.deps.emit({ event: 'gs_lock', state: 'released', at: new Date().toISOString() });
        }
        this.deps.emit({ event: 'note', level: 'ok', step, text: 'GS unlocked: production writes flow again.' });
        return;
      }
      case 'copy':
        return this.copy(step, a, state);
      case 'parallel-copy':
        return this.parallelCopy(step, a, state, b);
      case 'export':
        return this.export(step, a, state);
      case 'keep-rows':
        return this.keepRows(step, a, state);
      case 'wait':
        return this.wait(step, a, state, b);
      case 'connections':
        return this.connections(step, a, state);
      case 'host':
        return this.hostActions.host(step, a, state);
      case 'stream':
        return this.hostActions.stream(step, a, state);
      case 'swap-datadir':
        return this.hostActions.swapDatadir(step, a, state);
      case 'clone':
        return this.hostActions.clone(step, a);
      case 'haproxy':
        return this.traffic.haproxy(step, a, state);
      case 'haproxy-traffic':
        return this.traffic.trafficBack(step, a);
      case 'hook':
        return this.traffic.hook(step, a, state);
      case 'fence-watch':
        return this.traffic.watch(step, a, state);
      case 'ask': {
        const text = renderAction(a)[0].text;
        if (!this.live) {
          this.record(step, a.role, text, 'would-ask');
          this.deps.emit({ event: 'question', steps: [step], question: a.question, dryRun: true });
          return;
        }
        this.record(step, a.role, text, 'ask');
        if (await this.ask([step], a.question)) return a.onYes?.(state);
        if (a.onNo) return a.onNo(state);
        throw new Declined(`you answered No at step ${step}`);
      }
    }
  }

  private async sql(step: number, a: SqlAction, state: RecoveryState, b: Bindings): Promise<void> {
    const read = isReadOnlyStatement(a.statement.sql);
    const session = a.onLockSession && this.live ? this.lock?.session : this.deps.sessions[a.role];
    const unbound = renderText(a.statement.sql, b) !== fillTextSafe(a.statement.sql, b);
    if (!this.live && (!read || !session || unbound)) {
      this.record(step, a.role, renderText(a.statement.shown, b), read ? 'read' : 'would-run');
      a.effect?.(state);
      return;
    }
    if (!session) throw new StepFailed(`${a.role}${a.onLockSession ? '’s read-lock session' : ''} is not connected`, step);
    const s = fillStatement(a.statement, b);
    this.record(step, a.role, s.shown, read ? 'read' : 'run');
    const rows = await session.query(s).catch(async (err: unknown) => {
      // The bound ran out (ER_LOCK_WAIT_TIMEOUT): say who holds the lock, read on the same session, and stop.
      if (a.lockBound && (err as { errno?: number }).errno === 1205) throw await this.lockBoundStop(step, a, s.shown, session);
      throw err;
    });
    const captured = a.capture?.(rows, state);
    if (captured) Object.assign(b, captured);
    a.effect?.(state);
  }

  /** The stop of a statement whose lock wait ran out: the sessions and tables still holding it, in one line. */
  private async lockBoundStop(step: number, a: SqlAction, shown: string, session: ServerSession): Promise<StepFailed> {
    const bound = a.lockBound!;
    this.record(step, a.role, bound.holders.sessions.shown, 'read');
    const sessions = await session.query(bound.holders.sessions).catch(() => undefined);
    const tables = await session.query(bound.holders.tables).catch(() => undefined);
    const t = lockBoundText({ server: serverLabel(this.deps.settings, a.role as Role), statement: shown, seconds: bound.seconds, sessions, tables });
    return new StepFailed(t.reason, step, t.next);
  }

  private async takeLock(step: number, a: LockAction): Promise<void> {
    if (!this.live) {
      for (const s of a.statements) this.record(step, a.role, s.shown, 'would-run');
      return;
    }
    const endpoint = endpointFor(this.deps.settings, 'GS');
    for (let attempt = 1; ; attempt++) {
      const text = `GS: waiting for the global read lock (at most ${a.timeoutSeconds}s)`;
      this.deps.emit({ event: 'activity', id: 'lock', state: 'start', text });
      for (const s of a.statements) this.record(step, a.role, s.shown, 'run');
      try {
        this.lock = await GlobalReadLock.acquire(endpoint, a.statements, {
          timeoutSeconds: a.timeoutSeconds,
          signal: this.deps.signal,
          // FLUSH TABLES WITH READ LOCK waits lock_wait_timeout by itself; beyond that, a frozen GS is a stall.
          connect: { connectTimeoutMs: this.deps.settings.connectTimeout * 1000, queryTimeoutMs: (a.timeoutSeconds + this.deps.settings.stallTimeout) * 1000 },
          keepAliveTimeoutMs: this.deps.settings.stallTimeout * 1000,
        });
        this.deps.emit({ event: 'gs_lock', state: 'held', at: new Date().toISOString() });
        this.lockedAt = Date.now();
        this.deps.emit({ event: 'activity', id: 'lock', state: 'succeed', text: 'GS: global read lock held; GS writes are blocked until step 5' });
        return;
      } catch (err) {
        this.deps.emit({ event: 'activity', id: 'lock', state: 'fail', text });
        if (!(err instanceof LockNotGranted)) throw err;
        this.deps.emit({ event: 'note', level: 'warn', step, text: err.message });
        const retry = this.deps.prompter.interactive || attempt < a.unattendedAttempts;
        if (!retry || !(await this.ask([step], 'Try the read lock on GS again?')))
          throw new StepFailed(
            'GS did not grant the read lock; nothing was copied',
            step,
            'Find the long query or transaction on GS (SHOW PROCESSLIST), end it, and run the same command again.',
          );
      }
    }
  }

  /** How a client program reaches `role`; whether the server offered TLS to our own session stands in for PREFERRED. */
  private endpoint(role: FileRole) {
    return { ...fileRoleEndpoint(this.deps.settings, role), serverTls: Boolean(this.deps.sessions[role]?.identity.sslCipher) };
  }

  /** Option files for the roles a command line needs, removed by the caller on every exit path. */
  private async optionFiles(c: CommandLine, files: OptionFile[]): Promise<Partial<Record<FileRole, string>>> {
    const clients = await this.deps.clients();
    const out: Partial<Record<FileRole, string>> = {};
    for (const role of optionFileRoles(c)) {
      const program = c.program === clients.load.command ? clients.load : clients.dump;
      const f = await writeOptionFile(endpointCredentials(this.endpoint(role)), { flavor: program.flavor, version: program.version });
      files.push(f);
      out[role] = f.path;
    }
    return out;
  }

  private async copy(step: number, a: CopyAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    if (!this.live) return this.record(step, a.role, text, 'would-run');
    const files: OptionFile[] = [];
    // --max-load: the copy's own dump is one running thread on GS, not counted.
    const watch = watchCopy(this.deps.throttle, step, this.deps.emit, this.loadWatchOf(1));
    const emit = watch.emit;
    // The copy is only consistent while GS's read lock holds: losing that session aborts the copy.
    const lockLost = new AbortController();
    let lostReason: string | undefined;
    this.lock?.onLost((err) => {
      lostReason = err.message;
      lockLost.abort();
    });
    // The metadata-lock watch (online from GS): a pile-up behind the copy's snapshot ends the copy at once.
    const mdlStop = new AbortController();
    const signal = AbortSignal.any([this.deps.signal, lockLost.signal, mdlStop.signal]);
    const header = a.watchHeader ? new DumpHeaderWatcher() : undefined;
    const started = Date.now();
    const estimate = a.estimateBytes ?? 0;
    let mdl: MdlWatch | undefined;
    try {
      mdl = await this.watchMdl(a.mdlWatch, step, emit, mdlStop);
      const paths = { ...(await this.optionFiles(a.dump, files)), ...(await this.optionFiles(a.load, files)) };
      this.record(step, a.role, text, 'run');
      emit({ event: 'activity', id: 'copy', state: 'start', text: `Copying ${dumpSide(a.dump)} → BS` });
      const result = await runCopyPipe({
        dump: { command: a.dump.program, args: argvWith(a.dump, paths) },
        load: { command: a.load.program, args: argvWith(a.load, paths) },
        onProgress: streamProgress(step, estimate, mdl?.progress(emit) ?? emit),
        onChunk: header ? (chunk) => header.push(chunk) : undefined,
        signal,
        secrets: [this.deps.settings.password],
        stallTimeoutMs: this.deps.settings.stallTimeout * 1000,
        onIdle: (ms, side) => emit({ event: 'activity', id: 'copy', state: 'update', text: idleText(ms, side, this.deps.settings.stallTimeout) }),
        servers: { dump: dumpServerLabel(this.deps.settings, a.dump), load: serverLabel(this.deps.settings, 'BS') },
        throttle: this.deps.throttle,
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
    return { settings: this.deps.settings, ownRunning, onSession: (id: number) => this.deps.ownThreadIds?.GS.push(id) };
  }

  /** Start the metadata-lock watch of a copy that reads GS online (absent from the plan: none). */
  private watchMdl(plan: MdlWatchPlan | undefined, step: number, emit: Emit, stop: AbortController): Promise<MdlWatch | undefined> {
    return watchMetadataLocks(plan, {
      settings: this.deps.settings,
      step,
      emit,
      onSession: (id) => this.deps.ownThreadIds?.GS.push(id),
      ownIds: () => this.deps.ownThreadIds?.GS ?? [],
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
    if (!pile || !plan || lostReason || this.deps.signal.aborted) return;
    this.deps.emit({
      event: 'activity',
      id: 'copy',
      state: 'fail',
      text: `Copy stopped: sessions on GS waited ${pile.longestSeconds.toFixed(1)} s on ${pile.table}`,
    });
    state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false };
    const released = await mdl.released(5000);
    if (released)
      this.deps.emit({
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
  private async parallelCopy(step: number, a: ParallelCopyAction, state: RecoveryState, b: Bindings): Promise<void> {
    const lines = renderAction(a, b);
    if (!this.live) {
      for (const l of lines) this.record(step, a.role, l.text, 'would-run');
      return;
    }
    // A resumed copy may have no data stream left (only the parts after the data, say): any pair tells the servers.
    const first = a.streams[0] ?? a.before[0] ?? a.after[0];
    if (!first) {
      a.capture?.({ bytes: 0, seconds: 0, streams: [] }, state);
      return;
    }
    const files: OptionFile[] = [];
    const watch = watchCopy(this.deps.throttle, step, this.deps.emit, this.loadWatchOf(a.streams.length));
    const emit = watch.emit;
    const settings = this.deps.settings;
    const lockLost = new AbortController();
    let lostReason: string | undefined;
    const watchLock = (lock: GlobalReadLock | undefined) =>
      lock?.onLost((err) => {
        lostReason = err.message;
        lockLost.abort();
      });
    watchLock(this.lock);
    const mdlStop = new AbortController();
    const signal = AbortSignal.any([this.deps.signal, lockLost.signal, mdlStop.signal]);
    const started = Date.now();
    let mdl: MdlWatch | undefined;
    let snapshotLock: GlobalReadLock | undefined;
    let snapshotLockMs: number | undefined;
    let bytesBefore = 0;
    const common = {
      secrets: [settings.password],
      stallTimeoutMs: settings.stallTimeout * 1000,
      servers: { dump: dumpServerLabel(settings, first.dump), load: serverLabel(settings, 'BS') },
      throttle: this.deps.throttle,
    };
    try {
      mdl = await this.watchMdl(a.mdlWatch, step, emit, mdlStop);
      const paths = { ...(await this.optionFiles(first.dump, files)), ...(await this.optionFiles(first.load, files)) };
      const command = (c: CopyStream) => ({
        dump: { command: c.dump.program, args: argvWith(c.dump, paths) },
        load: { command: c.load.program, args: argvWith(c.load, paths) },
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
          this.record(step, a.role, streamText(c), 'run');
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
      if (this.lock?.held) progress.lockedSince = this.lockedAt;
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
        onStart: (i) => a.oneAtATime && this.record(step, a.role, streamText(a.streams[i]), 'run'),
        // GS first: the copy is lost the moment one stream fails, so the read lock goes before anything else.
        onFailing: () => {
          if (this.lock?.held) {
            void this.releaseLock();
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
          for (const st of l.statements) this.record(step, 'GS', st.shown, 'run');
          snapshotLock = await GlobalReadLock.acquire(endpointFor(settings, 'GS'), l.statements, {
            timeoutSeconds: l.timeoutSeconds,
            signal,
            connect: { connectTimeoutMs: settings.connectTimeout * 1000, queryTimeoutMs: (l.timeoutSeconds + settings.stallTimeout) * 1000 },
            keepAliveTimeoutMs: settings.stallTimeout * 1000,
          });
          lockedAt = Date.now();
          progress.lockedSince = lockedAt;
          watchLock(snapshotLock);
          for (const r of l.record) {
            const st = fillStatement(r.statement, b);
            this.record(step, 'GS', st.shown, 'read');
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
      if (!a.oneAtATime) for (const c of a.streams) this.record(step, a.role, streamText(c), 'run');
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
            this.record(step, 'GS', l.release.shown, 'run');
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
    this.deps.emit({ event: 'activity', id: 'copy', state: 'fail', text: 'Copy failed' });
    state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false };
    if (lostReason)
      throw new StepFailed(
        `the session holding GS's read lock (${serverLabel(this.deps.settings, 'GS')}) lost its connection during the copy (${lostReason}); the copy is not consistent`,
        step,
        'Run again with --resume: it restarts from step 3.',
      );
    if (this.deps.signal.aborted) throw new Interrupted(`interrupted during the copy (step ${step})`);
    if (err instanceof StepFailed) throw err;
  }

  private async export(step: number, a: ExportAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    if (!this.live) return this.record(step, a.role, text, 'would-run');
    const files: OptionFile[] = [];
    const emit = this.deps.emit;
    const id = `export:${a.file}`;
    try {
      mkdirSync(dirname(a.file), { recursive: true, mode: 0o700 });
      this.record(step, a.role, text, 'run');
      emit({ event: 'activity', id, state: 'start', text: `Keeping ${a.file}` });
      const started = Date.now();
      if (a.tool === 'binlog-events') {
        // The reader takes its option file itself: the argv after it is the action's, as shown.
        const reader = await findBinlogReader();
        const r = await readOwnEvents(this.endpoint(pairRole(a.role)), reader, a.command.args.slice(1), {
          saveTo: a.file,
          header: a.header,
          signal: this.deps.signal,
        });
        a.capture?.({ file: a.file, bytes: r.bytes, transactions: r.transactions, seconds: (Date.now() - started) / 1000 }, state);
      } else {
        const paths = await this.optionFiles(a.command, files);
        const r = await runDumpToFile({
          dump: { command: a.command.program, args: argvWith(a.command, paths) },
          file: a.file,
          signal: this.deps.signal,
          secrets: [this.deps.settings.password],
          stallTimeoutMs: this.deps.settings.stallTimeout * 1000,
          onIdle: (ms, side) => emit({ event: 'activity', id, state: 'update', text: idleText(ms, side, this.deps.settings.stallTimeout) }),
          server: serverLabel(this.deps.settings, pairRole(a.role)),
        });
        a.capture?.({ file: a.file, bytes: r.bytes, fileBytes: r.fileBytes, seconds: r.seconds }, state);
      }
      emit({ event: 'activity', id, state: 'succeed', text: `Kept ${a.file}` });
      if (state.backup) emit({ event: 'backup', record: state.backup });
    } catch (err) {
      emit({ event: 'activity', id, state: 'fail', text: `Keeping ${a.file} failed` });
      if (this.deps.signal.aborted) throw new Interrupted(`interrupted while keeping what only BS holds (step ${step}); nothing on BS was overwritten`);
      throw new StepFailed(
        `keeping what only BS holds did not complete: ${(err as Error).message}; nothing on BS was overwritten`,
        step,
        'Fix the cause (disk space, permissions) and run again with --resume.',
      );
    } finally {
      await Promise.all(files.map((f) => f.dispose()));
    }
  }

  /** Compare (reads only, through the same guard as the steps) and write what the action hands over to its file. */
  private async keepRows(step: number, a: KeepRowsAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    if (!this.live) return this.record(step, a.role, text, 'would-run');
    const emit = this.deps.emit;
    const id = `keep-rows:${a.file}`;
    const file = new LazyTextFile(a.file);
    this.record(step, a.role, text, 'run');
    emit({ event: 'activity', id, state: 'start', text: `Comparing ${a.compares}` });
    try {
      const o = await a.collect({
        read: this.read,
        signal: this.deps.signal,
        progress: (t) => emit({ event: 'activity', id, state: 'update', text: t }),
        write: (t) => file.write(t),
      });
      const bytes = await file.close();
      a.capture?.({ ...o, file: bytes > 0 ? a.file : undefined, bytes }, state);
      emit({ event: 'activity', id, state: 'succeed', text: o.text });
      if (bytes > 0 && state.backup) emit({ event: 'backup', record: state.backup });
    } catch (err) {
      await file.close().catch(() => undefined);
      emit({ event: 'activity', id, state: 'fail', text: `Comparing ${a.compares} failed` });
      if (this.deps.signal.aborted) throw new Interrupted(`interrupted while keeping what only BS holds (step ${step}); nothing on BS was overwritten`);
      throw new StepFailed(
        `keeping what only BS holds did not complete: ${(err as Error).message}; nothing on BS was overwritten`,
        step,
        'Fix the cause (disk space, permissions, a server that went away) and run again with --resume.',
      );
    }
  }

  private async wait(step: number, a: WaitAction, state: RecoveryState, b: Bindings): Promise<void> {
    const text = renderAction(a, b)[0].text;
    if (!this.live) return this.record(step, a.role, text, 'would-wait');
    this.record(step, a.role, text, 'wait');
    const id = `wait:${step}:${a.condition}`;
    const emit = this.deps.emit;
    emit({ event: 'activity', id, state: 'start', text: `${a.role}: waiting until ${renderText(a.condition, b)}` });
    const io: ProbeIo = {
      read: this.read,
      signal: this.deps.signal,
      progress: (t) => emit({ event: 'activity', id, state: 'update', text: t }),
      warn: (t) => emit({ event: 'note', level: 'warn', step, text: t }),
      run: async (sub) => {
        if (!a.onStall?.includes(sub)) throw new Error('internal: a wait may run only the actions its plan shows');
        await this.run(step, sub, state, b);
      },
      bindings: b,
      state,
    };
    try {
      await a.probe(io);
      emit({ event: 'activity', id, state: 'succeed', text: `${a.role}: ${renderText(a.condition, b)}` });
    } catch (err) {
      emit({ event: 'activity', id, state: 'fail', text: `${a.role}: ${(err as Error).message}` });
      throw err;
    }
  }

  /** Client connections on BS that could still write: listed, and KILLed only if the operator says so. */
  private async connections(step: number, a: ConnectionsAction, state: RecoveryState): Promise<void> {
    const session = this.deps.sessions[a.role];
    const emit = this.deps.emit;
    if (!session) {
      this.record(step, a.role, a.list.shown, 'would-run');
      emit({ event: 'note', level: 'warn', step, text: `Not checked: ${a.role} did not answer, so its client connections could not be listed.` });
      return;
    }
    for (let round = 0; round < 5; round++) {
      this.record(step, a.role, a.list.shown, 'read');
      const foreign = parseConnections(await session.query(a.list));
      if (a.role === 'BS') {
        // What the operator was shown; a rerun of step 1 (--resume) starts the list again.
        const seen = round === 0 ? [] : (state.listedConnections ?? []);
        state.listedConnections = [...seen, ...foreign.filter((c) => !seen.some((s) => s.id === c.id)).map((c) => ({ id: c.id, user: c.user, host: c.host }))];
      }
      if (foreign.length === 0) {
        emit({ event: 'note', level: 'ok', step, text: `No client connections on ${a.role} other than ours and replication.` });
        return;
      }
      emit({ event: 'foreign_connections', role: pairRole(a.role), connections: foreign });
      if (!this.live) {
        emit({ event: 'question', steps: [step], question: `KILL these ${foreign.length} connection(s) on ${a.role}?`, dryRun: true });
        return;
      }
      if (await this.ask([step], `KILL these ${foreign.length} connection(s) on ${a.role}?`)) {
        for (const c of foreign) {
          const kill = fillStatement(a.kill, { 'connection id': String(c.id) });
          this.record(step, a.role, kill.shown, 'run');
          await session.query(kill).catch((err: Error) => emit({ event: 'note', level: 'warn', step, text: `${describeConnection(c)}: ${err.message}` })); // it may have gone by itself
          state.killed.push({ id: c.id, user: c.user, host: c.host });
        }
        await delay(300);
        continue;
      }
      if (await this.ask([step], `Go on although ${foreign.length} client connection(s) remain on ${a.role}? Their writes will be lost or break replication.`))
        return;
      throw new Declined(`stopped at step ${step}: foreign client connections remain on ${a.role}`);
    }
    throw new Declined(`stopped at step ${step}: client connections on ${a.role} keep coming back; block them at the firewall and run again`);
  }
}

/** "GS 10.0.0.1:3306" for a stall's message. */
/** Whom a dump reads: GS, or the donor R (--donor). */
function dumpSide(c: CommandLine): string {
  return optionFileRoles(c).includes('R') ? 'the donor R' : 'GS';
}

function dumpServerLabel(s: Settings, c: CommandLine): string {
  return optionFileRoles(c).includes('R') && s.donor ? `the donor R ${s.donor.host}:${s.donor.port}` : serverLabel(s, 'GS');
}

function serverLabel(s: Settings, role: Role): string {
  const hp = role === 'GS' ? s.good : s.bad;
  return `${role} ${hp.host}:${hp.port}`;
}

/** The live line while no byte moves: how long, which side looks idle, and when the guard fires. */
function idleText(ms: number, side: 'dump' | 'load', stallSeconds: number): string {
  const who = side === 'dump' ? 'the dump from GS produces nothing' : 'the import on BS consumes nothing';
  return `no data for ${Math.round(ms / 1000)} s: ${who}; the copy is stopped and GS released at ${stallSeconds} s (--stall-timeout)`;
}

/** fillText, or the rendered text when a slot is unbound (to tell whether everything is known). */
function fillTextSafe(text: string, b: Bindings): string {
  try {
    return fillText(text, b);
  } catch {
    return '\u0000';
  }
}

/** A copy that did not complete for a reason of its own: BS holds a partial copy that nothing replicates from. */
function copyIncomplete(err: unknown, step: number): StepFailed {
  return new StepFailed(
    `the copy did not complete: ${(err as Error).message}. BS holds a partial copy; replication was NOT configured on it.`,
    step,
    'Fix the cause, then run again with --resume: it restarts from step 3.',
  );
}
