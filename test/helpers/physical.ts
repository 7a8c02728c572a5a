// Helpers for --method physical against a lab: the flags that stop and start BS, and a paced writer on GS that
// measures how long GS kept a commit waiting.
import type { Lab, Which } from '../../src/lab/lab.js';

/** --method physical with the lab's own stop/start scripts for the bad side. */
export function physicalArgs(lab: Lab, bad: Which = 'b'): string[] {
  const svc = lab.serviceCommands(bad);
  return ['--method', 'physical', '--bad-stop-command', svc.stop, '--bad-start-command', svc.start];
}

export interface PacedWriter {
  acknowledged: string[];
  errors: string[];
  /** The longest single INSERT (autocommit) on GS, in ms: how long GS kept a writer waiting. */
  maxStallMs: () => number;
  stop: () => Promise<void>;
}

/** INSERTs on `which` at `perSecond` until stopped; every acknowledged insert carries a unique note. */
export function startPacedWriter(lab: Lab, perSecond = 200, which: Which = 'a', tag = 'paced writer'): PacedWriter {
  let stop = false;
  let maxMs = 0;
  const acknowledged: string[] = [];
  const errors: string[] = [];
  const interval = 1000 / perSecond;
  const done = (async () => {
    const s = await lab.connect(which);
    const t0 = Date.now();
    try {
      for (let i = 0; !stop; i++) {
        const due = t0 + i * interval;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const note = `${tag} ${i}`;
        const started = performance.now();
        try {
          await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, 1.00, '${note}')`);
          acknowledged.push(note);
        } catch (err) {
          errors.push((err as Error).message);
        }
        maxMs = Math.max(maxMs, performance.now() - started);
      }
    } finally {
      await s.close();
    }
  })();
  return {
    acknowledged,
    errors,
    maxStallMs: () => maxMs,
    async stop() {
      stop = true;
      await done;
    },
  };
}
