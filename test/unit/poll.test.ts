// The one wait (issue 27): an answer ends it at once, the bound ends it without one, an abort ends it at once, and a
// check that throws ends it with that error.
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/base/poll.js';

describe('pollUntil', () => {
  it('returns the first answer, checking every everyMs', async () => {
    let n = 0;
    const started = Date.now();
    const answer = await pollUntil(() => (++n === 3 ? 'here' : undefined), { everyMs: 20, timeoutMs: 5000 });
    expect(answer).toBe('here');
    expect(n).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('a false or 0 is an answer; only undefined means "not yet"', async () => {
    expect(await pollUntil(() => false, { everyMs: 10, timeoutMs: 1000 })).toBe(false);
    expect(await pollUntil(() => 0, { everyMs: 10, timeoutMs: 1000 })).toBe(0);
  });

  it('gives up after timeoutMs without an answer, having checked once more at the bound', async () => {
    let n = 0;
    const started = Date.now();
    expect(await pollUntil(() => void n++, { everyMs: 30, timeoutMs: 100 })).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it('an abort ends the wait at once, even in the middle of a long pause', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    expect(await pollUntil(() => undefined, { everyMs: 10_000, timeoutMs: 60_000, signal: ac.signal })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a check that throws ends the wait with its error', async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error('SQL error 1062');
        },
        { everyMs: 10, timeoutMs: 1000 },
      ),
    ).rejects.toThrow('SQL error 1062');
  });

  it('backs off with maxEveryMs: each pause doubles up to the cap', async () => {
    const at: number[] = [];
    await pollUntil(() => void at.push(Date.now()), { everyMs: 20, maxEveryMs: 80, timeoutMs: 400 });
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // 20, 40, 80, 80, …: never shorter than the pause asked for, and capped (timers fire late, never early).
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps.slice(2, -1).every((g) => g >= 79)).toBe(true);
    expect(at.length).toBeLessThan(12);
  });
});
