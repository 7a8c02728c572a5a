// One run per pair (issue 24): a second run started during the first's copy refuses before step 1, naming the first;
// the first completes; after a run is SIGKILLed, a --resume starts at once (the lock died with its session).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/lab.js';
import { breakLab } from '../../src/lab/break.js';
import { runCli, startCli } from '../helpers/cli.js';
import { bigBrokenLab, expectResumeCompletes, PACE_COPY, waitForText } from '../helpers/faults.js';
import { dropLab } from '../helpers/lab.js';
import { expectPairHealthy, yesArgs } from '../helpers/pair.js';

let lab: Lab;
let env: Record<string, string>;

beforeAll(async () => {
  ({ lab, env } = await bigBrokenLab());
}, 120_000);
afterAll(async () => {
  if (lab) await dropLab(lab);
});

describe('one run per pair', () => {
  it('a second run during the first one’s copy refuses before step 1, naming the first; the first completes', async () => {
    // The copy paced (--max-rate) so that it is still running when the second run checks: a clean-clone run once saw
    // the first finish, and release its lock, before the second had connected.
    const first = startCli(yesArgs(lab, PACE_COPY), env);
    await waitForText(first.output, /Copying GS → BS/);
    // Another responder, another machine: its own journal directory.
    const second = await runCli(yesArgs(lab), { ...env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) });
    expect(second.code).not.toBe(0);
    const out = second.stdout + second.stderr;
    expect(out).toMatch(
      /another mmrecover run is already recovering this pair, at step \d+: GS [^ ]+ has its lock mmrecover:[0-9a-f]{40} \(connection #\d+ \S+@\S+, holding it for \d+ s\)/,
    );
    expect(out).not.toMatch(/SET GLOBAL read_only|Step 1/);
    const r = await first.result;
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    await expectPairHealthy(lab);
  }, 180_000);

  it('after a run is SIGKILLed during its copy, --resume starts at once and completes', async () => {
    await breakLab(lab, 'stopped');
    const killedEnv = { ...env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')) };
    const run = startCli(yesArgs(lab, PACE_COPY), killedEnv);
    await waitForText(run.output, /Copying GS → BS/);
    run.child.kill('SIGKILL');
    await run.result;
    await expectResumeCompletes(lab, killedEnv);
  }, 180_000);
});
