// --dry-run --assume <flavor>-<version>: the whole plan that version needs, for every version profile × method ×
// positioning, with the client programs found on this machine, and nothing reached over the network (both servers'
// ports record every connection; none is made).
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { runRecovery } from '../../src/engine/runner.js';
import type { RunEvent } from '../../src/recovery/events.js';
import { parseAssumedVersion } from '../../src/dialect/version.js';
import { VERSIONS, assumeOf } from '../helpers/rules.js';
import { useRecordedPair } from '../helpers/recorder.js';

const noQuestions = {
  interactive: false,
  confirm: async (q: string): Promise<boolean> => {
    throw new Error(`a dry run asked: ${q}`);
  },
  secret: async (): Promise<string> => {
    throw new Error('a dry run asked for a secret');
  },
};

const recorded = useRecordedPair();

async function rehearse(assume: string, method: string, positioning: string): Promise<RunEvent[]> {
  const cwd = mkdtempSync(join(tmpdir(), 'mmrecover-assume-'));
  const flags = { ...recorded.ports(), dryRun: true, assume, method, positioning };
  const settings = { ...loadSettings({ flags, env: {}, cwd }), password: 'pw', replPassword: 'r3pl' };
  const events: RunEvent[] = [];
  const out = await runRecovery({
    settings,
    emit: (e) => events.push(e),
    prompter: noQuestions,
    signal: new AbortController().signal,
    env: { XDG_STATE_HOME: cwd },
  });
  expect(out.exitCode).toBe(0);
  return events;
}

describe('--dry-run --assume: every version, method and positioning, offline', () => {
  for (const version of VERSIONS)
    it(assumeOf(version), async () => {
      const assume = assumeOf(version);
      const v = parseAssumedVersion(assume);
      for (const method of ['classic', 'online'])
        for (const positioning of ['file', 'gtid']) {
          const events = await rehearse(assume, method, positioning);
          expect(events.at(-1)).toMatchObject({ event: 'result', status: 'dry-run-complete' });
          // Each step as it is shown when its turn comes (after what the earlier steps would have changed).
          const steps = events.filter((e): e is Extract<RunEvent, { event: 'step_start' }> => e.event === 'step_start');
          expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
          // Every step that acts shows its statements; only the online method's unlock has nothing to do.
          for (const s of steps) if (!(method === 'online' && s.step === 5)) expect(s.lines.length, `step ${s.step}`).toBeGreaterThan(0);
          const text = steps.flatMap((s) => s.lines.map((l) => `${s.step} ${l.role}> ${l.text}`)).join('\n');
          // The statements are the assumed version's, and replication resumes the way asked.
          expect(text).toMatch(
            v.flavor === 'mysql' && v.major >= 8 && (v.minor > 0 || v.patch >= 23) ? /6 BS> CHANGE REPLICATION SOURCE TO / : /6 BS> CHANGE MASTER TO /,
          );
          expect(text).toMatch(positioning === 'gtid' ? (v.flavor === 'mysql' ? /_AUTO_POSITION=1/ : /MASTER_USE_GTID=slave_pos/) : /_LOG_FILE='<GS File>'/);
          const servers = events.filter((e): e is Extract<RunEvent, { event: 'server' }> => e.event === 'server');
          expect(servers.map((s) => s.reachable)).toEqual([false, false]);
          expect(servers[0].reason).toContain(`--assume ${assume}`);
        }
      expect(recorded.connections()).toBe(0);
    });
});
