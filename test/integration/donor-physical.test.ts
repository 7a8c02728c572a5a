// Issue 28 (physical part): --method physical --donor r, the lab's replica of a. The backup is taken of r's datadir
// (mariadb-backup --slave-info, r frozen at step 3's point) while a paced writer runs on GS, by file/position and by
// MariaDB GTID: the run is VERIFIED; GS's general log shows no backup read and no lock (r's shows the backup's, so the
// check is not vacuous); r replicates again and catches up; BS keeps its own server_id and replicates from GS only; every
// acknowledged write is on both sides once. Interrupted while it streams, r is left stopped at the point, and --resume
// copies again from that same point without starting r (a physical copy cannot resume part-way).
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { runCli, startCli } from '../helpers/cli.js';
import { readJournal, waitForText } from '../helpers/faults.js';
import { expectRanAsShown } from '../helpers/plan-check.js';
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

    it.skipIf(gtid)('interrupted while it streams: r stays stopped at the point; --resume copies again from it without starting r', async () => {
      const lab = labs.get();
      await breakLab(lab, 'stopped');
      const env = { ...lab.env(), ...privateState() };
      const args = (extra: string[]) => yesArgs(lab, [...physicalArgs(lab), '--donor', `127.0.0.1:${lab.server('r').port}`, ...extra]);
      // Paced, so that the stream is still running when it is interrupted.
      const run = startCli(args(['--max-rate', '1M']), env);
      await waitForText(run.output, /Streaming the donor R \S+’s data files to BS/);
      await new Promise((r) => setTimeout(r, 500));
      run.child.kill('SIGINT');
      const first = await run.result;
      expect(first.code, first.stdout + first.stderr).toBe(130);
      const at = readJournal(env.XDG_STATE_HOME).data.state.donor!.at!;
      expect(first.stdout + first.stderr).toContain(
        `is left stopped at ${at.file}:${at.position} so that --resume copies again from that same point without starting it (a physical copy cannot resume part-way)`,
      );
      const st = await withServer(lab, 'r', (s) => readReplicaStatus(s));
      expect({ sql: st.sqlRunning, file: st.execFile, position: st.execPos }).toEqual({ sql: 'No', file: at.file, position: at.position });

      const res = await runCli(args(['--resume']), env);
      const said = res.stdout + res.stderr;
      expect(res.code, said.slice(-3000)).toBe(0);
      expect(said).toContain('VERIFIED');
      expect(said).toContain(
        `is still stopped at ${at.file}:${at.position}, where the interrupted copy read it: a physical copy cannot resume part-way, so it starts over from that same point, without starting the donor again`,
      );
      // Step 3 only read r (no STOP/START of its SQL thread), ran what it showed, and kept the recorded point for BS.
      const j = readJournal(env.XDG_STATE_HOME).data;
      const step3 = j.steps.find((x) => x.id === 3)!;
      expectRanAsShown(3, step3.plan, step3.executed);
      const onR = step3.executed.filter((e) => e.role === 'R').map((e) => e.text);
      expect(onR).toHaveLength(1);
      expect(onR[0]).toMatch(/^SHOW (SLAVE|REPLICA) STATUS$/);
      expect(j.state.gsCoords).toMatchObject({ file: at.file, position: at.position });
      await expectPairHealthy(lab);
      await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).sqlRunning === 'Yes', 10_000, 'r to replicate again');
    });
  });
}
