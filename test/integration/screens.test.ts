// Issue 19: what the operator sees at a real terminal (a pty), through a whole interactive recovery. Each statement
// that ran is shown once in its step, and at most once more (the overview); no question repeats a statement; the
// live copy line says how long GS has been locked; the summary says how long GS was locked; at 80 columns no line is
// wider than the terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { writeFileSync } from 'node:fs';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/lab.js';
import { runCli, startPty, type PtySession } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, recoverArgs, withSessions } from '../helpers/pair.js';

// The questions of a recovery of a 'stopped' pair, in order (as in interactive.test.ts), any spacing (wrapped lines).
const QUESTIONS = [
  'Fence BS',
  'Stop replication on BS',
  'Lock GS',
  'Run (this statement|these \\d+ statements) on BS',
  'Start replication on BS',
  'Run (this statement|these \\d+ statements) on GS',
  'Start replication on GS',
  'Undo step 1 on BS',
].map((q) => new RegExp(`${q.replace(/ /g, '\\s+')}[\\s\\S]*?\\(y/N\\)`));

let lab: Lab;

beforeAll(async () => {
  lab = await newLab();
  // Enough rows that the copy takes a moment and its live line is drawn.
  await withSessions(lab, (a) => loadOrders(a, 100_000));
}, 120_000);

afterAll(async () => {
  await dropLab(lab);
});

async function recoverAtTerminal(cols: number): Promise<{ pty: PtySession; stateHome: string }> {
  await breakLab(lab, 'stopped');
  const state = privateState();
  const pty = startPty(recoverArgs(lab), { ...lab.env(), ...state }, { cols });
  let at = 0;
  for (const q of QUESTIONS) {
    at = await pty.waitFor(q, 90_000, at);
    pty.type('y\r');
  }
  expect(await pty.exit, pty.screen().slice(-3000)).toBe(0);
  return { pty, stateHome: state.XDG_STATE_HOME };
}

// eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
const LINE_START = /\x1b\[\d*[GAKJ]|\r/g;
// eslint-disable-next-line no-control-regex -- as above
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]/g;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How often `role> text` is shown as a whole line's statement (a note, a "+N", an ellipsis or the line's end after it). */
function shownCount(screen: string, role: string, text: string): number {
  // A statement longer than the terminal wraps with a hanging indent: any space of it may be a line break there.
  const words = text.split(' ').map(escape).join('\\s+');
  return screen.match(new RegExp(`${role}> ${words}(?=[ \\t]+(--|\\(\\+\\d)|[ \\t]*(\\r?\\n|$))`, 'gm'))?.length ?? 0;
}

