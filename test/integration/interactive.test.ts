// Issue 4: questions before every destructive step, never while GS is locked; a No stops everything after it.
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { runRecovery } from '../../src/engine/runner.js';
import { breakLab } from '../../src/lab/break.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { ScriptedPrompter } from '../helpers/prompter.js';
import { startPty } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { expectPairHealthy, recoverArgs, withSessions } from '../helpers/pair.js';
import type { Lab } from '../../src/lab/lab.js';

// Each question names the server and refers to the statements shown above it; it never repeats them.
const QUESTIONS = [
  { step: 1, match: 'Fence BS' },
  { step: 2, match: 'Stop replication on BS' },
  { step: 3, match: 'Lock GS' },
  { step: 6, match: 'Run (this statement|these \\d+ statements) on BS' },
  { step: 7, match: 'Start replication on BS' },
  { step: 9, match: 'Run (this statement|these \\d+ statements) on GS' },
  { step: 10, match: 'Start replication on GS' },
  { step: 11, match: 'Undo step 1 on BS' },
];

function settingsFor(lab: Lab) {
  const s = loadSettings({ flags: { good: `127.0.0.1:${lab.a.port}`, bad: `127.0.0.1:${lab.b.port}` }, env: lab.env(), cwd: lab.dir });
  return { ...s, password: s.password!, replPassword: s.replPassword! };
}

const quiet = () => undefined;

describe('engine with a scripted prompter', () => {
  it('asks exactly the expected questions, in order, and completes on yes', async () => {
    const lab = await newLab();
    try {
      await breakLab(lab, 'stopped');
      const prompter = new ScriptedPrompter(QUESTIONS.map((q) => ({ match: new RegExp(q.match), answer: true })));
      const out = await runRecovery({
        settings: settingsFor(lab),
        emit: quiet,
        prompter,
        signal: new AbortController().signal,
        env: { XDG_STATE_HOME: lab.dir },
      });
      expect(prompter.asked.length).toBe(QUESTIONS.length);
      expect(prompter.remaining).toBe(0);
      expect(out.exitCode).toBe(0);
      await expectPairHealthy(lab);
    } finally {
      await dropLab(lab);
    }
  });

  it('fails on a question it was not told to expect, before anything runs', async () => {
    const lab = await newLab();
    try {
      const prompter = new ScriptedPrompter([{ match: 'something else', answer: true }]);
      const out = await runRecovery({
        settings: settingsFor(lab),
        emit: quiet,
        prompter,
        signal: new AbortController().signal,
        env: { XDG_STATE_HOME: lab.dir },
      });
      expect(out.exitCode).toBe(1);
      expect(out.executed.filter((e) => e.mode === 'run')).toEqual([]);
    } finally {
      await dropLab(lab);
    }
  });
});

describe('under a real terminal', () => {
  it('asks before each destructive step, never while GS is locked, and completes on y', async () => {
    const lab = await newLab();
    try {
      await breakLab(lab, 'conflict');
      const pty = startPty(recoverArgs(lab), lab.env());
      let at = 0;
      for (const q of QUESTIONS) {
        at = await pty.waitFor(new RegExp(`${q.match}[^\\n]*\\(y/N\\)`), 60_000, at);
        pty.type('y\r');
      }
      expect(await pty.exit).toBe(0);
      const screen = pty.screen();
      expect(screen).toMatch(/VERIFIED/);
      // From the lock taken to the lock given back (the run lines refer to the statements by their number in the step).
      const locked = screen.slice(screen.indexOf('GS: global read lock held'), screen.indexOf('GS unlocked: production writes flow again'));
      expect(locked.length).toBeGreaterThan(0);
      expect(locked).not.toMatch(/\(y\/N\)/);
      await expectPairHealthy(lab);
    } finally {
      await dropLab(lab);
    }
  });

  for (const stopAt of [0, 2, 3, 7]) {
    it(`answering n at question ${stopAt + 1} (step ${QUESTIONS[stopAt].step}) stops with no later step run`, async () => {
      const lab = await newLab();
      try {
        await breakLab(lab, 'stopped');
        const pty = startPty(recoverArgs(lab), lab.env());
        let at = 0;
        for (let i = 0; i <= stopAt; i++) {
          at = await pty.waitFor(new RegExp(`${QUESTIONS[i].match}[^\\n]*\\(y/N\\)`), 60_000, at);
          pty.type(i === stopAt ? 'n\r' : 'y\r');
        }
        expect(await pty.exit).toBe(1);
        const after = pty.screen().slice(at);
        expect(after).toMatch(/Stopped at step \d+: you answered No/);
        expect(after).not.toMatch(/\brun (#\d+ on (GS|BS)|(GS|BS)> )/);
        expect(after).toMatch(/To continue: mmrecover recover .* --resume/);
        await withSessions(lab, async (a) => {
          // GS is writable whatever the answer
          await a.query('INSERT INTO shop.orders (customer_id, amount) VALUES (1, 1)');
          if (QUESTIONS[stopAt].step <= 3) expect((await readReplicaStatus(a)).sqlRunning).toBe('Yes');
        });
      } finally {
        await dropLab(lab);
      }
    });
  }
});
