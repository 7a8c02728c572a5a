import { describe, expect, it } from 'vitest';
import { isReadOnlyStatement, DryRunExecutor, type ExecutedRecord } from '../../src/engine/executor.js';
import { Reporter } from '../../src/cli/ui/reporter.js';
import { Writable } from 'node:stream';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('dry-run executor', () => {
  it('classifies statements', () => {
    for (const s of ['SELECT 1', 'show master status', 'SHOW REPLICA STATUS', ' CHECKSUM TABLE a.b']) expect(isReadOnlyStatement(s)).toBe(true);
    for (const s of ['STOP SLAVE', 'FLUSH TABLES WITH READ LOCK', 'SET GLOBAL read_only = ON', 'CHANGE MASTER TO MASTER_HOST=1', 'SELECT * FROM t FOR UPDATE', 'SELECT 1 INTO OUTFILE "/tmp/x"', 'KILL 5'])
      expect(isReadOnlyStatement(s)).toBe(false);
  });

  it('never sends a write, and records it as would-run', async () => {
    const sent: string[] = [];
    const fake = { query: async (s: { sql: string }) => (sent.push(s.sql), [{ x: 1 }]) } as never;
    const records: ExecutedRecord[] = [];
    const exec = new DryRunExecutor({ sessions: { GS: fake }, ui: new Reporter({ json: false, stderr: sink(), stdout: sink() }), record: (r) => records.push(r) });
    expect(await exec.sql('GS', 'STOP SLAVE')).toEqual([]);
    expect(await exec.sql('GS', 'SHOW MASTER STATUS')).toEqual([{ x: 1 }]);
    expect(await exec.command('BS', 'mariadb-dump | mariadb', async () => 'ran')).toBeUndefined();
    expect(sent).toEqual(['SHOW MASTER STATUS']);
    expect(records.map((r) => r.mode)).toEqual(['would-run', 'read', 'would-run']);
  });
});
