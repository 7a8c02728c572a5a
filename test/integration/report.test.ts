// Issue 19: the post-incident report from the journals of real lab runs: one interrupted (SIGINT) mid-copy, the same
// run resumed to completion, and one stopped at a question (No). Each in md, html and json: all eleven steps with
// status and duration; the HTML parses, holds one SVG bar per step that ran and loads nothing; no lab password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { runRecovery } from '../../src/engine/runner.js';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import type { Report } from '../../src/report/model.js';
import { runCli, startCli } from '../helpers/cli.js';
import { bigBrokenLab, PACE_COPY, readJournal, waitForText } from '../helpers/faults.js';
import { dropLab } from '../helpers/lab.js';
import { privateState, yesArgs } from '../helpers/pair.js';
import { ScriptedPrompter } from '../helpers/prompter.js';
import { checkHtml, checkSteps, expectNoSecret } from '../helpers/report-check.js';

let lab: Lab;
const journals: Record<'interrupted' | 'completed' | 'declined', string> = { interrupted: '', completed: '', declined: '' };
const out = mkdtempSync(join(tmpdir(), 'mmrecover-report-'));

beforeAll(async () => {
  const big = await bigBrokenLab();
  lab = big.lab;
  // 1. Ctrl-C (SIGINT) while the copy runs.
  const run = startCli(yesArgs(lab, PACE_COPY), big.env);
  await waitForText(run.output, /Copying GS → BS/);
  await new Promise((r) => setTimeout(r, 300));
  run.child.kill('SIGINT');
  const r1 = await run.result;
  expect(r1.code, r1.stderr).toBe(130);
  const j = readJournal(big.env.XDG_STATE_HOME);
  expect(j.data.outcome).toBe('interrupted');
  journals.interrupted = join(out, 'interrupted.json');
  copyFileSync(j.path, journals.interrupted);
  // 2. The same run resumed to the end.
  const r2 = await runCli(yesArgs(lab, ['--resume']), big.env);
  expect(r2.code, r2.stderr).toBe(0);
  journals.completed = j.path;
  // 3. Broken again, a new run answered No at the lock question (after steps 1 and 2 ran).
  await breakLab(lab, 'stopped');
  const state = privateState();
  const s = loadSettings({ flags: { good: `127.0.0.1:${lab.a.port}`, bad: `127.0.0.1:${lab.b.port}` }, env: lab.env(), cwd: lab.dir });
  const prompter = new ScriptedPrompter([
    { match: 'Fence BS', answer: true },
    { match: 'Stop replication on BS', answer: true },
    { match: 'Lock GS', answer: false },
  ]);
  const r3 = await runRecovery({
    settings: { ...s, password: s.password!, replPassword: s.replPassword! },
    emit: () => undefined,
    prompter,
    signal: new AbortController().signal,
    env: state,
    invocation: { user: 'tester', host: 'lab', argv: ['--good', `127.0.0.1:${lab.a.port}`, '--bad', `127.0.0.1:${lab.b.port}`] },
  });
  expect(r3.exitCode).toBe(1);
  journals.declined = readJournal(state.XDG_STATE_HOME).path;
}, 240_000);

afterAll(async () => {
  await dropLab(lab);
});

/** The three formats of one journal, made by the CLI with no password anywhere in its environment. */
async function reports(name: keyof typeof journals) {
  const env = { MMRECOVER_PASSWORD: undefined, MMRECOVER_REPL_PASSWORD: undefined };
  const files = { md: join(out, `${name}.md`), html: join(out, `${name}.html`), json: join(out, `${name}.report.json`) };
  for (const [format, file] of Object.entries(files)) {
    const r = await runCli(['report', '--journal', journals[name], '--format', format, '--output', file], env);
    expect(r.code, r.stderr).toBe(0);
  }
  const read = (f: string) => readFileSync(f, 'utf8');
  const svg = read(join(out, `${name}.timeline.svg`));
  const texts = { md: read(files.md), html: read(files.html), json: read(files.json), svg, journal: read(journals[name]) };
  return { ...texts, report: JSON.parse(texts.json) as Report };
}

