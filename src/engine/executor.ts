// One plan, two runs. Both interpret the same actions through one gate (gate.ts): the live run hands each action to
// its handler here; the dry run does what the action's kind declares instead (runs reads, shows the rest as "would
// run"). What each records (for the screen and the journal) is rendered from the very action it ran, slots filled with
// the values it used. Steps never write: this is the only place that does.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row, ServerSession } from '../adapters/mysql/session.js';
import { readOwnEvents } from '../adapters/shell/binlog-reader.js';
import { findBinlogReader, type Clients } from '../adapters/shell/clients.js';
import type { OptionFile } from '../adapters/shell/option-file.js';
import { runDumpToFile } from '../adapters/shell/pipe.js';
import { LazyTextFile } from '../adapters/shell/text-file.js';
import type { Throttle } from '../adapters/shell/throttle.js';
import type { Settings } from '../config/settings.js';
import type { Statement } from '../dialect/statement.js';
import { Declined, Interrupted, StepFailed } from '../base/errors.js';
import {
  fillStatement,
  renderAction,
  renderText,
  type Action,
  type AskAction,
  type Bindings,
  type ExportAction,
  type KeepRowsAction,
  type ProbeIo,
  type Member,
  type Role,
  type SqlAction,
  type WaitAction,
} from '../recovery/actions.js';
import { lockBoundText } from '../recovery/connections.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { RecoveryState } from '../recovery/state.js';
import type { Prompter } from './prompter.js';
import { HostActions } from './host-actions.js';
import { TrafficActions } from './traffic-actions.js';
import { GsReadLock } from './gs-read-lock.js';
import { CopyActions, idleText, serverLabel } from './copy-actions.js';
import { ConnectionActions } from './connection-actions.js';
import { clientEndpoint, clientOptionFiles, spawnOf, type ClientDeps } from './client-files.js';
import { pairRole } from './action-deps.js';
import { gate, isReadOnlyStatement, type Handler } from './gate.js';
import { resolveMembers, type Members } from '../config/members.js';

export interface Executed {
  step: number;
  role: Member;
  text: string;
  mode: ActionMode;
}

export interface ExecutorDeps {
  live: boolean;
  settings: Settings;
  /** The run's servers (the runner resolves them once); absent: resolved here from the settings. */
  members?: Members;
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

/** Ctrl-C wins over whatever error it caused; otherwise the error as it came. */
function interruptedOr(signal: AbortSignal, step: number, err: unknown): unknown {
  return signal.aborted && !(err instanceof Interrupted) ? new Interrupted(`interrupted during step ${step}`) : err;
}

export class Executor {
  /** GS's read lock, between the lock action and the unlock action. */
  private readonly gsLock: GsReadLock;
  private readonly copies: CopyActions;
  private readonly hostActions: HostActions;
  private readonly traffic: TrafficActions;
  private readonly connections: ConnectionActions;
  private readonly clientDeps: ClientDeps;
  /** Every action passes here: its handler below in a live run, its kind's dry behaviour in a dry run. */
  readonly run: Handler;

