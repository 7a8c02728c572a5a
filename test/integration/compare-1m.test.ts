// Issue 16: the data comparison costs reads, not a transfer. A table of a million rows with a handful that differ is
// told apart row by row well within --compare-timeout, in a rehearsal (the preflight compares; nothing is copied).
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Check } from '../../src/recovery/events.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { recoverArgs, withSessions } from '../helpers/pair.js';

const ROWS = 1_000_000;
const BOUND_SECONDS = 60;

describe('comparing a table of 1M rows', () => {
  const shared = useLab();

  it('5 rows that differ among 1M, and 25 only on GS: found row by row within the time bound', async () => {
    const lab = shared.get();
    // The same rows on both servers, loaded side by side without the binary log: cheaper than replicating them.
    await withSessions(lab, (a, b) =>
      Promise.all(
        [a, b].map(async (s) => {
          await s.query('SET SESSION sql_log_bin = 0');
          await loadOrders(s, ROWS, 250_000, { firstId: 1001 });
        }),
      ),
    );
    await breakLab(lab, 'stopped'); // BS stops replicating; GS writes 25 orders
    await withSessions(lab, async (_a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('UPDATE shop.orders SET amount = amount + 1 WHERE id IN (1001, 250001, 500001, 750001, 1001000)');
    });

    const r = await runCli(recoverArgs(lab, ['--dry-run', '--json', '--compare-timeout', String(BOUND_SECONDS)]), lab.env());
    expect(r.code, r.stderr).toBe(0);
    const checks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; checks?: Check[] })
      .find((e) => e.event === 'preflight')!.checks!;
    const detail = (name: string) => checks.find((c) => c.check === name)!.detail;
    expect(detail('only on BS')).toMatch(/its data differ from GS’s in 1 table of \d+: shop\.orders: 5 that differ, 25 only on GS\./);
    const seconds = Number(/compared in ([\d.]+)s/.exec(detail('data compared'))?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(BOUND_SECONDS);
    console.log(`compare-1m: ${ROWS + 200} rows in shop.orders compared in ${seconds}s (bound ${BOUND_SECONDS}s)`);
  });
});
