// Issue 26: the chunked comparison's read rate against CHECKSUM TABLE's on the same table and servers (target: at
// least 0.8 × CHECKSUM TABLE's). shop.orders of the lab, after a recovery, so both servers hold the same rows. Three
// pairs of figures, each after a warm-up read of the table on both servers:
//   - both servers at once, as the tool compares: differingTables (src/recovery/compare.ts) on GS and BS in lockstep,
//     against CHECKSUM TABLE sent to both at once;
//   - each server alone: the comparison's own chunk walk and statement on that server only, against CHECKSUM TABLE there.
import type { Lab } from '../lab/lab.js';
import type { ServerSession } from '../adapters/mysql/session.js';
import { stmt } from '../dialect/statement.js';
import { chunkHash, differingTables, quoteTable, rowText, tableShape, tableSizes, walkChunks, type Query } from '../recovery/compare.js';

const TABLE = 'shop.orders';

interface Rate {
  seconds: number;
  rowsPerSecond: number;
  bytesPerSecond: number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const began = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - began) / 1000 };
}

const rate = (rows: number, bytes: number, seconds: number): Rate => ({
  seconds: round(seconds),
  rowsPerSecond: Math.round(rows / seconds),
  bytesPerSecond: Math.round(bytes / seconds),
});

/** CHECKSUM TABLE on one server: a full read of the table (InnoDB keeps no live checksum). */
const checksum = (s: ServerSession) => s.query(stmt(`CHECKSUM TABLE ${quoteTable(TABLE)}`));

/** The comparison's chunk walk and statement on one server alone (what compare.ts's walkTable sends to each side). */
async function chunkedAlone(q: Query): Promise<number> {
  const shape = await tableShape(q, TABLE);
  const hash = chunkHash(rowText(shape));
  let rows = 0;
  await walkChunks([q], TABLE, shape, {}, async (c) => {
    const began = Date.now();
    const r = await q(stmt(`SELECT ${hash} FROM ${quoteTable(TABLE)} FORCE INDEX (PRIMARY) WHERE ${c.where}`));
    rows += Number(r[0]?.n ?? 0);
    return Date.now() - began;
  });
  return rows;
}

export async function compareRateFigures(lab: Lab, size: number): Promise<Record<string, unknown>> {
  const [a, b] = await Promise.all([lab.connect('a'), lab.connect('b')]);
  try {
    const qa: Query = (s) => a.query(s);
    const qb: Query = (s) => b.query(s);
    const info = (await tableSizes(qa)).find((t) => t.table === TABLE);
    const rows = Number(await a.value(`SELECT COUNT(*) FROM ${quoteTable(TABLE)}`));
    // information_schema's data length, per row, scaled to the counted rows (the same bytes the tool's estimate uses).
    const bytes = info && info.rows > 0 ? Math.round((info.bytes / info.rows) * rows) : 0;
    // Warm-up: one read of the table on each server, so that neither reading order gets a colder cache.
    await Promise.all([checksum(a), checksum(b)]);

    const both = await timed(() => differingTables(qa, qb, { only: [TABLE] }));
    const bothSum = await timed(() => Promise.all([checksum(a), checksum(b)]));
    const gsChunked = await timed(() => chunkedAlone(qa));
    const gsSum = await timed(() => checksum(a));
    const bsChunked = await timed(() => chunkedAlone(qb));
    const bsSum = await timed(() => checksum(b));

    const compared = both.value.counts.get(TABLE)?.[1] ?? rows;
    const pair = (chunked: Rate, sum: Rate) => ({
      chunked,
      checksumTable: sum,
      ratio: round(sum.rowsPerSecond > 0 ? chunked.rowsPerSecond / sum.rowsPerSecond : 0),
    });
    const bothRates = pair(rate(compared, bytes, both.seconds), rate(rows, bytes, bothSum.seconds));
    return {
      bench: 'compare-rate',
      rows: size,
      table: TABLE,
      tableRows: rows,
      tableBytes: bytes,
      // Rates per server (rows and bytes of one side); ratio = chunked rate / CHECKSUM TABLE rate (target ≥ 0.8).
      bothServers: { ...bothRates, differing: both.value.differing.map((d) => d.table) },
      gsAlone: pair(rate(gsChunked.value, bytes, gsChunked.seconds), rate(rows, bytes, gsSum.seconds)),
      bsAlone: pair(rate(bsChunked.value, bytes, bsChunked.seconds), rate(rows, bytes, bsSum.seconds)),
      target: 0.8,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
