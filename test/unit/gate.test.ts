import { describe, expect, it } from 'vitest';
import { DRY_RUN, gate, type ActionKind, type ActionOf, type DryRunIo, type Handlers } from '../../src/engine/gate.js';
import { renderAction, type Action } from '../../src/recovery/actions.js';
import type { ActionMode, RunEvent } from '../../src/recovery/events.js';
import { emptyState } from '../../src/recovery/state.js';
import { stmt } from '../../src/dialect/statement.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';

const local = { kind: 'local' } as const;
const cmd = (program: string, ...args: string[]) => ({ program, args });
const pipe = { label: 'shop.orders', dump: cmd('mariadb-dump', 'shop'), load: cmd('mariadb'), estimateBytes: 1, estimateRows: 1 };

/** One action of every kind, each the kind of thing a dry run must not do (a statement that writes, for SQL). */
const SAMPLES: { [K in ActionKind]: ActionOf<K> } = {
  sql: { kind: 'sql', role: 'BS', statement: stmt('STOP SLAVE') },
  lock: { kind: 'lock', role: 'GS', statements: [stmt('FLUSH TABLES'), stmt('FLUSH TABLES WITH READ LOCK')], timeoutSeconds: 1, unattendedAttempts: 1 },
  unlock: { kind: 'unlock', role: 'GS', statement: stmt('UNLOCK TABLES') },
  copy: { kind: 'copy', role: 'BS', dump: pipe.dump, load: pipe.load, watchHeader: false },
  'parallel-copy': { kind: 'parallel-copy', role: 'BS', before: [pipe], streams: [pipe, pipe], after: [], lockSays: 'GS locked' },
  export: { kind: 'export', role: 'BS', tool: 'dump-gzip', command: cmd('mariadb-dump', 'shop'), file: 'bs.sql.gz' },
  'keep-rows': { kind: 'keep-rows', role: 'BS', compares: 'shop', file: 'rows.sql', collect: () => Promise.reject(new Error('collected')) },
  wait: { kind: 'wait', role: 'BS', condition: 'replication runs', probe: () => Promise.reject(new Error('probed')) },
  connections: { kind: 'connections', role: 'BS', list: stmt('SELECT ID FROM information_schema.PROCESSLIST'), kill: stmt('KILL 1') },
  ask: { kind: 'ask', role: 'BS', question: 'Go on?' },
  host: { kind: 'host', role: 'BS', host: local, command: cmd('mariadb-backup', '--prepare'), timeoutSeconds: 1 },
  stream: {
    kind: 'stream',
    role: 'BS',
    from: { role: 'GS', host: local, command: cmd('mariadb-backup', '--backup') },
    to: { role: 'BS', host: local, command: cmd('mbstream', '-x') },
    fromCompleted: /completed OK!/,
  },
  'swap-datadir': {
    kind: 'swap-datadir',
    role: 'BS',
    host: local,
    datadir: '/d',
    incoming: '/d.in',
    kept: '/d.kept',
    stop: cmd('stop'),
    start: cmd('start'),
    timeoutSeconds: 1,
  },
  clone: { kind: 'clone', role: 'BS', statement: stmt('CLONE INSTANCE FROM u@h:3306'), timeoutSeconds: 1 },
  haproxy: { kind: 'haproxy', role: 'BS', socket: '/run/haproxy.sock', backend: 'db', server: 'bs', state: 'maint' },
  'haproxy-traffic': { kind: 'haproxy-traffic', role: 'BS', socket: '/run/haproxy.sock', backend: 'db', server: 'bs', seconds: 1 },
  hook: { kind: 'hook', role: 'BS', option: '--fence-command', command: 'fence bs', env: {}, timeoutSeconds: 1 },
  'fence-watch': { kind: 'fence-watch', role: 'BS', seconds: 1, list: stmt('SELECT ID FROM information_schema.PROCESSLIST'), when: 'after step 1' },
};
const KINDS = Object.keys(SAMPLES) as ActionKind[];

