// Issue 17: --method physical (mariadb-backup) recovers every break mode, by file/position and by MariaDB GTID, with a
// writer at 200 inserts/s on GS the whole time: the pair ends healthy (rows cross both ways, checksums equal), no
// acknowledged write is lost or doubled, GS's longest commit stall stays within 1.5 s, and BS's previous datadir is
// kept and its path printed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREAK_MODES, breakLab } from '../../src/lab/break.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, withSessions, yesArgs, eventually } from '../helpers/pair.js';
import { physicalArgs, startPacedWriter } from '../helpers/physical.js';

type Ev = { event: string; [k: string]: unknown };
const events = (stdout: string): Ev[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Ev);

for (const gtid of [false, true]) {
  describe(`--method physical, ${gtid ? 'MariaDB GTID' : 'file/position'}`, () => {
    const labs = useLab({ gtid });

    for (const mode of Object.keys(BREAK_MODES)) {
      it(`recovers "${mode}" with a writer at 200 inserts/s on GS: healthy pair, every write once, stall ≤ 1.5 s, old datadir kept`, async () => {
        const lab = labs.get();
        const env = { ...lab.env(), ...privateState() };
        await breakLab(lab, mode);
        const tag = `${mode} ${gtid ? 'gtid' : 'file'} writer`;
        const writer = startPacedWriter(lab, 200, 'a', tag);
        let r;
        try {
          await eventually(async () => writer.acknowledged.length > 20, 10_000, 'the writer to start');
          r = await runCli(yesArgs(lab, [...physicalArgs(lab), '--json']), env);
          await new Promise((res) => setTimeout(res, 300));
        } finally {
          await writer.stop();
        }
        expect(r.code, r.stderr).toBe(0);
        expect(writer.errors).toEqual([]);
        const ev = events(r.stdout);
        expect(ev.at(-1)).toMatchObject({ event: 'result', status: 'recovered', verified: true });
        const all = JSON.stringify(ev);
        // No read lock of the tool's own: GS's coordinates come from the copy.
        expect(all).not.toMatch(/FLUSH TABLES WITH READ LOCK/);
        expect(all).toMatch(
          /mariadb-backup --defaults-extra-file=<0600 option file> --backup --stream=xbstream --log-copy-interval=10 \| BS: \[local\] \$ mbstream -x -C /,
        );
        expect(ev.find((e) => e.event === 'coordinates' && e.role === 'GS')).toBeTruthy();
        if (gtid) expect((ev.find((e) => e.event === 'coordinates' && e.role === 'GS')!.coordinates as { gtid?: string }).gtid).toMatch(/^\d+-\d+-\d+/);

        // BS's previous datadir: kept, its path printed, and it holds BS's old data.
        const kept = ev.map((e) => (e.event === 'note' ? /previous datadir is kept at (\S+) \(/.exec(String(e.text))?.[1] : undefined)).find(Boolean);
        expect(kept, 'the kept datadir is printed').toBeTruthy();
        expect(kept!.startsWith(`${lab.b.datadir}.mmrecover-kept-`)).toBe(true);
        expect(existsSync(join(kept!, 'shop')) || mode === 'wiped').toBe(true);
        expect(existsSync(join(kept!, 'ibdata1'))).toBe(true);

        await expectPairHealthy(lab);
        // GS's longest commit stall with 200 inserts/s (BACKUP STAGE BLOCK_COMMIT, and nothing of the tool's own).
        expect(writer.maxStallMs(), 'GS longest write stall (ms)').toBeLessThanOrEqual(1500);
        await withSessions(lab, async (a, b) => {
          for (const s of [a, b]) {
            const dup = await s.query(`SELECT note, COUNT(*) AS n FROM shop.orders WHERE note LIKE '${tag} %' GROUP BY note HAVING n > 1`);
            expect(dup, `${s.label}: duplicated rows`).toEqual([]);
            const count = Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`));
            expect(count, `${s.label}: every acknowledged write, once`).toBe(writer.acknowledged.length);
          }
        });
      });
    }
  });
}
