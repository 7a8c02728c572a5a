// The one place where the dry run and the live run differ. Each kind of action declares what a dry run does instead
// of running it: show it as it would run or wait (following its effect, so that later steps show what they would
// undo), or perform the reads it is made of. The handlers behind the gate run live only and never ask which run it is.
import type { ServerSession } from '../adapters/mysql/session.js';
import type { ClientConnection } from '../recovery/connections.js';
import { killQuestion } from './connection-actions.js';
import { fillText, renderAction, renderText, type Action, type Bindings, type ConnectionsAction, type Member, type SqlAction } from '../recovery/actions.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { RecoveryState } from '../recovery/state.js';

export type ActionKind = Action['kind'];
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;
export type Handler<A extends Action = Action> = (step: number, a: A, state: RecoveryState, b: Bindings) => Promise<void>;
/** One live handler for each kind of action. */
export type Handlers = { [K in ActionKind]: Handler<ActionOf<K>> };

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

/** What the dry run may do besides showing: the reads both runs perform, through the live run's own code. */
export interface DryRunIo {
  record: (step: number, role: Member, text: string, mode: ActionMode) => void;
  emit: Emit;
  /** The role's session, when its server answered. */
  session: (role: Member) => ServerSession | undefined;
  /** Run a read-only statement on `session`, recorded and captured as the live run does. */
  runRead: (step: number, a: SqlAction, session: ServerSession, state: RecoveryState, b: Bindings) => Promise<void>;
  /** List the server's client connections (a read); those found, or none when it did not answer. */
  listConnections: (step: number, a: ConnectionsAction, state: RecoveryState) => Promise<ClientConnection[]>;
}

/** Shown, not run: its first line (or each line) recorded in this mode, its effect followed. */
export interface Shown {
  shows: 'would-run' | 'would-wait';
  /** Every line the plan shows for it; otherwise the first (a wait's stall actions run only if it stalls). */
  everyLine?: true;
}
/** A dry run of its own: the reads it is made of, and what would write shown. */
export type Rehearsal<A extends Action> = (io: DryRunIo, step: number, a: A, state: RecoveryState, b: Bindings) => Promise<void> | void;
export type DryRun<A extends Action> = Shown | Rehearsal<A>;

const wouldRun: Shown = { shows: 'would-run' };
const wouldRunEach: Shown = { shows: 'would-run', everyLine: true };
const wouldWait: Shown = { shows: 'would-wait' };

/** What each kind of action does in a dry run: a kind missing here does not compile. */
export const DRY_RUN: { [K in ActionKind]: DryRun<ActionOf<K>> } = {
  sql: rehearseStatement,
  connections: rehearseConnections,
  ask: rehearseQuestion,
  lock: wouldRunEach,
  unlock: wouldRun,
  copy: wouldRun,
  'parallel-copy': wouldRunEach,
  export: wouldRun,
  'keep-rows': wouldRun,
  // What it waits for follows the writes a rehearsal only shows: shown, never polled.
  wait: wouldWait,
  host: wouldRun,
  stream: wouldRun,
  'swap-datadir': wouldRunEach,
  clone: wouldRunEach,
  haproxy: wouldRun,
  'haproxy-traffic': wouldWait,
  hook: wouldRun,
  'fence-watch': wouldWait,
};

/** The dispatch: a dry run does what the action's kind declares; a live run hands the action to its handler. */
export function gate(live: boolean, handlers: Handlers, io: DryRunIo): Handler {
  return async (step, a, state, b) => {
    if (!live) return dryRun(io, step, a, state, b);
    // A branch is what an offline plan could not measure: a connected step decides instead, so none may run live.
    if (a.branch) throw new Error(`internal: an unmeasured branch reached a live run (${renderAction(a, b)[0]?.text})`);
    // The mapped type pairs each kind with its handler; TypeScript cannot follow that through an indexed call.
    return (handlers[a.kind] as Handler)(step, a, state, b);
  };
}

async function dryRun(io: DryRunIo, step: number, a: Action, state: RecoveryState, b: Bindings): Promise<void> {
  const dry = DRY_RUN[a.kind] as DryRun<Action>;
  if (typeof dry === 'function') return dry(io, step, a, state, b);
  const lines = renderAction(a, b);
  for (const l of dry.everyLine ? lines : lines.slice(0, 1)) io.record(step, a.role, l.text, dry.shows);
  if ('effect' in a) a.effect?.(state);
}

/** A read runs when its server answered and its slots are known; anything else is shown, its effect followed. */
async function rehearseStatement(io: DryRunIo, step: number, a: SqlAction, state: RecoveryState, b: Bindings): Promise<void> {
  const read = isReadOnlyStatement(a.statement.sql);
  // No read lock is held in a dry run: a read meant for its session runs on the role's own.
  const session = io.session(a.role);
  if (read && session && renderText(a.statement.sql, b) === fillTextSafe(a.statement.sql, b)) return io.runRead(step, a, session, state, b);
  io.record(step, a.role, renderText(a.statement.shown, b), read ? 'read' : 'would-run');
  a.effect?.(state);
}

/** The connections are listed (a read); the question to KILL them is shown, never asked. */
async function rehearseConnections(io: DryRunIo, step: number, a: ConnectionsAction, state: RecoveryState): Promise<void> {
  const found = await io.listConnections(step, a, state);
  if (found.length) io.emit({ event: 'question', steps: [step], question: killQuestion(found.length, a.role), dryRun: true });
}

function rehearseQuestion(io: DryRunIo, step: number, a: ActionOf<'ask'>): void {
  io.record(step, a.role, renderAction(a)[0].text, 'would-ask');
  io.emit({ event: 'question', steps: [step], question: a.question, dryRun: true });
}

/** fillText, or a text no rendering yields when a slot is unbound (to tell whether everything is known). */
function fillTextSafe(text: string, b: Bindings): string {
  try {
    return fillText(text, b);
  } catch {
    return '\u0000';
  }
}
