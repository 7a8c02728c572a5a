// Issue 7: the check's one line follows the Nagios plugin format, and its state follows the pair and the thresholds.
import { describe, expect, it } from 'vitest';
import { evaluate, parseSeconds, pluginLine, sanitize, unknownResult, validateThresholds, type Thresholds } from '../../src/inspect/nagios.js';
import type { DirectionFacts, PairStatus, ServerFacts } from '../../src/inspect/pair-status.js';

// LABEL STATE - summary | 'label'=value[UOM];[warn];[crit];[min];[max] ... (Nagios plugin development guidelines)
const LINE = /^([A-Z][A-Z0-9_]*) (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+?) \| ([^|\n]+)$/;
const PERF = /^('[^'=]+'|[^'=\s]+)=(U|-?\d+(?:\.\d+)?)(s|ms|us|%|B|KB|MB|TB|c)?;(-?\d+(?:\.\d+)?)?;(-?\d+(?:\.\d+)?)?;(-?\d+(?:\.\d+)?)?;(-?\d+(?:\.\d+)?)?$/;

function parsePluginLine(line: string) {
  const m = LINE.exec(line);
  if (!m) throw new Error(`not a plugin line: ${line}`);
  const perf = m[4].split(' ').map((item) => {
    const p = PERF.exec(item);
    if (!p) throw new Error(`not a perfdata item: ${item}`);
    return { label: p[1], value: p[2], uom: p[3] ?? '', warn: p[4], crit: p[5], min: p[6], max: p[7] };
  });
  return { label: m[1], state: m[2], summary: m[3], perf };
}

const server = (side: 'A' | 'B', reachable = true): ServerFacts => ({
  side,
  address: `db-${side.toLowerCase()}:3306`,
  reachable,
  ...(reachable ? { serverId: side === 'A' ? 1 : 2 } : { error: `${side} (db-${side.toLowerCase()}:3306) does not answer: connection refused` }),
});

const direction = (source: 'A' | 'B', over: Partial<DirectionFacts> = {}): DirectionFacts => {
  const replica = source === 'A' ? 'B' : 'A';
  return {
    name: `${source}→${replica}`,
    source,
    replica,
    verdict: 'healthy',
    reason: 'ok',
    io: 'Yes',
    sql: 'Yes',
    lagSeconds: 0,
    lagFrom: 'seconds_behind',
    ...over,
  };
};

const pair = (ab: Partial<DirectionFacts> = {}, ba: Partial<DirectionFacts> = {}, reachable = { A: true, B: true }): PairStatus => ({
  checkedAt: '2026-01-01T00:00:00Z',
  servers: { A: server('A', reachable.A), B: server('B', reachable.B) },
  directions: [direction('A', ab), direction('B', ba)],
  notes: [],
});

const t: Thresholds = { warning: 60, critical: 300 };

describe('check plugin line', () => {
  it('OK for a healthy pair, with lag and thread perfdata for both directions', () => {
    const r = evaluate(pair({ lagSeconds: 3 }), t);
    expect(r.exitCode).toBe(0);
    const p = parsePluginLine(r.line);
    expect(p).toMatchObject({ label: 'MMRECOVER', state: 'OK' });
    expect(p.perf.map((x) => x.label)).toEqual(['a_b_lag', 'a_b_io_running', 'a_b_sql_running', 'b_a_lag', 'b_a_io_running', 'b_a_sql_running']);
    expect(p.perf[0]).toMatchObject({ value: '3', uom: 's', warn: '60', crit: '300', min: '0' });
    expect(p.perf[1]).toMatchObject({ value: '1', min: '0', max: '1' });
  });

  it('WARNING and CRITICAL follow the lag thresholds (strictly above)', () => {
    expect(evaluate(pair({ lagSeconds: 60 }), t).state).toBe('OK');
    expect(evaluate(pair({ lagSeconds: 61 }), t)).toMatchObject({ state: 'WARNING', exitCode: 1 });
    expect(evaluate(pair({}, { lagSeconds: 301 }), t)).toMatchObject({ state: 'CRITICAL', exitCode: 2 });
  });

  it('a SQL thread stopped without error is judged by the age of what waits', () => {
    const stopped = { verdict: 'lagging' as const, sql: 'No', lagSeconds: 90, lagFrom: 'oldest_unapplied' as const };
    const w = evaluate(pair(stopped), t);
    expect(w.state).toBe('WARNING');
    expect(w.line).toMatch(/A->B SQL thread stopped, lag 90s > 60s/);
    expect(parsePluginLine(w.line).perf[2].value).toBe('0');
    expect(evaluate(pair({ ...stopped, lagSeconds: null, lagFrom: 'none' }), t).state).toBe('WARNING');
  });

  it('CRITICAL for a broken direction, naming the error; problems come first', () => {
    const r = evaluate(
      pair(
        {},
        {
          verdict: 'broken',
          sql: 'No',
          sqlError: { errno: 1062, message: "Duplicate entry '1001' | for key" },
          reason: "A's SQL thread stopped on error 1062",
        },
      ),
      t,
    );
    expect(r).toMatchObject({ state: 'CRITICAL', exitCode: 2 });
    const p = parsePluginLine(r.line);
    expect(p.summary).toMatch(/^B->A broken: A's SQL thread stopped on error 1062/);
  });

  it('UNKNOWN when a server is unreachable, even if the other direction looks broken', () => {
    const r = evaluate(pair({ verdict: 'unknown', io: undefined, sql: undefined, lagSeconds: null }, { verdict: 'broken' }, { A: true, B: false }), t);
    expect(r).toMatchObject({ state: 'UNKNOWN', exitCode: 3 });
    const p = parsePluginLine(r.line);
    expect(p.summary).toMatch(/B unreachable: .*connection refused/);
    expect(p.perf.find((x) => x.label === 'a_b_lag')!.value).toBe('U');
  });

  it('UNKNOWN for bad input still parses, with every value undetermined', () => {
    const r = unknownResult('--a is required | really');
    expect(r.exitCode).toBe(3);
    const p = parsePluginLine(r.line);
    expect(p.state).toBe('UNKNOWN');
    expect(p.perf.every((x) => x.value === 'U')).toBe(true);
  });

  it('keeps the line to one line without a stray pipe', () => {
    expect(sanitize('a|b\nc  d → e')).toBe('a/b c d -> e');
    expect(sanitize('x'.repeat(500), 50)).toHaveLength(50);
    expect(pluginLine('OK', 'fine').line).toBe('MMRECOVER OK - fine');
  });
});

describe('check thresholds', () => {
  it('takes whole seconds and refuses the rest with the flag name', () => {
    expect(parseSeconds('30', '-w')).toBe(30);
    expect(() => parseSeconds('soon', '-w')).toThrow(/-w must be a whole number of seconds, not "soon"/);
    expect(() => parseSeconds(true, '-c')).toThrow(/-c must be a whole number/);
    expect(() => parseSeconds('-5', '-c')).toThrow(/-c/);
    expect(() => validateThresholds({ warning: 10, critical: 5 })).toThrow(/-w 10 is above -c 5/);
  });
});
