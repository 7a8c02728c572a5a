// Issue 18: --parallel 2, every break mode × classic/online × file/GTID, with a writer on GS the whole time. Each copy
// splits both ways: shop.orders in two primary-key ranges, and the small tables together in a stream of their own.
// Checksums equal (the proof, then expectPairHealthy), no acknowledged row lost or doubled, the trigger never fired
// on BS (it records the port it fired on), routines, events and views present.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { jsonEvents, runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, yesArgs } from '../helpers/pair.js';
import { countWrites, EXPECTED_OBJECTS, firedOn, loadParallelDataset, objectsOf, startWriter, textBytes } from '../helpers/parallel.js';

const MODES = ['conflict', 'diverged', 'stopped', 'wiped'] as const;
const METHODS = ['classic', 'online'] as const;

describe.each([
  { positioning: 'file', gtid: false },
  { positioning: 'gtid', gtid: true },
])('--parallel 2 by $positioning', ({ positioning, gtid }) => {
  const labs = useLab({ gtid });
  let loaded = false;

  for (const mode of MODES)
    for (const method of METHODS)
      it(`${mode}, ${method}: two ranges of shop.orders and a stream of the small tables, under a writer`, async () => {
        const lab = labs.get();
        if (!loaded) {
          await loadParallelDataset(lab);
          loaded = true;
        }
        await breakLab(lab, mode);
        const tag = `pw ${positioning} ${mode} ${method}`;
        const writer = startWriter(lab, tag);
        let r;
        try {
          await new Promise((res) => setTimeout(res, 300));
          r = await runCli(yesArgs(lab, ['--parallel', '2', '--method', method, '--positioning', positioning, '--json']), { ...lab.env(), ...privateState() });
          await new Promise((res) => setTimeout(res, 300));
        } finally {
          await writer.stop();
        }
        expect(r.code, r.stderr.slice(-3000)).toBe(0);
        expect(writer.errors).toEqual([]);
        const events = jsonEvents(r.stdout);
        expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered', verified: true });

        // The plan and what ran: the data in three streams side by side, two of them ranges of shop.orders.
        const ran = events.filter((e) => e.event === 'action' && e.step === 4).map((e) => String(e.text));
        const data = ran.filter((t) => t.includes('--no-create-info --no-create-db --skip-triggers'));
        expect(data).toHaveLength(3);
        // Each data stream carries bytes both ways (MariaDB), under the dump's own output buffer.
        for (const t of data)
          expect(t).toMatch(/^\$ (stdbuf -o64K )?mariadb-dump .*--default-character-set=binary.* \| mariadb .*--default-character-set=binary/);
        expect(data.filter((t) => /--where=`id` (<|>=) \d+/.test(t))).toHaveLength(2);
        // Triggers come after every row; the schema before carries none.
        const post = ran.findIndex((t) => t.includes('--triggers --events'));
        expect(post).toBeGreaterThan(ran.indexOf(data.at(-1)!));
        expect(ran.findIndex((t) => t.includes('--no-data --skip-triggers --routines'))).toBeLessThan(ran.indexOf(data[0]));
        if (method === 'online') {
          // The lock only while the streams open their snapshots: taken after the schema, released after they start.
          expect(ran.indexOf('FLUSH TABLES WITH READ LOCK')).toBeLessThan(ran.indexOf(data[0]));
          expect(ran.indexOf('UNLOCK TABLES')).toBeGreaterThan(ran.indexOf(data.at(-1)!));
          expect(events.some((e) => e.event === 'note' && /GS unlocked after \d+ ms/.test(String(e.text)))).toBe(true);
        }
        const position = events.find((e) => e.event === 'action' && e.step === 6 && /CHANGE MASTER/.test(String(e.text)));
        expect(String(position?.text)).toMatch(positioning === 'gtid' ? /MASTER_USE_GTID=slave_pos/ : /MASTER_LOG_FILE='[^']+', MASTER_LOG_POS=\d+/);

        await expectPairHealthy(lab);
        for (const which of ['a', 'b'] as const) expect(await countWrites(lab, which, tag), which).toEqual({ rows: writer.acknowledged.length, duplicated: 0 });
        expect(writer.acknowledged.length).toBeGreaterThan(0);
        expect(await firedOn(lab, 'b'), 'trigger firings on BS').toBe(0);
        expect(await objectsOf(lab, 'b')).toEqual(EXPECTED_OBJECTS);
        const bytes = await textBytes(lab, 'a');
        expect(bytes[0]).toContain('636166E9');
        expect(await textBytes(lab, 'b')).toEqual(bytes);
      });
});
