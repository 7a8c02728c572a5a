// The monitoring plugin's verdict: a pair status and thresholds in, one Nagios plugin line and an exit code out.
// Pure, so that the format is tested without servers. Plugin guidelines: one line on stdout,
// "LABEL STATE - summary | perfdata", exit 0/1/2/3, perfdata items 'label'=value[UOM];[warn];[crit];[min];[max].
import type { RingStatus } from './ring-status.js';
import type { DirectionFacts, PairStatus } from './pair-status.js';
import { DEFAULT_THRESHOLDS as LAG_THRESHOLDS } from '../config/options.js';

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export const EXIT_CODES: Record<NagiosState, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export const PLUGIN_LABEL = 'MMRECOVER';

export interface Thresholds {
  /** Lag in seconds above which the state is WARNING / CRITICAL. */
  warning: number;
  critical: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = LAG_THRESHOLDS;

export interface PluginResult {
  state: NagiosState;
  exitCode: number;
  line: string;
}

const RANK: NagiosState[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
const worse = (a: NagiosState, b: NagiosState): NagiosState => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a);

/** A non-negative whole number of seconds, or an Error naming the flag. */
export function parseSeconds(value: unknown, flag: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d+$/.test(text)) throw new Error(`${flag} must be a whole number of seconds, not "${value === true ? '' : String(value ?? '')}"`);
  return Number(text);
}

export function validateThresholds(t: Thresholds): void {
  if (t.warning > t.critical) throw new Error(`-w ${t.warning} is above -c ${t.critical}: the warning threshold must not exceed the critical one`);
}

/** Text safe inside a plugin line: one line, no '|' (it starts the perfdata), ASCII arrows, bounded length. */
export function sanitize(text: string, max = 160): string {
  const s = text.replace(/→/g, '->').replace(/\|/g, '/').replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

const perfLabel = (d: DirectionFacts<string>) => `${d.source.toLowerCase()}_${d.replica.toLowerCase()}`;
const thread = (v: string | undefined) => (v === undefined ? 'U' : v === 'Yes' ? '1' : '0');

/** Perfdata for both directions: lag (seconds, with the thresholds) and whether each thread runs (1/0). U: unknown. */
export function perfdata(directions: readonly DirectionFacts<string>[], t: Thresholds): string {
  return directions
    .flatMap((d) => {
      const l = perfLabel(d);
      return [
        `${l}_lag=${d.lagSeconds === null ? 'U' : `${d.lagSeconds}s`};${t.warning};${t.critical};0;`,
        `${l}_io_running=${thread(d.io)};;;0;1`,
        `${l}_sql_running=${thread(d.sql)};;;0;1`,
      ];
    })
    .join(' ');
}

export function directionState(d: DirectionFacts<string>, t: Thresholds): { state: NagiosState; text: string } {
  const name = d.name;
  if (d.verdict === 'unknown') return { state: 'UNKNOWN', text: `${name} unknown: ${d.reason}` };
  if (d.verdict === 'broken') {
    return { state: 'CRITICAL', text: `${name} broken: ${d.reason}` };
  }
  const sqlStopped = d.sql !== 'Yes';
  const lag = d.lagSeconds;
  const what = sqlStopped ? `${name} SQL thread stopped, ` : `${name} `;
  if (lag === null) return { state: 'WARNING', text: `${what}lag unknown` };
  if (lag > t.critical) return { state: 'CRITICAL', text: `${what}lag ${lag}s > ${t.critical}s` };
  if (lag > t.warning) return { state: 'WARNING', text: `${what}lag ${lag}s > ${t.warning}s` };
  return { state: 'OK', text: `${what}lag ${lag}s` };
}

/** Worst state of the two directions; an unreachable server is UNKNOWN whatever else is seen. */
export function evaluate(status: PairStatus, t: Thresholds): PluginResult {
  const down = (['A', 'B'] as const).filter((s) => !status.servers[s].reachable);
  if (down.length)
    return pluginLine('UNKNOWN', down.map((s) => `${s} unreachable: ${status.servers[s].error ?? 'no answer'}`).join('; '), perfdata(status.directions, t));
  const parts = status.directions.map((d) => directionState(d, t));
  const state = parts.reduce<NagiosState>((w, p) => worse(w, p.state), 'OK');
  // Problems first, so that a truncated line in a monitoring UI still shows what is wrong.
  const ordered = [...parts].sort((x, y) => RANK.indexOf(y.state) - RANK.indexOf(x.state));
  const summary = state === 'OK' ? `both directions replicating: ${parts.map((p) => p.text).join(', ')}` : ordered.map((p) => p.text).join('; ');
  return pluginLine(state, summary, perfdata(status.directions, t));
}

export function pluginLine(state: NagiosState, summary: string, perf?: string): PluginResult {
  const text = sanitize(summary, 400);
  return { state, exitCode: EXIT_CODES[state], line: `${PLUGIN_LABEL} ${state} - ${text}${perf ? ` | ${perf}` : ''}` };
}

/** When nothing could be measured (bad input, timeout, a crash): UNKNOWN with every value undetermined. */
export function unknownResult(message: string, t: Thresholds = DEFAULT_THRESHOLDS): PluginResult {
  const blank = (source: 'A' | 'B', replica: 'A' | 'B'): DirectionFacts => ({
    name: `${source}→${replica}`,
    source,
    replica,
    verdict: 'unknown',
    reason: '',
    lagSeconds: null,
    lagFrom: 'none',
  });
  return pluginLine('UNKNOWN', message, perfdata([blank('A', 'B'), blank('B', 'A')], t));
}

/** A ring: the worst state of its links, the broken member named; perfdata per link (a_b = A replicating to B). */
export function evaluateRing(status: RingStatus, t: Thresholds): PluginResult {
  const perf = perfdata(status.links, t);
  const down = status.members.filter((m) => !m.reachable);
  if (down.length) return pluginLine('UNKNOWN', down.map((m) => `${m.side} unreachable: ${m.error ?? 'no answer'}`).join('; '), perf);
  if (status.orderProblems.length) return pluginLine('UNKNOWN', `--ring is not the replication order: ${status.orderProblems.join('; ')}`, perf);
  const parts = status.links.map((d) => directionState(d, t));
  const state = parts.reduce<NagiosState>((w, p) => worse(w, p.state), 'OK');
  const ordered = [...parts].sort((x, y) => RANK.indexOf(y.state) - RANK.indexOf(x.state));
  const who = status.brokenMembers.length ? `${status.brokenMembers.length === 1 ? 'member' : 'members'} ${status.brokenMembers.join(', ')} broke: ` : '';
  const summary = state === 'OK' ? `every link of the ring replicating: ${parts.map((p) => p.text).join(', ')}` : who + ordered.map((p) => p.text).join('; ');
  return pluginLine(state, summary, perf);
}
