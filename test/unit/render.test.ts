// Issue 19: the live copy line and the summary, drawn by the human renderer from the run's events (plain lines: no
// terminal here, every update printed).
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createRenderer, keyLine, shellWrap } from '../../src/cli/ui/render.js';
import type { RunEvent } from '../../src/recovery/events.js';
import { METHOD_TRAITS, type MethodName } from '../../src/config/copy-methods.js';
import { copyMethod } from '../../src/recovery/copy-method.js';

async function renderer() {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const r = await createRenderer({ json: false, env: { NO_COLOR: '1' }, stdout: sink, stderr: sink, plainProgressEvery: 0 });
  return { emit: (e: RunEvent) => r.emit(e), text: () => text };
}

const start = (method: MethodName): RunEvent => ({
  event: 'run_start',
  mode: 'live',
  method,
  ...(METHOD_TRAITS[method].gsWhileCopying ? { gsWhileCopying: METHOD_TRAITS[method].gsWhileCopying } : {}),
  good: 'db1:3306',
  bad: 'db2:3306',
  resume: false,
});
const progress: RunEvent = {
  event: 'progress',
  step: 4,
  bytes: 50 * 1024 * 1024,
  estimateBytes: 200 * 1024 * 1024,
  rateBytesPerSecond: 5 * 1024 * 1024,
  elapsedSeconds: 10,
  etaSeconds: 30,
};

describe('the live copy line', () => {
  it('classic: how long GS has been locked, bytes, the share of GS’s data, the rate and the ETA', async () => {
    const r = await renderer();
    r.emit(start('classic'));
    r.emit({ event: 'gs_lock', state: 'held', at: new Date(Date.now() - 37_000).toISOString() });
    r.emit({ event: 'activity', id: 'copy', state: 'start', text: 'Copying GS → BS' });
    r.emit(progress);
    expect(r.text()).toMatch(/GS locked 37 s · copied 50\.0 MB \(25% of GS’s ~200 MB\) · 5\.0 MB\/s · 10s · ETA 30s/);
  });

  it('a stall approaching the guard is said on the same line, after GS’s state', async () => {
    const r = await renderer();
    r.emit(start('classic'));
    r.emit({ event: 'gs_lock', state: 'held', at: new Date(Date.now() - 61_000).toISOString() });
    r.emit({ event: 'activity', id: 'copy', state: 'start', text: 'Copying GS → BS' });
    r.emit({
      event: 'activity',
      id: 'copy',
      state: 'update',
      text: 'no data for 20 s: the import on BS consumes nothing; the copy is stopped and GS released at 120 s (--stall-timeout)',
    });
    expect(r.text()).toMatch(/GS locked 61 s · no data for 20 s: the import on BS consumes nothing/);
  });

  it('online: GS writable (snapshot); after the lock is released no lock time is shown', async () => {
    const r = await renderer();
    r.emit(start('online'));
    r.emit({ event: 'activity', id: 'copy', state: 'start', text: 'Copying GS → BS' });
    r.emit(progress);
    expect(r.text()).toMatch(/GS writable \(snapshot\) · copied 50\.0 MB/);
    const c = await renderer();
    c.emit(start('classic'));
    c.emit({ event: 'gs_lock', state: 'held', at: new Date().toISOString() });
    c.emit({ event: 'gs_lock', state: 'released', at: new Date().toISOString() });
    c.emit(progress);
    expect(c.text()).not.toMatch(/GS locked/);
  });

  it('from a donor: the live line says GS is not read (the method says so, not a comparison of its name)', async () => {
    for (const method of ['classic', 'online'] as const) {
      const { gsWhileCopying } = copyMethod({ settings: { method, donor: { host: '10.0.0.3', port: 3306 } } });
      const r = await renderer();
      r.emit({ ...start(method), ...(gsWhileCopying ? { gsWhileCopying } : {}) });
      r.emit({ event: 'activity', id: 'copy', state: 'start', text: 'Copying R → BS' });
      r.emit(progress);
      expect(r.text()).toMatch(/GS not read \(copy from R\) · copied 50\.0 MB/);
      expect(r.text()).not.toMatch(/snapshot/);
    }
  });

  it('when GS is released, says how long it was locked', async () => {
    const r = await renderer();
    r.emit(start('classic'));
    r.emit({ event: 'gs_lock', state: 'held', at: '2026-11-26T10:00:00.000Z' });
    r.emit({ event: 'gs_lock', state: 'released', at: '2026-11-26T10:00:42.400Z' });
    expect(r.text()).toContain('GS was locked for 42s: production could not write for that long.');
  });
});

