import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, defaultJournalPath } from '../../src/engine/journal.js';
import { firstIncompleteStep } from '../../src/engine/runner.js';
import { resumeCommand } from '../../src/engine/stop-report.js';
import { STEPS } from '../../src/recovery/procedure.js';
import { registerSecret } from '../../src/base/redact.js';

const fp = { host: 'h', port: 1, serverId: 1, serverUuid: 'u', version: '10.11' };

function journalWith(done: number[]): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-journal-'));
  return Journal.create(join(dir, 'j.json'), {
    method: 'classic',
    servers: { GS: fp, BS: { ...fp, serverId: 2 } },
    steps: STEPS.map((s) => ({ id: s.id, title: s.title, status: done.includes(s.id) ? 'done' : 'pending', plan: [], executed: [] })),
    state: { fence: [], killed: [] },
  });
}

describe('journal', () => {
  it('resumes at the first step not done; an unfinished copy restarts at step 3', () => {
    expect(firstIncompleteStep(journalWith([]))).toBe(1);
    expect(firstIncompleteStep(journalWith([1, 2]))).toBe(3);
    expect(firstIncompleteStep(journalWith([1, 2, 3]))).toBe(3);
    expect(firstIncompleteStep(journalWith([1, 2, 3, 4]))).toBe(3);
    expect(firstIncompleteStep(journalWith([1, 2, 3, 4, 5]))).toBe(6);
    expect(firstIncompleteStep(journalWith([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe(10);
  });

  it('is written atomically with mode 0600 and masks registered secrets', () => {
    const j = journalWith([1]);
    registerSecret('s3cr3t-pw');
    j.data.stoppedAt = { step: 4, reason: 'failed with s3cr3t-pw in a message' };
    j.save();
    expect(statSync(j.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(j.path, 'utf8')).not.toContain('s3cr3t-pw');
    expect(readdirSync(join(j.path, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(Journal.load(j.path).data.stoppedAt?.step).toBe(4);
  });

  it('has a default path per pair under XDG_STATE_HOME', () => {
    expect(defaultJournalPath({ XDG_STATE_HOME: '/state' }, { host: 'db1', port: 3306 }, { host: 'db2', port: 3307 })).toBe(
      '/state/mmrecover/recover-db1_3306--db2_3307.json',
    );
  });

  it('prints a resume command that can be pasted', () => {
    const cmd = resumeCommand(
      { good: { host: 'db1', port: 3306 }, bad: { host: 'db2', port: 3306 }, user: 'root', replUser: 'repl', method: 'classic' } as never,
      '/x/my journal.json',
    );
    expect(cmd).toBe("mmrecover recover --good db1:3306 --bad db2:3306 --resume --journal '/x/my journal.json'");
  });
});