describe('at a real terminal', () => {
  it('shows each statement once in its step (plus at most the overview), never in a question; GS’s lock time live and in the summary', async () => {
    const { pty, stateHome } = await recoverAtTerminal(400);
    const screen = pty.screen();
    if (process.env.MMRECOVER_TEST_SCREEN) writeFileSync(process.env.MMRECOVER_TEST_SCREEN, screen);
    const journal = readJournal(stateHome).data;
    const overviewStart = screen.indexOf('The plan');
    const stepAt = (n: number) => screen.indexOf(`Step ${n}/11 `);
    expect(overviewStart).toBeGreaterThan(-1);
    const overview = screen.slice(overviewStart, stepAt(1));
    const section = (n: number) => screen.slice(stepAt(n), n < 11 ? stepAt(n + 1) : screen.indexOf('Recovery complete'));
    // The overview is compact: one line per step (its title, the statement that matters).
    expect(overview.trim().split('\n').length).toBe(1 + 11);
    const overviewOf = (n: number) =>
      overview.slice(overview.indexOf(`${String(n).padStart(2)}. `), n < 11 ? overview.indexOf(`${String(n + 1).padStart(2)}. `) : undefined);

    let checked = 0;
    for (const step of journal.steps)
      for (const x of step.executed) {
        if (x.mode === 'ask') continue;
        const inStep = shownCount(section(step.id), x.role, x.text);
        const inOverview = shownCount(overviewOf(step.id), x.role, x.text);
        // Once in the step: as its plan line (a plan may hold the same statement twice: START REPLICA, and again only
        // if replication stalls), or on its run line when values were filled in as it ran; never both.
        const inPlan = step.plan.filter((l) => l.role === x.role && l.text === x.text).length;
        expect(inStep, `step ${step.id}: ${x.role}> ${x.text}`).toBe(Math.max(1, inPlan));
        expect(inOverview, `overview of step ${step.id}: ${x.role}> ${x.text}`).toBeLessThanOrEqual(1);
        // Nowhere else either: the text counted over the whole screen is what the step and the overview showed.
        checked++;
      }
    expect(checked).toBeGreaterThan(15);
    // Across the whole screen, a statement is shown no more often than the steps' plans and overview lines hold it.
    for (const step of journal.steps)
      for (const x of step.executed) {
        const plans = journal.steps.reduce(
          (n, s) =>
            n +
            Math.max(
              s.executed.some((y) => y.role === x.role && y.text === x.text) ? 1 : 0,
              s.plan.filter((l) => l.role === x.role && l.text === x.text).length,
            ),
          0,
        );
        expect(shownCount(screen, x.role, x.text), `${x.role}> ${x.text}`).toBeLessThanOrEqual(2 * plans);
      }

    // No question holds a statement.
    const questions = screen.split('\n').filter((l) => /\(y\/N\)/.test(l));
    expect(questions.length).toBeGreaterThanOrEqual(QUESTIONS.length);
    const statements = journal.steps.flatMap((s) => s.executed.map((x) => x.text)).filter((t) => t.length >= 12);
    for (const q of questions) for (const t of statements) expect(q.includes(t), `question "${q}" repeats "${t}"`).toBe(false);

    // The live copy line: GS's lock time, bytes, the share of GS's data, the ETA; the summary: lock and out-of-service times.
    expect(screen).toMatch(/GS locked \d+ s · copied [\d.]+ [KMG]?B \(\d+% of GS’s ~[\d.]+ [KMG]?B\) · [\d.]+ [KMG]?B\/s/);
    // After step 5, at once: how long production could not write.
    expect(section(5)).toMatch(/GS was locked for \d+(\.\d)?s: production could not write for that long/);
    const summary = screen.slice(screen.indexOf('Recovery complete'));
    expect(summary).toMatch(/GS locked \(production could not write\): \d+(\.\d)?s/);
    expect(summary).toMatch(/BS out of service \(fenced until step 11\): \d/);
    expect(summary).toMatch(/Copy: [\d.]+ MB in [\d.]+s \([\d.]+ MB\/s\)/);
    await expectPairHealthy(lab);
  }, 240_000);

  // 80, 100 and 160: at 100 the overview's cut lines lost their indentation and a terminal-wrapped question broke its
  // answer mid-word ("Y" / "es"); at 80 neither showed.
  it.each([80, 100, 160])(
    'at %i columns, no line is wider than the terminal, and the overview keeps its indentation',
    async (cols) => {
      const { pty } = await recoverAtTerminal(cols);
      // Every cursor move back to the line's start (a spinner's redraw, a prompt's) begins a new line for this count.
      const lines = pty.raw().replace(LINE_START, '\n').replace(ANSI, '').split('\n');
      const wide = lines.filter((l) => stringWidth(l) > cols);
      expect(wide, wide.join('\n')).toEqual([]);
      expect(lines.length).toBeGreaterThan(100);
      // The overview: eleven lines, each "  N. title…", whether cut to the width or not.
      const screen = pty.screen();
      const overview = screen.slice(screen.indexOf('The plan (each step'), screen.indexOf('Step 1/'));
      const steps = overview.split('\n').filter((l) => /^\s*\d+\. /.test(l));
      expect(steps.length, overview).toBe(11);
      for (const l of steps) expect(l, overview).toMatch(/^ {2}[ \d]\d\. \S/);
      // Every answered question keeps its answer whole: no "Y" ending one screen line with "es" starting the next.
      const rows = screen.split('\n');
      const split = rows.filter((l, i) => /\bY\s*$/.test(l) && /^\s*es\b/.test(rows[i + 1] ?? ''));
      expect(split, screen).toEqual([]);
      expect((screen.match(/\bYes\b/g) ?? []).length, screen).toBeGreaterThanOrEqual(QUESTIONS.length);
      expect(screen).toMatch(/VERIFIED/);
    },
    240_000,
  );
});

describe('--help', () => {
  it('ends with three examples: rehearse, recover interactively, automate; no line wider than 80', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const tail = r.stdout.trimEnd().split('\n').slice(-8).join('\n');
    expect(tail).toMatch(/^Examples:\n {2}Rehearse[^\n]*\n {4}mmrecover --good \S+ --bad \S+ --dry-run\n/);
    expect(tail).toMatch(/\n {2}Recover interactively[^]*\n {4}mmrecover --good \S+ --bad \S+\n/);
    expect(tail).toMatch(/\n {2}Automate[^\n]*\n {4}mmrecover --good \S+ --bad \S+ --yes --confirm-bad \S+ --json$/);
    for (const l of r.stdout.split('\n')) expect(stringWidth(l), l).toBeLessThanOrEqual(80);
  });
});