describe('the summary', () => {
  it('says how long GS was locked, how long BS was out of service, and the copy’s rate', async () => {
    const r = await renderer();
    r.emit(start('classic'));
    r.emit({
      event: 'summary',
      dryRun: false,
      steps: [{ step: 4, title: 'Copy', status: 'done', ms: 12_000 }],
      copy: { bytes: 120 * 1024 * 1024, seconds: 12 },
      gsLockedSeconds: 12.4,
      bsOutOfServiceSeconds: 95,
      verify: true,
    });
    expect(r.text()).toContain('GS locked (production could not write): 12s');
    expect(r.text()).toContain('BS out of service (fenced until step 11): 1m35s');
    expect(r.text()).toContain('Copy: 120 MB in 12s (10.0 MB/s)');
  });

  it('a run from a donor: the summary names R, says GS was not read by the copy (nor locked, classic) and where GS’s coordinates came from; a dry run says what would be', async () => {
    const summary = async (dryRun: boolean) => {
      const r = await renderer();
      r.emit(start('classic'));
      r.emit({
        event: 'summary',
        dryRun,
        steps: [{ step: 4, title: 'Copy', status: 'done', ms: 12_000 }],
        gsCoords: { file: 'mysql-bin.000003', position: 4242 },
        copy: { bytes: 120 * 1024 * 1024, seconds: 12 },
        donor: { address: '10.0.0.3:3306', lockSpared: true, at: { file: 'mysql-bin.000003', position: 4242 } },
        gsLockedSeconds: 0,
        verify: true,
      });
      return r.text();
    };
    const live = await summary(false);
    expect(live).toContain('The copy read the donor R 10.0.0.3:3306, a replica of GS, not GS: GS was not read by the copy and not locked');
    expect(live).toMatch(/BS replicates from GS starting at mysql-bin\.000003 \/ 4242 \(the donor’s recorded point: where step 3 stopped its SQL thread/);
    expect(live).toContain('Copy R → BS: 120 MB in 12s');
    expect(live).toContain('GS was never locked by this run.');
    expect(await summary(true)).toContain('The copy reads the donor R 10.0.0.3:3306, a replica of GS, not GS: GS is not read by the copy and not locked');
  });
});

describe('layout helpers', () => {
  it('the overview picks the statement that matters', async () => {
    const l = (text: string) => ({ role: 'GS' as const, text });
    expect(keyLine([l('STOP REPLICA'), l('SET SESSION lock_wait_timeout = 5'), l('FLUSH TABLES WITH READ LOCK'), l('SHOW BINLOG STATUS')])?.text).toBe(
      'FLUSH TABLES WITH READ LOCK',
    );
    expect(keyLine([l('SELECT 1'), l('SET GLOBAL read_only = ON')])?.text).toBe('SET GLOBAL read_only = ON');
    expect(keyLine([])).toBeUndefined();
  });

  it('a resume line wraps between words, quoted words whole, so that it pastes as one command', async () => {
    const cmd = "mmrecover recover --good 10.0.0.1:3306 --bad 10.0.0.2:3306 --journal '/var/lib/a dir/it'\\''s.json' --resume";
    const lines = shellWrap(cmd, 40);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(cmd);
    expect(lines.some((x) => x.includes("'/var/lib/a dir/it'\\''s.json'"))).toBe(true);
  });
});
