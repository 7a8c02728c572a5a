// Checking Prometheus text exposition (version 0.0.4): a parser that follows the format (parse-prometheus-text-format,
// ported from the official Python client) plus the line grammar, so a malformed line fails the test.
import { expect } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"`;
const SAMPLE = new RegExp(`^${NAME}(\\{${LABEL}(,${LABEL})*\\})? (NaN|[+-]?Inf|[+-]?\\d+(\\.\\d+)?(e[+-]?\\d+)?)$`);

export function expectExposition(text: string): void {
  expect(text.endsWith('\n'), 'exposition ends with a newline').toBe(true);
  const families = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(families.has(meta[2]), `TYPE ${meta[2]} twice`).toBe(false);
        families.add(meta[2]);
        expect(meta[3]).toMatch(/^(counter|gauge|histogram|summary|untyped)$/);
      }
      continue;
    }
    expect(line, 'a sample line').toMatch(SAMPLE);
  }
  const parsed = parsePrometheusTextFormat(text) as Array<{ name: string; type: string; metrics: unknown[] }>;
  expect(parsed.map((f) => f.name).sort()).toEqual([...families].sort());
}

/** "name{labels}" → value, as printed. */
export function metricsOf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
