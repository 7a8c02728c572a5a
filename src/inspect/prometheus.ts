// The check's figures in Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector:
// one gauge family per figure, a label per direction or server. Pure, so the format is tested without servers.
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
import type { PluginResult } from './nagios.js';
import type { DirectionFacts, PairStatus, Verdict } from './pair-status.js';

const VERDICTS: Verdict[] = ['healthy', 'lagging', 'broken', 'unknown'];
const STATE_VALUE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

/** A label value as the format wants it: backslash, double quote and newline escaped. */
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;
const direction = (d: DirectionFacts) => `${d.source.toLowerCase()}_${d.replica.toLowerCase()}`;
const running = (v: string | undefined) => (v === undefined ? 'NaN' : v === 'Yes' ? '1' : '0');

function family(name: string, help: string, samples: Array<[Record<string, string>, string | number]>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${Object.keys(l).length ? labels(l) : ''} ${v}`)];
}

/** The metrics for one check: its state always; per server and per direction what was measured (NaN: not measured). */
export function prometheusText(result: PluginResult, status: PairStatus | undefined, now: Date): string {
  const dirs = status?.directions ?? [];
  const lines = [
    ...family('mmrecover_check_state', 'Result of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [[{}, STATE_VALUE[result.state]]]),
    ...family('mmrecover_check_timestamp_seconds', 'When the check ran (Unix time).', [[{}, Math.floor(now.getTime() / 1000)]]),
  ];
  if (status) {
    lines.push(
      ...family(
        'mmrecover_server_up',
        'Whether the server answered (1) or not (0).',
        (['A', 'B'] as const).map((s) => [{ server: s.toLowerCase(), address: status.servers[s].address }, status.servers[s].reachable ? 1 : 0]),
      ),
    );
  }
  if (dirs.length) {
    lines.push(
      ...family(
        'mmrecover_replication_lag_seconds',
        'Seconds the replica is behind its source (NaN: cannot be measured).',
        dirs.map((d) => [{ direction: direction(d) }, d.lagSeconds ?? 'NaN']),
      ),
      ...family(
        'mmrecover_replication_io_running',
        "Whether the replica's IO thread runs (1) or not (0).",
        dirs.map((d) => [{ direction: direction(d) }, running(d.io)]),
      ),
      ...family(
        'mmrecover_replication_sql_running',
        "Whether the replica's SQL thread runs (1) or not (0).",
        dirs.map((d) => [{ direction: direction(d) }, running(d.sql)]),
      ),
      ...family(
        'mmrecover_replication_state',
        'The verdict on each direction: 1 for its current state, 0 for the others.',
        dirs.flatMap((d) => VERDICTS.map((v): [Record<string, string>, number] => [{ direction: direction(d), state: v }, d.verdict === v ? 1 : 0])),
      ),
    );
  }
  return lines.join('\n') + '\n';
}
