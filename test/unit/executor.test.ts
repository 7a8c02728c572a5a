import { describe, expect, it } from 'vitest';
import { Executor, type Executed } from '../../src/engine/executor.js';
import { isReadOnlyStatement } from '../../src/engine/gate.js';
import { fillStatement, lineMatches, renderAction, slot, type Action } from '../../src/recovery/actions.js';
import { emptyState } from '../../src/recovery/state.js';
import { stmt } from '../../src/dialect/statement.js';
import { offlineContext } from '../helpers/offline.js';

function executor(live: boolean, sent: string[]) {
  const fake = { query: async (s: { sql: string }) => (sent.push(s.sql), [{ File: 'mysql-bin.000002', Position: 4 }]) } as never;
  const records: Executed[] = [];
  const exec = new Executor({
    live,
    settings: offlineContext('10.11.0-MariaDB').settings,
    sessions: { GS: fake },
    clients: () => Promise.reject(new Error('no clients in this test')),
    prompter: { interactive: false, confirm: () => Promise.reject(new Error('unexpected question')), secret: () => Promise.reject(new Error('unexpected')) },
    emit: () => undefined,
    signal: new AbortController().signal,
    record: (r) => records.push(r),
  });
  return { exec, records };
}

describe('executors', () => {
  it('classifies statements', () => {
    for (const s of ['SELECT 1', 'show master status', 'SHOW REPLICA STATUS', ' CHECKSUM TABLE a.b']) expect(isReadOnlyStatement(s)).toBe(true);
    for (const s of [
      'STOP SLAVE',
      'FLUSH TABLES WITH READ LOCK',
      'SET GLOBAL read_only = ON',
      'CHANGE MASTER TO MASTER_HOST=1',
      'SELECT * FROM t FOR UPDATE',
      'SELECT 1 INTO OUTFILE "/tmp/x"',
      'KILL 5',
    ])
      expect(isReadOnlyStatement(s)).toBe(false);
  });

  it('the dry run never sends a write, runs reads, and records both from the action itself', async () => {
    const sent: string[] = [];
    const { exec, records } = executor(false, sent);
    const state = emptyState();
    const actions: Action[] = [
      { kind: 'sql', role: 'GS', statement: stmt('STOP SLAVE'), effect: (s) => void s.fence.push({ variable: 'x', before: 'OFF' }) },
      {
        kind: 'sql',
        role: 'GS',
        statement: stmt('SHOW MASTER STATUS'),
        capture: (rows, s) => void (s.gsCoords = { file: String(rows[0].File), position: Number(rows[0].Position) }),
      },
    ];
    await exec.runAll(3, actions, state);
    expect(sent).toEqual(['SHOW MASTER STATUS']);
    expect(records.map((r) => [r.mode, r.text])).toEqual([
      ['would-run', 'STOP SLAVE'],
      ['read', 'SHOW MASTER STATUS'],
    ]);
    expect(state.gsCoords).toEqual({ file: 'mysql-bin.000002', position: 4 });
    expect(state.fence).toHaveLength(1); // a rehearsal follows the effects, so later steps show what they would undo
  });

  it('reads for the steps refuse anything that could write', async () => {
    const { exec } = executor(true, []);
    await expect(exec.read('GS', stmt('SET GLOBAL read_only = OFF'))).rejects.toThrow(/not an action of the plan/);
  });

  it('a cleanup action still runs after a failure, and the first failure is what is thrown', async () => {
    const sent: string[] = [];
    const { exec } = executor(true, sent);
    const boom: Action = { kind: 'sql', role: 'BS', statement: stmt('STOP SLAVE') }; // BS is not connected here
    await expect(
      exec.runAll(
        10,
        [boom, { kind: 'sql', role: 'GS', statement: stmt('START SLAVE'), cleanup: true }, { kind: 'sql', role: 'GS', statement: stmt('SELECT 2') }],
        emptyState(),
      ),
    ).rejects.toThrow(/BS/);
    expect(sent).toEqual(['START SLAVE']);
  });
});

describe('slots: shown as <name>, filled and checked when they run', () => {
  const s = stmt(`START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='${slot('GS File', 'file')}', MASTER_LOG_POS=${slot('GS Position', 'int')}`);
  it('renders placeholders and fills values into the same text', () => {
    const a: Action = { kind: 'sql', role: 'BS', statement: s };
    expect(renderAction(a)[0].text).toBe("START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='<GS File>', MASTER_LOG_POS=<GS Position>");
    const filled = fillStatement(s, { 'GS File': 'mysql-bin.000003', 'GS Position': '1234' });
    expect(filled.sql).toBe("START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234");
    expect(lineMatches(renderAction(a)[0].text, filled.shown)).toBe(true);
  });
  it('refuses a value that does not look like what the slot holds', () => {
    expect(() => fillStatement(s, { 'GS File': "x'; DROP DATABASE shop; --", 'GS Position': '1' })).toThrow(/not a valid file/);
    expect(() => fillStatement(s, { 'GS File': 'mysql-bin.000003' })).toThrow(/no value for <GS Position>/);
  });
});
