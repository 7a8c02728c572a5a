// One lab per test file: started before its tests, always stopped after, and SIGKILLed if the worker dies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab, type LabOptions } from '../../src/lab/lab.js';
import { haproxyPid } from '../../src/lab/haproxy.js';

const live = new Set<Lab>();
process.once('exit', () => {
  for (const lab of live) {
    const hp = lab.state.haproxy ? haproxyPid(lab.state.haproxy) : undefined;
    for (const pid of [...lab.all.map((w) => lab.server(w).pid), ...(hp ? [hp] : [])]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

export async function newLab(opts: LabOptions = {}): Promise<Lab> {
  // Each lab remembers itself in a state dir of its own, so that no other test's `lab status` or `lab down` finds it.
  const lab = await startLab({ env: { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-labstate-')) }, ...opts });
  live.add(lab);
  return lab;
}

export async function dropLab(lab: Lab | undefined): Promise<void> {
  if (!lab) return;
  // The data goes: no clean shutdown to wait for.
  await lab.stop({ discard: true });
  live.delete(lab);
}

/** A lab for the whole file; `get()` returns the current one (tests may replace it with `fresh()`). */
export function useLab(opts: LabOptions = {}) {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await newLab(opts);
  });
  afterAll(async () => {
    await dropLab(lab);
  });
  return {
    get: () => lab!,
    /** Replace the lab with a fresh, healthy pair. */
    async fresh(): Promise<Lab> {
      await dropLab(lab);
      lab = await newLab(opts);
      return lab;
    },
  };
}
