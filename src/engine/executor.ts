// One plan, two executors. Steps send every statement and command through an Executor:
// the live one runs them; the dry-run one runs only reads and shows the rest as "would run".
import type { Row, ServerSession } from '../adapters/mysql/session.js';
import { stmt, type Statement } from '../dialect/statement.js';
import type { Reporter, StatementMode } from '../cli/ui/reporter.js';
import type { Role } from '../recovery/context.js';

/** Statements that cannot change anything on a server. */
export function isReadOnlyStatement(sql: string): boolean {
  const s = sql.trim().replace(/^\/\*.*?\*\/\s*/s, '');
  if (/\b(FOR\s+UPDATE|LOCK\s+IN\s+SHARE\s+MODE|INTO\s+(OUT|DUMP)FILE|INTO\s+@)/i.test(s)) return false;
  return /^(SELECT|SHOW|CHECKSUM\s+TABLE)\b/i.test(s);
}

export interface ExecutedRecord {
  role: Role;
  shown: string;
  mode: StatementMode;
}

export interface Executor {
  readonly live: boolean;
  /** Run a statement on a server's main session, or on `via` (the read-lock session). */
  sql(role: Role, statement: Statement | string, opts?: { via?: ServerSession; quiet?: boolean }): Promise<Row[]>;
  /** Run an external command (the copy): live runs `run`, dry-run only shows `shown`. */
  command<T>(role: Role, shown: string, run: () => Promise<T>): Promise<T | undefined>;
}

export interface ExecutorDeps {
  sessions: { GS?: ServerSession; BS?: ServerSession };
  ui: Reporter;
  /** Every statement and command, as shown, for the journal. */
  record: (r: ExecutedRecord) => void;
}

export class LiveExecutor implements Executor {
  readonly live = true;
  constructor(private readonly deps: ExecutorDeps) {}

  async sql(role: Role, statement: Statement | string, opts: { via?: ServerSession; quiet?: boolean } = {}): Promise<Row[]> {
    const s = typeof statement === 'string' ? stmt(statement) : statement;
    const target = opts.via ?? this.deps.sessions[role];
    if (!target) throw new Error(`${role}: not connected`);
    const mode: StatementMode = isReadOnlyStatement(s.sql) ? 'read' : 'run';
    if (!opts.quiet) this.deps.ui.statement(role, s.shown, mode);
    this.deps.record({ role, shown: s.shown, mode });
    return target.query(s);
  }

  async command<T>(role: Role, shown: string, run: () => Promise<T>): Promise<T> {
    this.deps.ui.statement(role, `$ ${shown}`, 'run');
    this.deps.record({ role, shown: `$ ${shown}`, mode: 'run' });
    return run();
  }
}

/** Dry run: reads go to the server when it answers; anything else is refused and shown as "would run". */
export class DryRunExecutor implements Executor {
  readonly live = false;
  constructor(private readonly deps: ExecutorDeps) {}

  async sql(role: Role, statement: Statement | string, opts: { via?: ServerSession; quiet?: boolean } = {}): Promise<Row[]> {
    const s = typeof statement === 'string' ? stmt(statement) : statement;
    if (!isReadOnlyStatement(s.sql)) {
      this.deps.ui.statement(role, s.shown, 'would-run');
      this.deps.record({ role, shown: s.shown, mode: 'would-run' });
      return [];
    }
    if (!opts.quiet) this.deps.ui.statement(role, s.shown, 'read');
    this.deps.record({ role, shown: s.shown, mode: 'read' });
    const target = this.deps.sessions[role];
    return target ? target.query(s) : [];
  }

  async command<T>(role: Role, shown: string, _run?: () => Promise<T>): Promise<undefined> {
    this.deps.ui.statement(role, `$ ${shown}`, 'would-run');
    this.deps.record({ role, shown: `$ ${shown}`, mode: 'would-run' });
    return undefined;
  }
}