/** Handlers that only note that an action reached them. */
function spyHandlers(reached: string[]): Handlers {
  return Object.fromEntries(KINDS.map((k) => [k, async (_step: number, a: Action) => void reached.push(a.kind)])) as unknown as Handlers;
}

function dryIo(connected: boolean) {
  const records: Array<[ActionMode, string]> = [];
  const events: RunEvent[] = [];
  const reads: string[] = [];
  const session = {} as ServerSession;
  const io: DryRunIo = {
    record: (_step, _role, text, mode) => void records.push([mode, text]),
    emit: (e) => void events.push(e),
    session: () => (connected ? session : undefined),
    runRead: async (_step, a) => void reads.push(a.statement.sql),
    listConnections: async (_step, a) => {
      reads.push(a.list.sql);
      return [{ id: 7, user: 'app', host: '10.0.0.9:5000', db: '', command: 'Sleep', time: 1, info: '' }];
    },
  };
  return { io, records, events, reads };
}

describe('the execution gate', () => {
  it('every kind of action declares what a dry run does instead of running it', () => {
    // The type above lists every kind (a new one does not compile until it has a sample); the table must cover the same.
    expect(Object.keys(DRY_RUN).sort()).toEqual([...KINDS].sort());
    for (const k of KINDS) {
      const dry = DRY_RUN[k];
      if (typeof dry !== 'function') expect(['would-run', 'would-wait'], k).toContain(dry.shows);
    }
  });

  it('in a dry run no action reaches its handler, whatever its kind; only reads run', async () => {
    const reached: string[] = [];
    const { io, records, events, reads } = dryIo(true);
    const run = gate(false, spyHandlers(reached), io);
    for (const a of Object.values(SAMPLES)) await run(4, a, emptyState(), {});
    expect(reached).toEqual([]);
    expect(reads).toEqual([SAMPLES.connections.list.sql]); // the connection list, never STOP SLAVE nor the KILL
    expect(records.filter(([m]) => m === 'run' || m === 'wait' || m === 'ask')).toEqual([]);
    expect(records).toContainEqual(['would-run', 'STOP SLAVE']);
    expect(records).toContainEqual(['would-wait', renderAction(SAMPLES.wait)[0].text]);
    expect(records).toContainEqual(['would-ask', 'ask: Go on?']);
    expect(records.filter(([, t]) => /FLUSH TABLES/.test(t))).toHaveLength(2);
    expect(events.filter((e) => e.event === 'question').map((e) => e.event === 'question' && e.dryRun)).toEqual([true, true]);
  });

  it('a dry run follows a shown action’s effect and runs a read it can measure', async () => {
    const reached: string[] = [];
    const { io, records, reads } = dryIo(true);
    const state = emptyState();
    const run = gate(false, spyHandlers(reached), io);
    await run(1, { ...SAMPLES.hook, effect: (s) => void (s.fenceHookRan = true) }, state, {});
    await run(3, { kind: 'sql', role: 'GS', statement: stmt('SHOW MASTER STATUS'), onLockSession: true }, state, {});
    expect(state.fenceHookRan).toBe(true);
    expect(reads).toEqual(['SHOW MASTER STATUS']);
    expect(records).toEqual([['would-run', renderAction(SAMPLES.hook)[0].text]]); // the read records itself (runRead)
    expect(reached).toEqual([]);
  });

  it('a live run hands every kind to its handler, and refuses an unmeasured branch', async () => {
    const reached: string[] = [];
    const { io, records } = dryIo(true);
    const run = gate(true, spyHandlers(reached), io);
    for (const a of Object.values(SAMPLES)) await run(4, a, emptyState(), {});
    expect(reached).toEqual(KINDS);
    expect(records).toEqual([]);
    const branch = { ...SAMPLES.sql, branch: { text: 'if super_read_only is ON', all: [] } };
    await expect(run(1, branch, emptyState(), {})).rejects.toThrow(/unmeasured branch/);
  });
});
