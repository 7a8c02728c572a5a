import { describe, expect, it } from 'vitest';
import { prometheusText } from '../../src/inspect/prometheus.js';
import { evaluate, unknownResult, DEFAULT_THRESHOLDS } from '../../src/inspect/nagios.js';
import type { DirectionFacts, PairStatus } from '../../src/inspect/pair-status.js';
import { expectExposition, metricsOf } from '../helpers/prometheus.js';

const dir = (source: 'A' | 'B', replica: 'A' | 'B', over: Partial<DirectionFacts> = {}): DirectionFacts => ({
  name: `${source}→${replica}`,
  source,
  replica,
  verdict: 'healthy',
  reason: '',
  io: 'Yes',
  sql: 'Yes',
  lagSeconds: 0,
  lagFrom: 'seconds_behind',
  ...over,
});

const pair = (ab: Partial<DirectionFacts>, ba: Partial<DirectionFacts> = {}): PairStatus => ({
  checkedAt: '2026-11-26T00:00:00Z',
  servers: { A: { side: 'A', address: 'db1:3306', reachable: true }, B: { side: 'B', address: 'db"2\\x:3306', reachable: true } },
  directions: [dir('A', 'B', ab), dir('B', 'A', ba)],
  notes: [],
});

describe('check --format prometheus', () => {
  it('a healthy pair: state 0, lag and threads per direction, one state gauge set', () => {
    const s = pair({});
    const text = prometheusText(evaluate(s, DEFAULT_THRESHOLDS), s, new Date(1_700_000_000_000));
    expectExposition(text);
    const m = metricsOf(text);
    expect(m.get('mmrecover_check_state')).toBe(0);
    expect(m.get('mmrecover_check_timestamp_seconds')).toBe(1_700_000_000);
    expect(m.get('mmrecover_replication_lag_seconds{direction="a_b"}')).toBe(0);
    expect(m.get('mmrecover_replication_state{direction="b_a",state="healthy"}')).toBe(1);
    expect(m.get('mmrecover_replication_state{direction="b_a",state="broken"}')).toBe(0);
    // label values are escaped as the format says
    expect(text).toContain('mmrecover_server_up{server="b",address="db\\"2\\\\x:3306"} 1');
  });

  it('a broken direction: CRITICAL, SQL thread 0, lag NaN when it cannot be measured', () => {
    const s = pair({ verdict: 'broken', sql: 'No', lagSeconds: null, reason: 'error 1062' });
    const text = prometheusText(evaluate(s, DEFAULT_THRESHOLDS), s, new Date());
    expectExposition(text);
    const m = metricsOf(text);
    expect(m.get('mmrecover_check_state')).toBe(2);
    expect(m.get('mmrecover_replication_sql_running{direction="a_b"}')).toBe(0);
    expect(Number.isNaN(m.get('mmrecover_replication_lag_seconds{direction="a_b"}'))).toBe(true);
    expect(m.get('mmrecover_replication_state{direction="a_b",state="broken"}')).toBe(1);
  });

  it('nothing measured (bad input, timeout): only the state, UNKNOWN', () => {
    const text = prometheusText(unknownResult('no answer'), undefined, new Date());
    expectExposition(text);
    expect(metricsOf(text).get('mmrecover_check_state')).toBe(3);
    expect(text).not.toContain('mmrecover_replication_');
  });

  it('the test checker rejects a malformed exposition', () => {
    expect(() => expectExposition('mmrecover_x{a=b} 1\n')).toThrow();
    expect(() => expectExposition('# TYPE x gauge\nx one\n')).toThrow();
  });
});
