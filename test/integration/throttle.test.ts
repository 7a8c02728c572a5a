// Issue 28, the throttle: --max-rate caps the copy stream (a lower bound on the copy's time, computed from the
// dump's own bytes), says "throttled" in the events; bad values are one line and exit 2, nothing touched.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { jsonEvents, runCli, startCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, privateState, withSessions, yesArgs } from '../helpers/pair.js';

/** One command to the control socket, its one answer line. */
function ask(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(path);
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out.trim()));
    c.on('error', reject);
    c.end(command + '\n');
  });
}

const lab = useLab();

describe('throttle', () => {
  it('bad --max-rate / --max-load values: one line, exit 2', async () => {
    const l = lab.get();
    for (const extra of [
      ['--max-rate', '10X'],
      ['--max-rate', '100'],
      ['--max-load', 'Threads_running'],
      ['--max-load', 'Threads_running=5'], // classic: GS is locked during the copy
      ['--method', 'clone', '--max-rate', '10M'],
    ]) {
      const r = await runCli(yesArgs(l, extra), { ...l.env(), ...privateState() });
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), extra.join(' ')).toHaveLength(1);
    }
  });

  it('--max-rate: the online copy takes at least (bytes − burst) / rate and says it is throttled', async () => {
    const l = lab.get();
    await withSessions(l, (a) => loadOrders(a, 20_000));
    await breakLab(l, 'diverged');
    const rate = 1024 * 1024;
    const r = await runCli(yesArgs(l, ['--method', 'online', '--max-rate', '1M', '--json']), { ...l.env(), ...privateState() });
    expect(r.code, r.stderr).toBe(0);
    const events = jsonEvents(r.stdout);
    const done = events.find((e) => e.event === 'copy_complete')!;
    const bytes = Number(done.bytes);
    // At least 1 s of throttling, whatever the lab's data is: the bound below then means something.
    expect(bytes).toBeGreaterThan(2 * rate);
    // The bucket's burst is a quarter second of the rate: nothing else may pass faster than the cap.
    expect(Number(done.seconds)).toBeGreaterThanOrEqual((bytes - rate / 4) / rate);
    expect(events.some((e) => e.event === 'throttle' && e.reason === 'max-rate 1 MB/s')).toBe(true);
    expect(events.some((e) => e.event === 'progress' && e.throttled === 'max-rate 1 MB/s')).toBe(true);
    const plan = events.find((e) => e.event === 'plan')!;
    expect(JSON.stringify(plan.header)).toMatch(/--max-rate 1 MB\/s caps the copy stream/);
    expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered' });
  });

  it('max-rate= through the control socket changes the rate mid-copy; the socket is gone after the run', async () => {
    const l = lab.get();
    await breakLab(l, 'diverged');
    const run = startCli(yesArgs(l, ['--method', 'online', '--max-rate', '64K', '--json']), { ...l.env(), ...privateState() });
    const events = () =>
      jsonEvents(
        run
          .output()
          .split('\n')
          .filter((x) => x.startsWith('{'))
          .join('\n'),
      );
    const sock = await eventually(async () => events().find((e) => e.event === 'control_socket')?.path as string | undefined, 60_000, 'the control socket');
    expect(existsSync(sock)).toBe(true);
    await eventually(async () => events().some((e) => e.event === 'progress'), 60_000, 'the copy to start');
    expect(await ask(sock, 'status')).toMatch(/^throttled: max-rate 64 KB\/s/);
    expect(await ask(sock, 'max-rate=nonsense')).toMatch(/^error: /);
    expect(await ask(sock, 'max-rate=8M')).toBe('max-rate: 8 MB/s');
    const r = await run.result;
    expect(r.code, r.stderr).toBe(0);
    const all = jsonEvents(r.stdout);
    const done = all.find((e) => e.event === 'copy_complete')!;
    // At 64 KB/s the whole copy would take bytes/64K; it took much less once the rate went up.
    expect(Number(done.seconds)).toBeLessThan(Number(done.bytes) / (64 * 1024) / 2);
    expect(all.some((e) => e.event === 'throttle' && e.reason === 'max-rate 8 MB/s')).toBe(true);
    expect(existsSync(sock)).toBe(false);
  });

  it('--max-load Threads_running=5: 20 busy sessions on GS pause the online copy; it resumes when they end', async () => {
    const l = lab.get();
    await breakLab(l, 'diverged');
    const busy = await Promise.all(Array.from({ length: 20 }, () => l.connect('a')));
    try {
      // Busy from before the copy starts until they are killed below.
      const sleeping = Promise.all(busy.map((s) => s.query('SELECT SLEEP(25)', { timeoutMs: 60_000 }).catch(() => undefined)));
      const run = startCli(yesArgs(l, ['--method', 'online', '--max-load', 'Threads_running=5', '--max-rate', '1M', '--json']), {
        ...l.env(),
        ...privateState(),
      });
      const events = () =>
        jsonEvents(
          run
            .output()
            .split('\n')
            .filter((x) => x.startsWith('{'))
            .join('\n'),
        );
      const paused = await eventually(
        async () => events().find((e) => e.event === 'throttle' && /^Threads_running=\d+ > 5$/.test(String(e.reason))),
        60_000,
        'the copy to pause',
      );
      expect(paused.paused).toBe(true);
      // The busy sessions end: the copy resumes.
      await withSessions(l, async (a) => {
        for (const s of busy) await a.query(`KILL ${s.threadId}`).catch(() => undefined);
      });
      await sleeping;
      const r = await run.result;
      expect(r.code, r.stderr).toBe(0);
      const all = jsonEvents(r.stdout);
      const at = all.indexOf(all.find((e) => e.event === 'throttle' && e.paused === true)!);
      expect(all.slice(at).some((e) => e.event === 'throttle' && e.paused === false)).toBe(true);
      expect(all.at(-1)).toMatchObject({ event: 'result', status: 'recovered' });
    } finally {
      for (const s of busy) s.destroy();
    }
  });
});
