// How a parallel copy splits GS's user tables into streams. Pure: the tables' sizes in, the streams out.
//
// A stream is one `dump | import` pair, so one dump invocation: whole tables (of one or more schemas, the others of
// those schemas left out with --ignore-table), or one primary-key range of one table (--where, which applies to every
// table of an invocation, hence a range is a stream of its own). A table bigger than one stream's share is split by
// its integer primary key into ranges; the first and last ranges are open-ended, so that together they cover every
// key whatever MIN/MAX were when they were read. A table without an integer primary key stays whole.

import type { StreamPart } from '../copy-units.js';

export interface TableInfo {
  schema: string;
  name: string;
  /** DATA_LENGTH + INDEX_LENGTH (information_schema's estimate). */
  bytes: number;
  /** TABLE_ROWS (an estimate for InnoDB). */
  rows: number;
  /** A single-column integer primary key, with its lowest and highest values when the table has rows. */
  intKey?: { column: string; min: number; max: number };
}

export type { StreamPart } from '../copy-units.js';

/** Backquote a column name for --where (the only identifier the tool writes into it). */
const col = (c: string) => '`' + c.replace(/`/g, '``') + '`';

/** Ranges of [min, max] by key value: k-1 boundaries, first and last open-ended. */
export function keyRanges(column: string, min: number, max: number, k: number): string[] {
  if (k <= 1 || max <= min) return [];
  const width = (max - min + 1) / k;
  const bounds: number[] = [];
  for (let i = 1; i < k; i++) {
    const b = Math.floor(min + i * width);
    if (b > (bounds.at(-1) ?? min)) bounds.push(b);
  }
  if (bounds.length === 0) return [];
  const c = col(column);
  return [`${c} < ${bounds[0]}`, ...bounds.slice(1).map((b, i) => `${c} >= ${bounds[i]} AND ${c} < ${b}`), `${c} >= ${bounds.at(-1)}`];
}

const full = (t: Pick<TableInfo, 'schema' | 'name'>) => `${t.schema}.${t.name}`;

/**
 * Split `tables` into at most `n` streams of about equal bytes (one more when n ranges of one table leave the smaller
 * tables over: they go together into one extra, small stream rather than wait).
 */
export function splitStreams(tables: TableInfo[], n: number): StreamPart[] {
  if (tables.length === 0) return [];
  const total = tables.reduce((s, t) => s + Math.max(t.bytes, 1), 0);
  const share = total / n;
  const bySchema = new Map<string, string[]>();
  for (const t of tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), full(t)]);

  const ranges: StreamPart[] = [];
  const whole: TableInfo[] = [];
  for (const t of tables) {
    const k = Math.min(n, Math.round(t.bytes / share));
    const parts = n > 1 && t.intKey && k >= 2 ? keyRanges(t.intKey.column, t.intKey.min, t.intKey.max, k) : [];
    if (parts.length < 2) {
      whole.push(t);
      continue;
    }
    const others = bySchema.get(t.schema)!.filter((x) => x !== full(t));
    parts.forEach((where, i) =>
      ranges.push({
        label: `${full(t)} [${i + 1}/${parts.length}]`,
        schemas: [t.schema],
        tables: [full(t)],
        ignore: others,
        where,
        estimateBytes: Math.round(t.bytes / parts.length),
        estimateRows: Math.round(t.rows / parts.length),
      }),
    );
  }
  // Largest first into the least loaded bin (LPT): whole tables share the streams the ranges left.
  const bins: TableInfo[][] = Array.from({ length: Math.max(1, n - ranges.length) }, () => []);
  const load = bins.map(() => 0);
  for (const t of [...whole].sort((a, b) => b.bytes - a.bytes)) {
    const i = load.indexOf(Math.min(...load));
    bins[i].push(t);
    load[i] += Math.max(t.bytes, 1);
  }
  const wholeStreams = bins
    .filter((b) => b.length > 0)
    .map((b): StreamPart => {
      const names = b.map(full).sort();
      const schemas = [...new Set(b.map((t) => t.schema))].sort();
      const mine = new Set(names);
      return {
        label: names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more tables`,
        schemas,
        tables: names,
        ignore: schemas.flatMap((s) => bySchema.get(s)!).filter((x) => !mine.has(x)),
        estimateBytes: b.reduce((s, t) => s + t.bytes, 0),
        estimateRows: b.reduce((s, t) => s + t.rows, 0),
      };
    });
  return [...ranges, ...wholeStreams];
}

/**
 * One unit per table, by name: the copy from a frozen donor in one stream (--parallel 1, or no --parallel) runs them
 * one after another, so that each completes, and is recorded, on its own and --resume copies only the tables left.
 */
export function tableUnits(tables: TableInfo[]): StreamPart[] {
  return [...tables]
    .sort((a, b) => full(a).localeCompare(full(b)))
    .map((t) => ({
      label: full(t),
      schemas: [t.schema],
      tables: [full(t)],
      ignore: [],
      byName: true,
      estimateBytes: t.bytes,
      estimateRows: t.rows,
    }));
}
