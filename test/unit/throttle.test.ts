// The copy's throttle: the token bucket, the pauses, the parsers of --max-rate and --max-load.
import { describe, expect, it } from 'vitest';
import { parseRate, formatRate, Throttle, TokenBucket } from '../../src/adapters/shell/throttle.js';
import { parseMaxLoad } from '../../src/config/load.js';

describe('TokenBucket', () => {
  it('grants a quarter second of burst, then makes the taker wait for the debt at the rate', () => {
    let now = 0;
    const b = new TokenBucket(1000, () => now);
    expect(b.take(250)).toBe(0); // the burst
    expect(b.take(500)).toBe(0); // balance 0: granted, into debt (-500)
    expect(b.take(1)).toBe(500); // 500 bytes of debt at 1000 B/s
    now = 500;
    expect(b.take(1)).toBe(0);
  });

  it('never holds more than its burst, however long it was idle', () => {
    let now = 0;
    const b = new TokenBucket(1000, () => now);
    now = 60_000;
    expect(b.take(250)).toBe(0);
    expect(b.take(1000)).toBe(0);
    expect(b.take(1)).toBe(1000);
  });

  it('a new rate applies to the debt from then on', () => {
    const now = 0;
    const b = new TokenBucket(1000, () => now);
    b.take(250);
    b.take(1000); // -1000
    b.setRate(4000);
    expect(b.take(1)).toBe(250);
  });
});

describe('Throttle', () => {
  it('caps the bytes per second across concurrent takers (wall clock, lower bound only)', async () => {
    const t = new Throttle(200_000);
    const started = Date.now();
    // 100 KB burst… the cap: 4 takers × 10 × 10 KB = 400 KB at 200 KB/s ≥ (400 − 50) / 200 s.
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        for (let i = 0; i < 10; i++) await t.acquire(10_000);
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1700);
    expect(t.granted).toBe(400_000);
    t.close();
  });

  it('holds everything while paused and lets it through on resume; says why', async () => {
    const t = new Throttle();
    const seen: Array<string | undefined> = [];
    t.onChange((s) => seen.push(s.reason));
    t.pause('max-load', 'Threads_running=23 > 5');
    let passed = false;
    const p = t.acquire(10).then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(passed).toBe(false);
    expect(t.holding).toBe(true);
    t.resume('max-load');
    await p;
    expect(passed).toBe(true);
    expect(seen).toEqual(['Threads_running=23 > 5', undefined]);
    t.setMaxRate(10 * 1024 * 1024);
    expect(t.state().reason).toBe('max-rate 10 MB/s');
    t.close();
  });

  it('an abort rejects a waiting taker and leaves no timer', async () => {
    const t = new Throttle();
    t.pause('operator', 'by the operator');
    const ac = new AbortController();
    const p = t.acquire(10, ac.signal);
    ac.abort(new Error('stopped'));
    await expect(p).rejects.toThrow('stopped');
    expect(t.holding).toBe(false);
    t.close();
  });
});

describe('parsers', () => {
  it('--max-rate: binary multiples, at least 1K', () => {
    expect(parseRate('10M')).toBe(10 * 1024 * 1024);
    expect(parseRate('512K')).toBe(512 * 1024);
    expect(parseRate('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseRate('2048')).toBe(2048);
    expect(parseRate('100')).toBeUndefined();
    expect(parseRate('10X')).toBeUndefined();
    expect(parseRate('-5M')).toBeUndefined();
    expect(parseRate('')).toBeUndefined();
    expect(formatRate(10 * 1024 * 1024)).toBe('10 MB/s');
    expect(formatRate(512 * 1024)).toBe('512 KB/s');
  });

  it('--max-load: Variable=N, comma-separated, each once', () => {
    expect(parseMaxLoad('Threads_running=5')).toEqual([{ variable: 'Threads_running', max: 5 }]);
    expect(parseMaxLoad('Threads_running=5,Threads_connected=100')).toHaveLength(2);
    expect(() => parseMaxLoad('Threads_running')).toThrow(/Variable=N/);
    expect(() => parseMaxLoad('Threads_running=0')).toThrow(/at least 1/);
    expect(() => parseMaxLoad('Threads_running=1,threads_running=2')).toThrow(/twice/);
  });
});

describe('control socket commands', () => {
  it('status, throttle, no-throttle, max-rate=: one line each', async () => {
    const { answer } = await import('../../src/adapters/shell/control-socket.js');
    const t = new Throttle(10 * 1024 * 1024);
    expect(answer(t, 'status')).toMatch(/^throttled: max-rate 10 MB\/s; max-rate 10 MB\/s; 0 bytes copied$/);
    expect(answer(t, 'throttle')).toMatch(/^throttled/);
    expect(t.paused).toBe(true);
    expect(answer(t, 'no-throttle')).toMatch(/^no-throttle/);
    expect(t.paused).toBe(false);
    expect(answer(t, 'max-rate=512K')).toBe('max-rate: 512 KB/s');
    expect(answer(t, 'max-rate=0')).toBe('max-rate: none');
    expect(t.maxRate).toBeUndefined();
    expect(answer(t, 'max-rate=x')).toMatch(/^error: /);
    expect(answer(t, 'rm -rf')).toMatch(/^error: unknown command/);
    t.close();
  });
});
