// Issue 28 (physical part): --method physical --donor r, the lab's replica of a. The backup is taken of r's datadir
// (mariadb-backup --slave-info, r frozen at step 3's point) while a paced writer runs on GS, by file/position and by
// MariaDB GTID: the run is VERIFIED; GS's general log shows no backup read and no lock (r's shows the backup's, so the
// check is not vacuous); r replicates again and catches up; BS keeps its own server_id and replicates from GS only; every
// acknowledged write is on both sides once.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, withServer, withSessions, yesArgs } from '../helpers/pair.js';
import { physicalArgs, startPacedWriter } from '../helpers/physical.js';

const BACKUP_OR_LOCK = "(argument LIKE '%BACKUP STAGE%' OR argument LIKE '%FLUSH TABLES%' OR argument LIKE '%LOCK TABLES%')";

async function generalLog(lab: Lab, on: boolean): Promise<void> {
  for (const w of ['a', 'r'] as const)
    await withServer(lab, w, async (s) => {
      if (on) await s.query("SET GLOBAL log_output = 'TABLE'");
      await s.query(`SET GLOBAL general_log = ${on ? 1 : 0}`);
    });
}

for (const gtid of [false, true]) {
  describe(`--method physical --donor, ${gtid ? 'MariaDB GTID' : 'file/position'}`, () => {
    const labs = useLab({ replica: true, gtid });

    it('copies r’s datadir frozen at the recorded point under a writer on GS: VERIFIED, GS neither read nor locked, r replicates, BS keeps its server_id', async () => {
      const lab = labs.get();
      await breakLab(lab, 'conflict');
      const bsId = Number(await withServer(lab, 'b', (s) => s.value('SELECT @@server_id')));
      await generalLog(lab, true);
      const since = String(await withServer(lab, 'a', (s) => s.value('SELECT NOW(6)')));
      const tag = `physical donor ${gtid ? 'gtid' : 'file'} writer`;
      const writer = startPacedWriter(lab, 200, 'a', tag);
      const donorR = `R 127.0.0.1:${lab.server('r').port}`;
      let res;
      const started = Date.now();
      try {
        await eventually(async () => writer.acknowledged.length > 20, 10_000, 'the writer to start');
        res = await runCli(yesArgs(lab, [...physicalArgs(lab), '--donor', `127.0.0.1:${lab.server('r').port}`]), { ...lab.env(), ...privateState() });
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await writer.stop();
      }
      const runSeconds = (Date.now() - started) / 1000;
      await generalLog(lab, false);
      const said = res.stdout + res.stderr;
      expect(res.code, said.slice(-3000)).toBe(0);
      expect(writer.errors).toEqual([]);
      expect(said).toContain('VERIFIED');
      // The overview, the plan and the summary say GS is not read (nor locked).
      const overview = said.indexOf(`Donor: the copy reads the donor ${donorR}, a replica of GS, not GS: GS is not read by the copy`);
      expect(overview, said).toBeGreaterThanOrEqual(0);
      expect(overview).toBeLessThan(said.indexOf('Step 1/'));
      expect(said).toMatch(/Physical method from the donor: GS is neither locked nor read/);
      expect(said).toMatch(/R> \[local\] \$ mariadb-backup --defaults-extra-file=<0600 option file> --backup --slave-info --stream=xbstream/);
      expect(said).toContain(`The copy read the donor ${donorR}, a replica of GS, not GS: GS was not read by the copy`);
      expect(said).toContain('GS was never locked by this run.');
      expect(said).toMatch(/BS replicates from GS starting at \S+ \/ \d+.* \(the donor’s recorded point/);
      // GS: no backup stage, no lock; r: the backup's stages (the same query finds them there).
      const logged = (w: 'a' | 'r') =>
        withServer(lab, w, (s) => s.query(`SELECT argument FROM mysql.general_log WHERE event_time >= '${since}' AND ${BACKUP_OR_LOCK}`));
      expect((await logged('a')).map((r) => String(r.argument))).toEqual([]);
      expect((await logged('r')).map((r) => String(r.argument))).toContain('BACKUP STAGE BLOCK_COMMIT');
      // BS: its own server_id (from its configuration), replicating from a, and nothing else of r's.
      const pair = await expectPairHealthy(lab);
      expect(Number(await withServer(lab, 'b', (s) => s.value('SELECT @@server_id')))).toBe(bsId);
      expect(pair.b.sourcePort).toBe(lab.server('a').port);
      if (gtid) expect(pair.b.raw.Using_Gtid).toBe('Slave_Pos');
      // Every acknowledged write, once, on both sides.
      await withSessions(lab, async (a, b) => {
        for (const s of [a, b]) {
          const dup = await s.query(`SELECT note, COUNT(*) AS n FROM shop.orders WHERE note LIKE '${tag} %' GROUP BY note HAVING n > 1`);
          expect(dup, `${s.label}: duplicated rows`).toEqual([]);
          expect(Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`)), `${s.label}: every write`).toBe(
            writer.acknowledged.length,
          );
        }
      });
      // r replicates again, with no error, and holds every writer row.
      await eventually(
        async () => {
          const st = await withServer(lab, 'r', (s) => readReplicaStatus(s));
          expect(st.lastSqlErrno).toBe(0);
          const n = Number(await withServer(lab, 'r', (s) => s.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`)));
          return st.sqlRunning === 'Yes' && st.ioRunning === 'Yes' && n === writer.acknowledged.length;
        },
        20_000,
        'r to replicate again and hold every writer row',
      );
      console.log(
        `donor-physical ${gtid ? 'gtid' : 'file'}: run ${runSeconds.toFixed(1)} s, ${writer.acknowledged.length} writes, longest GS commit ${writer.maxStallMs().toFixed(0)} ms`,
      );
    });
  });
}
