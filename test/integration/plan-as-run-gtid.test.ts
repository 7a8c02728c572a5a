// Issue 13: what a live run executes is, step by step and in order, what its own plan showed (the proof included),
// and a dry run on the same broken pair shows the same plan. Every break mode × classic/online, positioning gtid.
import { describe, it } from 'vitest';
import { useLab } from '../helpers/lab.js';
import { recoverAndCompare } from '../helpers/plan-check.js';

describe('the plan is what runs (--positioning gtid)', () => {
  const shared = useLab({ gtid: true });
  for (const method of ['classic', 'online'])
    for (const mode of ['conflict', 'diverged', 'stopped', 'wiped'] as const)
      it(`${mode}, --method ${method}`, async () => {
        await recoverAndCompare(shared.get(), mode, ['--method', method, '--positioning', 'gtid']);
      });
});
