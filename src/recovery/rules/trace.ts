// A step's actions as plain data, for the rules checker: every statement as it is shown (slots as <name>), every
// command line with its argv, every condition an offline plan puts on an action. Pure; JSON-serialisable, so that a
// sequence can be kept as a fixture and checked again later.
import { renderText, type Action, type Fact, type Role } from '../actions.js';

export interface TraceCommand {
  program: string;
  args: string[];
}

interface Common {
  step: number;
  role: Role;
  /** Runs only if every fact holds (an offline plan's branch). */
  when?: Fact[];
  /** One of a wait's onStall actions: it runs only if the wait stalls. */
  stall?: boolean;
  /** Runs even after an earlier action of its step failed. */
  cleanup?: boolean;
}

export type TraceEntry = Common &
  (
    | { kind: 'sql'; text: string }
    /** A statement a wait polls with (read-only; it must still exist on the server). */
    | { kind: 'poll'; text: string }
    /** `dump | load`: the dump reads GS, the load writes BS. */
    | { kind: 'copy'; dump: TraceCommand; load: TraceCommand }
    /** A command whose output is kept in a file (BS's own events, or a dump of BS for a scratch server). */
    | { kind: 'export'; tool: 'binlog-events' | 'dump-gzip'; command: TraceCommand }
  );

const command = (c: { program: string; args: string[] }): TraceCommand => ({ program: c.program, args: c.args.map((a) => renderText(a)) });

/** The trace entries of one action of step `step`. */
export function traceAction(step: number, a: Action, extra: Partial<Common> = {}): TraceEntry[] {
  // The rules are the MySQL manuals' word about a pair (GS, BS); a ring's other members and a donor (R) are MariaDB-tested only.
  if (a.role !== 'GS' && a.role !== 'BS') return [];
  const base: Common = {
    step,
    role: a.role,
    ...(a.branch ? { when: a.branch.all } : {}),
    ...(a.cleanup ? { cleanup: true } : {}),
    ...extra,
  };
  switch (a.kind) {
    case 'sql':
    case 'unlock':
    case 'clone':
      return [{ ...base, kind: 'sql', text: renderText(a.statement.shown) }];
    case 'lock':
      return a.statements.map((s) => ({ ...base, kind: 'sql', text: renderText(s.shown) }));
    case 'connections':
      return [
        { ...base, kind: 'sql', text: renderText(a.list.shown) },
        { ...base, kind: 'sql', text: renderText(a.kill.shown), stall: true },
      ];
    case 'copy':
      return [{ ...base, kind: 'copy', dump: command(a.dump), load: command(a.load) }];
    case 'parallel-copy':
      // Every pipe in the order it starts; the snapshot lock's statements are GS's, between the schema and the data.
      return [
        ...a.before.map((c) => ({ ...base, kind: 'copy' as const, dump: command(c.dump), load: command(c.load) })),
        ...(a.snapshotLock ? [...a.snapshotLock.statements, ...a.snapshotLock.record.map((r) => r.statement)] : []).map((st) => ({
          ...base,
          role: 'GS' as const,
          kind: 'sql' as const,
          text: renderText(st.shown),
        })),
        ...[...a.streams, ...a.after].map((c) => ({ ...base, kind: 'copy' as const, dump: command(c.dump), load: command(c.load) })),
        ...(a.snapshotLock ? [{ ...base, role: 'GS' as const, kind: 'sql' as const, text: renderText(a.snapshotLock.release.shown) }] : []),
      ];
    case 'export':
      return [{ ...base, kind: 'export', tool: a.tool, command: command(a.command) }];
    case 'wait':
      return [
        ...(a.polls ? [{ ...base, kind: 'poll' as const, text: renderText(a.polls.shown) }] : []),
        ...(a.onStall ?? []).flatMap((s) => traceAction(step, s, { stall: true })),
      ];
    case 'ask':
      return [];
    case 'keep-rows':
      // Reads BS's rows into a file: nothing a server could refuse for the fence or GTID state the rules model.
      return [];
    case 'fence-watch':
      return [{ ...base, kind: 'poll', text: renderText(a.list.shown) }];
    case 'haproxy':
    case 'haproxy-traffic':
    case 'hook':
      // The traffic layer (HAProxy, the operator's hooks): nothing a server could refuse.
      return [];
    case 'host':
    case 'stream':
    case 'swap-datadir':
      // Commands on the servers' hosts (the physical copy): no statement a server could refuse.
      return [];
  }
}

/** A whole plan (each step's actions, in order) as trace entries. */
export function traceOf(plans: Array<{ step: number; actions: Action[] }>): TraceEntry[] {
  return plans.flatMap((p) => p.actions.flatMap((a) => traceAction(p.step, a)));
}

/** "4 BS> DROP DATABASE `x`" lines, for messages and fixtures a person reads. */
export function describeEntry(e: TraceEntry): string {
  const head = `${e.step} ${e.role}>`;
  switch (e.kind) {
    case 'sql':
    case 'poll':
      return `${head} ${e.text}`;
    case 'copy':
      return `${head} $ ${e.dump.program} ${e.dump.args.join(' ')} | ${e.load.program} ${e.load.args.join(' ')}`;
    case 'export':
      return `${head} $ ${e.command.program} ${e.command.args.join(' ')}`;
  }
}
