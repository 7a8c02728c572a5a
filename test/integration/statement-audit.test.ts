// Issue 26, a whole recovery: no statement of the tool's reads a whole table that has a key. One lab, broken by one
// conflicting row before each method; both servers' general logs on; chunks of 10 ms and enough rows that every shop
// table is walked in several chunks. After classic, online and physical each: in the tool's own sessions on either
// server (told from the copy's programs' by how a session begins: src/lab/server-logs.ts), no CHECKSUM TABLE and every
// read of a shop table bounded by a key range; step 2 kept the conflicting row by key and no schema dump; every chunk
// verified. The same at 4M rows with --stall-timeout 2 and the slow query log is the bench's (src/bench/audit.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import { logMarks, restartWithLogs, toolSessions } from '../../src/lab/server-logs.js';
import { runCli } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { useLab } from '../helpers/lab.js';
import { privateState, withServer, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';
import { readsWhole, tablesRead } from '../helpers/statements.js';

const METHODS = ['classic', 'online', 'physical'] as const;

describe('a whole recovery reads the data by key range only', () => {
  const shared = useLab();

  beforeAll(async () => {
    const lab = shared.get();
    await restartWithLogs(lab, 10);
    // 10,000 orders (keys 2 apart): with 10 ms chunks, several chunks; shop.customers spans the conflict's key (2001+).
    await withServer(lab, 'a', (a) => loadOrders(a, 10_000));
  }, 60_000);

  it.each(METHODS)('--method %s', async (method) => {
    const lab = shared.get();
    await breakLab(lab, 'conflict');
    const conflicting = await withServer(lab, 'b', (b) => b.value("SELECT id FROM shop.customers WHERE name = 'written on BS only'"));
    const env = { ...lab.env(), ...privateState() };
    const marks = logMarks(lab);
    const how = method === 'physical' ? physicalArgs(lab) : ['--method', method];
    const r = await runCli(yesArgs(lab, [...how, '--chunk-time', '0.01', '--stall-timeout', '2']), env);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/^ *VERIFIED: both directions carry data and \d+ tables match\.$/m);
    const state = readJournal(env.XDG_STATE_HOME).data.state;
    expect(state.verification?.unverified ?? []).toEqual([]);

    const sessions = await toolSessions(lab, marks);
    for (const w of ['a', 'b']) {
      const sent = sessions[w].flatMap((s) => s.statements);
      expect(sent.filter((q) => /CHECKSUM TABLE/i.test(q))).toEqual([]);
      const shopReads = sent.filter((q) => tablesRead(q).some((t) => t.startsWith('shop.')));
      expect(shopReads.filter(readsWhole), `${method}, server ${w}`).toEqual([]);
      // The proof walked each shop table in several chunks here (and step 2 too, but for physical).
      for (const t of ['`shop`.`orders`', '`shop`.`customers`'])
        expect(sent.filter((q) => /SUM\(CRC32/.test(q) && q.includes(`FROM ${t} FORCE INDEX`)).length, `${t} on ${w}`).toBeGreaterThan(1);
    }

    const kept = state.backup;
    expect(kept?.dump).toBeUndefined();
    if (method === 'physical') {
      // BS's datadir is kept whole instead (keep-what-differs.test.ts reads it back with salvage): step 2 keeps nothing.
      expect(kept?.rows).toBeUndefined();
      return;
    }
    expect(kept?.rows).toMatchObject({ inserts: 0, replaces: 1, tables: ['shop.customers'] });
    expect(readdirSync(kept!.dir!)).toEqual(['bs-only-rows.sql']);
    const rows = readFileSync(kept!.rows!.file, 'utf8');
    expect(rows.match(/^(INSERT|REPLACE) INTO/gm)).toEqual(['REPLACE INTO']);
    expect(rows.match(/^\(.*\)[,;]$/gm)).toEqual([expect.stringMatching(new RegExp(`^\\(${conflicting}, 'written on BS only', `))]);
  });
});
