// Issue 24's events acceptance: "over 10 s only GS's server_id appears in the event's rows". The watch starts, the
// test does its other checks meanwhile (the gtid_slave_pos transactions), and the watch ends at least 10 s after it
// started: the suite pays the 10 s once per recovery at most, overlapped with work it does anyway.
import { expect } from 'vitest';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { eventually } from './pair.js';

export const WATCH_MS = 10_000;

/** Starts watching shop.ticks (an event every second on GS); `end` waits out the 10 s and checks the rows since. */
export async function watchTicks(a0: ServerSession, b0: ServerSession): Promise<{ end: (a?: ServerSession, b?: ServerSession) => Promise<void> }> {
  const started = Date.now();
  const gsId = Number(await a0.value('SELECT @@server_id'));
  const from = Number(await a0.value('SELECT COALESCE(MAX(id), 0) FROM shop.ticks'));
  return {
    // Sessions of the end may be new ones (the watch may span a restart of BS).
    end: async (a: ServerSession = a0, b: ServerSession = b0) => {
      const left = started + WATCH_MS - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      const to = Number(await a.value('SELECT COALESCE(MAX(id), 0) FROM shop.ticks'));
      // GS ran it through the watch (about one row a second; at least a few under load), and BS has every one (ids
      // step by the pair's auto_increment_increment: counted, not subtracted).
      const range = `SELECT COUNT(*) FROM shop.ticks WHERE id > ${from} AND id <= ${to}`;
      const ran = Number(await a.value(range));
      expect(ran).toBeGreaterThanOrEqual(3);
      await eventually(async () => Number(await b.value(range)) === ran, 20_000, 'GS’s ticks on BS');
      const since = `SELECT DISTINCT sid FROM shop.ticks WHERE id > ${from}`;
      expect(await a.query(since)).toEqual([{ sid: gsId }]);
      expect(await b.query(since)).toEqual([{ sid: gsId }]);
      // Nor before: no row anywhere carries BS's server_id.
      expect(await b.query('SELECT DISTINCT sid FROM shop.ticks')).toEqual([{ sid: gsId }]);
    },
  };
}
