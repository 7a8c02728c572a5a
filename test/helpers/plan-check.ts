// "What runs is what was shown": compare what a live run executed, step by step, with the plan its own step showed,
// and the dry run's plan with the live one.
import { expect } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { lineMatches, type PlanLine } from '../../src/recovery/actions.js';
import type { JournalData } from '../../src/engine/journal.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import { breakLab, type BreakMode } from '../../src/lab/break.js';
import { runCli, type CliResult } from './cli.js';
import { expectPairHealthy, recoverArgs, yesArgs } from './pair.js';

/**
 * Every executed line matches a plan line at or after the previous match (slots match any value), and every plan line
 * that is not conditional ("only if …") was executed: the step ran exactly what it showed, in that order.
 */
export function expectRanAsShown(step: number, plan: PlanLine[], executed: Array<{ role: string; text: string }>): void {
  let at = 0;
  const matched = new Set<number>();
  for (const e of executed) {
    let i = at;
    while (i < plan.length && !(plan[i].role === e.role && lineMatches(plan[i].text, e.text))) i++;
    expect(
      i,
      `step ${step} executed "${e.role}> ${e.text}", which its plan did not show (at or after "${plan[at]?.text}")\nplan:\n${plan.map((l) => `${l.role}> ${l.text}`).join('\n')}`,
    ).toBeLessThan(plan.length);
    matched.add(i);
    at = i;
  }
  plan.forEach((l, i) => {
    if (!l.when) expect(matched.has(i), `step ${step} showed "${l.role}> ${l.text}" but did not run it`).toBe(true);
  });
}

/** Values that differ between a rehearsal and the run by nature: coordinates, tokens, times, slots. */
export function normalize(text: string): string {
  return (
    text
      .replace(/<[^<>]+>/g, '<v>')
      // A slot is quoted like the value it stands for: '<GS File>' and 'mysql-bin.000003' both become <v>.
      .replace(/'<v>'/g, '<v>')
      .replace(/'[A-Za-z0-9._-]*bin\.\d+'/g, '<v>')
      .replace(/(LOG_POS=)\d+/g, '$1<v>')
      .replace(/gtid_slave_pos = '[^']*'/g, 'gtid_slave_pos = <v>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d/g, '<time>')
      // The physical method's kept datadir is named after the minute it is kept.
      .replace(/(mmrecover-kept-)\d{8}-\d{6}/g, '$1<time>')
      .replace(/(--start-position=)\d+/g, '$1<v>')
      .replace(/ID NOT IN \([\d, ]+\)/g, 'ID NOT IN (<our session ids>)')
      .replace(/ [A-Za-z0-9._-]*bin\.\d+ /g, ' <v> ')
      // file:position in a wait's text ("up to mysql-bin.000001:5191, the copy's coordinates").
      .replace(/[A-Za-z0-9._-]*bin\.\d+:\d+/g, '<v>:<v>')
  );
}

interface StepStart {
  event: string;
  step: number;
  lines: PlanLine[];
}

/** How a run is started and judged: a pair by default; a ring passes its own (test/helpers/ring.ts). */
export interface CompareHow {
  dryArgs: (lab: Lab, extra: string[]) => string[];
  liveArgs: (lab: Lab, extra: string[]) => string[];
  healthy: (lab: Lab) => Promise<unknown>;
  /** Which member breaks (default b). */
  bad?: Which;
  /** Run between the break and the rehearsal (writes on other members meanwhile). */
  afterBreak?: () => Promise<void>;
}

const PAIR: CompareHow = { dryArgs: (lab, extra) => recoverArgs(lab, extra), liveArgs: (lab, extra) => yesArgs(lab, extra), healthy: expectPairHealthy };

/**
 * Break the lab, rehearse, recover; then check each step ran as shown and the rehearsal showed the same plan. Returns
 * both runs' output (the rehearsal's in --json).
 */
export async function recoverAndCompare(
  lab: Lab,
  mode: BreakMode,
  extra: string[],
  how: CompareHow = PAIR,
): Promise<{ dry: CliResult; live: CliResult; journal: JournalData }> {
  await breakLab(lab, mode, how.bad ? { bad: how.bad } : {});
  await how.afterBreak?.();
  const state = mkdtempSync(join(tmpdir(), 'mmrecover-plan-'));
  const env = { ...lab.env(), XDG_STATE_HOME: state };
  const journal = join(state, 'journal.json');
  // The same journal path: the backups go beside it, and the rehearsal must show the same files.
  const dry = await runCli(how.dryArgs(lab, ['--dry-run', '--json', '--journal', journal, ...extra]), env);
  expect(dry.code, dry.stderr).toBe(0);
  const dryPlans = new Map(
    dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StepStart)
      .filter((e) => e.event === 'step_start')
      .map((e) => [e.step, e.lines.map((l) => `${l.role}> ${normalize(l.text)}`)]),
  );
  const live = await runCli(how.liveArgs(lab, ['--journal', journal, ...extra]), env);
  expect(live.code, live.stderr.slice(-3000)).toBe(0);
  const j = JSON.parse(readFileSync(journal, 'utf8')) as JournalData;
  expect(j.steps.map((s) => s.status)).toEqual(Array(11).fill('done'));
  for (const s of j.steps) {
    expectRanAsShown(s.id, s.plan, s.executed);
    expect(
      s.plan.map((l) => `${l.role}> ${normalize(l.text)}`),
      `step ${s.id}: the dry run showed another plan`,
    ).toEqual(dryPlans.get(s.id));
  }
  await how.healthy(lab);
  return { dry, live, journal: j };
}