describe('mmrecover report on lab journals', () => {
  for (const name of ['completed', 'interrupted', 'declined'] as const)
    it(`${name}: all eleven steps with status and duration in md, html and json; the HTML self-contained; no password`, async () => {
      const r = await reports(name);
      checkSteps(r.report, r.md, r.html, r.json);
      const { bars, svgs } = checkHtml(r.html);
      expect(svgs).toBe(1);
      const ran = r.report.steps.filter((s) => s.startedAt).map((s) => s.id);
      expect(bars).toEqual(ran);
      expect(checkHtml(r.svg).bars).toEqual(ran);
      expect(r.md).toContain(`](${name}.timeline.svg)`);
      expectNoSecret({ md: r.md, html: r.html, json: r.json, svg: r.svg, journal: r.journal }, [lab.state.adminPassword, lab.state.replPassword]);
      expect(r.report.invocations.length).toBeGreaterThan(0);
      expect(r.md).toContain(`GS 127.0.0.1:${lab.a.port}`);

      if (name === 'completed') {
        expect(r.report.outcome).toBe('completed');
        expect(r.report.steps.every((s) => s.status === 'done')).toBe(true);
        expect(r.report.invocations.map((i) => i.resume)).toEqual([false, true]);
        expect(r.report.verification.result?.verified).toBe(true);
        expect(r.report.coordinates.gs?.file).toMatch(/^mysql-bin\.\d+$/);
        expect(r.report.coordinates.bs?.file).toMatch(/^mysql-bin\.\d+$/);
        // the interrupted lock and the resumed one; the first copy incomplete, the second complete
        expect(r.report.gsLocks.length).toBe(2);
        expect(r.report.copies.map((c) => c.complete)).toEqual([false, true]);
        expect(r.report.copies[1].bytes).toBeGreaterThan(1_000_000);
        expect(r.svg.match(/class="gs-lock"/g)?.length).toBe(2);
        expect(r.md).toMatch(/GS locked \(production could not write\): \d/);
      }
      if (name === 'interrupted') {
        expect(r.report.outcome).toBe('interrupted');
        expect(r.report.steps[3].status).toBe('interrupted');
        expect(ran).toEqual([1, 2, 3, 4]);
        expect(r.report.copies).toEqual([expect.objectContaining({ complete: false })]);
        expect(r.report.gsLocks.length).toBe(1);
        expect(r.md).toContain('not made: the run did not reach the proof (step 10)');
      }
      if (name === 'declined') {
        expect(r.report.outcome).toBe('declined');
        expect(r.report.steps[2].status).toBe('declined');
        expect(r.report.steps.slice(0, 2).map((s) => s.status)).toEqual(['done', 'done']);
        expect(r.report.invocations[0].user).toBe('tester');
        expect(r.report.gsLocks).toEqual([]);
        expect(r.md).toContain('stopped at a question (answered No) at step 3');
      }
    });

  it('with no --journal: the newest journal, Markdown on stdout, its SVG in the current directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mmrecover-report-cwd-'));
    const r = await runCli(['report'], { XDG_STATE_HOME: dirname(dirname(journals.completed)), MMRECOVER_PASSWORD: undefined }, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# mmrecover post-incident report: rebuild BS /);
    expect(r.stdout).toContain('- **Outcome:** completed');
    const svg = readdirSync(cwd).find((f) => f.endsWith('.timeline.svg'));
    expect(svg).toBeDefined();
    expect(r.stdout).toContain(`](${svg})`);
    expect(r.stderr).toContain(`timeline written to ${join(cwd, svg!)}`);
  });

  it('refuses a file that is not a journal in one line, exit 2', async () => {
    const r = await runCli(['report', '--journal', join(out, 'completed.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a readable journal/);
  });
});