  constructor(private readonly deps: ExecutorDeps) {
    const base = {
      settings: deps.settings,
      members: deps.members ?? resolveMembers(deps.settings),
      sessions: deps.sessions,
      emit: deps.emit,
      signal: deps.signal,
      record: (step: number, role: Member, text: string, mode: ActionMode) => this.record(step, role, text, mode),
    };
    this.hostActions = new HostActions({ ...base, onSession: (role, id) => deps.ownThreadIds?.[role].push(id), throttle: deps.throttle });
    this.traffic = new TrafficActions({ ...base, ownThreadIds: deps.ownThreadIds });
    this.clientDeps = { ...base, clients: deps.clients };
    this.gsLock = new GsReadLock({ ...base, ask: (steps, q) => this.ask(steps, q), interactive: deps.prompter.interactive });
    this.copies = new CopyActions({ ...base, clients: deps.clients, ownThreadIds: deps.ownThreadIds, throttle: deps.throttle, gsLock: this.gsLock });
    this.connections = new ConnectionActions({ ...base, ask: (steps, q) => this.ask(steps, q) });
    this.run = gate(
      deps.live,
      {
        sql: (step, a, state, b) => this.sql(step, a, state, b),
        lock: (step, a) => this.gsLock.take(step, a),
        unlock: (step, a) => this.gsLock.unlock(step, a),
        copy: (step, a, state) => this.copies.copy(step, a, state),
        'parallel-copy': (step, a, state, b) => this.copies.parallelCopy(step, a, state, b),
        export: (step, a, state) => this.export(step, a, state),
        'keep-rows': (step, a, state) => this.keepRows(step, a, state),
        wait: (step, a, state, b) => this.wait(step, a, state, b),
        connections: (step, a, state) => this.connections.killForeign(step, a, state),
        ask: (step, a, state) => this.askAction(step, a, state),
        host: (step, a, state) => this.hostActions.host(step, a, state),
        stream: (step, a, state) => this.hostActions.stream(step, a, state),
        'swap-datadir': (step, a, state) => this.hostActions.swapDatadir(step, a, state),
        clone: (step, a) => this.hostActions.clone(step, a),
        haproxy: (step, a, state) => this.traffic.haproxy(step, a, state),
        'haproxy-traffic': (step, a) => this.traffic.trafficBack(step, a),
        hook: (step, a, state) => this.traffic.hook(step, a, state),
        'fence-watch': (step, a, state) => this.traffic.watch(step, a, state),
      },
      {
        record: (step, role, text, mode) => this.record(step, role, text, mode),
        emit: deps.emit,
        session: (role) => deps.sessions[role],
        runRead: (step, a, session, state, b) => this.statement(step, a, session, state, b),
        listConnections: (step, a, state) => this.connections.list(step, a, state),
      },
    );
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
    return this.gsLock.releaseNow();
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

  private async askAction(step: number, a: AskAction, state: RecoveryState): Promise<void> {
    this.record(step, a.role, renderAction(a)[0].text, 'ask');
    if (await this.ask([step], a.question)) return a.onYes?.(state);
    if (a.onNo) return a.onNo(state);
    throw new Declined(`you answered No at step ${step}`);
  }

  /** Under GS's read lock, what the plan puts on the lock's own session runs there. */
  private sql(step: number, a: SqlAction, state: RecoveryState, b: Bindings): Promise<void> {
    return this.statement(step, a, a.onLockSession ? this.gsLock.session : this.deps.sessions[a.role], state, b);
  }

  /** One statement on a session, slots filled, recorded as it runs (the dry run's reads come here too). */
  private async statement(step: number, a: SqlAction, session: ServerSession | undefined, state: RecoveryState, b: Bindings): Promise<void> {
    if (!session) throw new StepFailed(`${a.role}${a.onLockSession ? '’s read-lock session' : ''} is not connected`, step);
    const s = fillStatement(a.statement, b);
    this.record(step, a.role, s.shown, isReadOnlyStatement(a.statement.sql) ? 'read' : 'run');
    if (a.repeatWhileRows) {
      // A bounded DELETE: again until nothing is left, each statement as short as its LIMIT makes it.
      while ((await session.affectedRows(s)) > 0) if (this.deps.signal.aborted) throw new Interrupted(`interrupted during step ${step}`);
      a.effect?.(state);
      return;
    }
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

  private async export(step: number, a: ExportAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
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
        const r = await readOwnEvents(clientEndpoint(this.clientDeps, pairRole(a.role)), reader, a.command.args.slice(1), {
          saveTo: a.file,
          header: a.header,
          signal: this.deps.signal,
        });
        a.capture?.({ file: a.file, bytes: r.bytes, transactions: r.transactions, seconds: (Date.now() - started) / 1000 }, state);
      } else {
        const paths = await clientOptionFiles(this.clientDeps, a.command, files);
        const r = await runDumpToFile({
          dump: spawnOf(a.command, paths),
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
    this.record(step, a.role, renderAction(a, b)[0].text, 'wait');
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
}
