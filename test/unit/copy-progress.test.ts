// The live line's ETA comes from what is left over the recent rate (issue 29: a copy of 48 s was told "1h31m", then
// "4h47m", then "3m40s" from rates since the start).
import { describe, expect, it } from 'vitest';
import { RecentRate } from '../../src/engine/copy-progress.js';

describe('RecentRate', () => {
  it('after the first 10 %, the ETA stays within ±50 % of the time actually left, through a slow start and a noisy rate', () => {
    let now = 0;
    const r = new RecentRate(5000, () => now);
    // 400 MB: half a second of schema at 1 MB/s, then 16 MB/s with ±20 % noise.
    const total = 400e6;
    const rateAt = (t: number, noise: number) => (t < 500 ? 1e6 : 16e6 * (1 + noise));
    const bytesAt: number[] = [];
    let bytes = 0;
    for (let t = 0; bytes < total; t += 250) {
      bytes = Math.min(total, bytes + rateAt(t, Math.sin(t / 700) * 0.2) / 4);
      bytesAt.push(bytes);
    }
    const end = bytesAt.length * 250;
    let checked = 0;
    bytesAt.forEach((b, i) => {
      now = (i + 1) * 250;
      r.add(b);
      const left = (end - now) / 1000;
      if (b < total * 0.1 || b >= total) return;
      const eta = r.eta(b, total);
      expect(eta, `at ${now} ms`).not.toBeNull();
      expect(Math.abs(eta! - left), `at ${now} ms: ETA ${eta!.toFixed(1)} s, ${left.toFixed(1)} s left`).toBeLessThanOrEqual(Math.max(0.5 * left, 1));
      checked++;
    });
    expect(checked).toBeGreaterThan(50);
  });

  it('unknown until two samples, and when nothing moves', () => {
    let now = 0;
    const r = new RecentRate(10_000, () => now);
    expect(r.eta(0, 100)).toBeNull();
    r.add(0);
    expect(r.perSecond()).toBeNull();
    now = 1000;
    r.add(0);
    expect(r.eta(0, 100)).toBeNull();
    now = 2000;
    r.add(50);
    expect(r.eta(50, 100)).toBeCloseTo(2, 5);
  });

  it('past the estimate the time left is unknown, not 0 (a key range with more rows than the statistics said)', () => {
    let now = 0;
    const r = new RecentRate(10_000, () => now);
    r.add(90);
    now = 1000;
    r.add(110);
    expect(r.eta(110, 100)).toBeNull();
    expect(r.eta(100, 100)).toBeNull();
  });

  it('forgets samples older than its window', () => {
    let now = 0;
    const r = new RecentRate(2000, () => now);
    for (; now <= 10_000; now += 500) r.add(now < 5000 ? now * 10 : 50_000 + (now - 5000));
    // Over the last two seconds: 1 byte per ms, not the 10 of the start.
    expect(r.perSecond()).toBeCloseTo(1000, 0);
  });
});
