// Issue 28, acceptance line 1: every break mode × file/position and MariaDB GTID × classic, online and physical with
// --donor r (the lab's replica of a), a writer at 500 inserts/s on GS the whole run. Each case: exit 0 and VERIFIED; the
// overview, the method's note and the summary name the donor, say GS is not read and was never locked; GS's general
// log shows no lock and no read of the copy (no FLUSH TABLES, LOCK TABLES or BACKUP STAGE, no dump's SELECT) while r's
// shows the copy's reads (the same query: the check is not vacuous); both directions replicate with no error, BS keeps
// its server_id and replicates from GS (by GTID on a GTID pair), a write on BS reaches GS; a, b and r hold the same data
// (compared chunk by chunk), and every acknowledged writer row once on a and b; r replicates from a again with no error
// and holds every writer row. The classic cases also read the post-incident report (JSON and Markdown).
// GS's longest write stall is a timing target: `npm run bench` measures it (src/bench/donor-bench.ts), not this file.
// One lab per positioning, broken again for each case once the previous recovery proved it healthy; the two labs run
// side by side, each its cases in order.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BREAK_MODES, breakLab, type BreakMode } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readCoordinates, readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { compareTables } from '../../src/recovery/compare.js';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectSameData, privateState, withServer, withSessions, writeArrives, yesArgs } from '../helpers/pair.js';
import { physicalArgs, startPacedWriter } from '../helpers/physical.js';

const METHODS = {
  classic: () => ['--method', 'classic'],
  online: () => ['--method', 'online'],
  physical: (lab: Lab) => physicalArgs(lab),
} as const;
type Method = keyof typeof METHODS;

// What would show GS locked or read by the copy: a read lock (the classic dump's, or a backup's), a backup's stages, a
// dump's SELECT. On r the same query finds the copy's own reads.
const LOCK_OR_COPY_READ =
  "(argument LIKE '%FLUSH TABLES%' OR argument LIKE '%LOCK TABLES%' OR argument LIKE '%BACKUP STAGE%' OR argument LIKE '%SQL_NO_CACHE%')";
const COPY_READ_ON_R: Record<Method, string> = { classic: 'SQL_NO_CACHE', online: 'SQL_NO_CACHE', physical: 'BACKUP STAGE BLOCK_COMMIT' };

async function generalLog(lab: Lab, on: boolean): Promise<void> {
  for (const w of ['a', 'r'] as const)
    await withServer(lab, w, async (s) => {
      if (on) {
        await s.query("SET GLOBAL log_output = 'TABLE'");
        // Each case reads only its own run's statements.
        await s.query('TRUNCATE TABLE mysql.general_log');
      }
      await s.query(`SET GLOBAL general_log = ${on ? 1 : 0}`);
    });
}

const copyReads = (lab: Lab, w: 'a' | 'r') =>
  withServer(lab, w, async (s) => (await s.query(`SELECT argument FROM mysql.general_log WHERE ${LOCK_OR_COPY_READ}`)).map((r) => String(r.argument)));

/** b and r have applied everything a logged so far, replicating with no error. */
async function caughtUpWithA(lab: Lab, who: Array<'b' | 'r'>): Promise<void> {
  const at = await withServer(lab, 'a', (s) => readCoordinates(s));
  for (const w of who)
    await eventually(
      async () => {
        const st = await withServer(lab, w, (s) => readReplicaStatus(s));
        expect({ sqlErr: st.lastSqlErrno, ioErr: st.lastIoErrno }, `${w}: replication errors`).toEqual({ sqlErr: 0, ioErr: 0 });
        return st.sqlRunning === 'Yes' && st.ioRunning === 'Yes' && st.execFile === at.file && st.execPos >= at.position;
      },
      20_000,
      `${w} to replicate from a and apply all it logged`,
    );
}

/** What the run said about the donor: the overview before step 1, the method's note, the summary. */
function expectDonorSaid(said: string, lab: Lab, method: Method): void {
  const donorR = `R 127.0.0.1:${lab.server('r').port}`;
  const notLocked = method === 'classic' ? ' and not locked' : '';
  const overview = said.indexOf(`Donor: the copy reads the donor ${donorR}, a replica of GS, not GS: GS is not read by the copy${notLocked}`);
  expect(overview, said.slice(0, 6000)).toBeGreaterThanOrEqual(0);
  expect(overview).toBeLessThan(said.indexOf('Step 1/'));
  expect(said).toContain(`${method[0]!.toUpperCase()}${method.slice(1)} method from the donor: GS is neither locked nor read`);
  if (method === 'physical')
    expect(said).toMatch(/R> \[local\] \$ mariadb-backup --defaults-extra-file=<0600 option file> --backup --slave-info --stream=xbstream/);
  expect(said).toContain(`The copy read the donor ${donorR}, a replica of GS, not GS: GS was not read by the copy${notLocked}`);
  expect(said).toMatch(/BS replicates from GS starting at \S+ \/ \d+.* \(the donor’s recorded point: where step 3 stopped its SQL thread/);
  expect(said).toContain('GS was never locked by this run.');
}

/** The post-incident report of a classic copy from the donor, JSON and Markdown: the donor, its point, GS never locked. */
async function expectDonorReport(lab: Lab, stateHome: string): Promise<void> {
  const donorR = `R 127.0.0.1:${lab.server('r').port}`;
  const json = await runCli(['report', '--format', 'json'], { XDG_STATE_HOME: stateHome, MMRECOVER_PASSWORD: undefined });
  expect(json.code, json.stderr).toBe(0);
  const rep = JSON.parse(json.stdout) as Report;
  expect(rep.donor).toMatchObject({
    address: `127.0.0.1:${lab.server('r').port}`,
    serverId: Number(await withServer(lab, 'r', (s) => s.value('SELECT @@server_id'))),
  });
  // GS's coordinates for BS are where the donor stopped: the same point, recorded once.
  expect(rep.donor?.at).toEqual(rep.coordinates.gs);
  expect(rep.gsLockedSeconds).toBe(0);
  // Each step as its header said who it acted on: the donor frozen, read, started again.
  expect(rep.steps.filter((x) => [3, 4, 5].includes(x.id)).map((x) => x.on)).toEqual(['GS, R', 'R → BS', 'R']);
  const mdPath = join(stateHome, 'report.md');
  const md = await runCli(['report', '--format', 'md', '--output', mdPath], { XDG_STATE_HOME: stateHome, MMRECOVER_PASSWORD: undefined });
  expect(md.code, md.stderr).toBe(0);
  const text = readFileSync(mdPath, 'utf8');
  expect(text).toContain(`- **Copy read from:** the donor ${donorR}, a replica of GS; GS was not read by the copy`);
  expect(text).toContain('GS was not read by the copy and not locked');
  expect(text).toMatch(/Copy R → BS: complete/);
  expect(text).toMatch(/BS replicates from GS at: \S+ \/ \d+.* \(the donor’s recorded point/);
}

for (const gtid of [false, true]) {
  // `concurrent` lets this positioning's suite run beside the other's (each has its own lab); its cases run in order.
  describe(`--donor r, every break mode × method, ${gtid ? 'MariaDB GTID' : 'file/position'}, a writer at 500/s on GS`, { concurrent: true }, () => {
    const labs = useLab({ replica: true, gtid });

    for (const mode of Object.keys(BREAK_MODES) as BreakMode[])
      for (const method of Object.keys(METHODS) as Method[])
        it.sequential(`${mode}, --method ${method}`, async () => {
          const lab = labs.get();
          await breakLab(lab, mode);
          const bsId = Number(await withServer(lab, 'b', (s) => s.value('SELECT @@server_id')));
          await generalLog(lab, true);
          const tag = `donor matrix ${gtid ? 'gtid' : 'file'} ${mode} ${method}`;
          const state = privateState();
          const writer = startPacedWriter(lab, 500, 'a', tag);
          let res;
          try {
            await eventually(async () => writer.acknowledged.length > 20, 10_000, 'the writer to start');
            res = await runCli(yesArgs(lab, [...METHODS[method](lab), '--donor', `127.0.0.1:${lab.server('r').port}`]), { ...lab.env(), ...state });
          } finally {
            await writer.stop();
            await generalLog(lab, false);
          }
          const said = res.stdout + res.stderr;
          expect(res.code, said.slice(-3000)).toBe(0);
          expect(said).toContain('VERIFIED');
          expect(writer.errors).toEqual([]);
          expectDonorSaid(said, lab, method);
          if (gtid) expect(said).toMatch(/MASTER_USE_GTID=slave_pos/);
          if (method === 'classic' && mode === 'conflict') await expectDonorReport(lab, state.XDG_STATE_HOME);

          // GS: no lock and no read of the copy; r: the copy's reads, found by the same query.
          expect(await copyReads(lab, 'a')).toEqual([]);
          expect((await copyReads(lab, 'r')).filter((q) => q.includes(COPY_READ_ON_R[method])).length, 'the copy’s reads on r').toBeGreaterThan(0);

          // The pair: both directions run with no error; BS keeps its own server_id and replicates from GS.
          const pair = await withSessions(lab, async (a, b) => ({ a: await readReplicaStatus(a), b: await readReplicaStatus(b) }));
          for (const st of [pair.a, pair.b])
            expect({ io: st.ioRunning, sql: st.sqlRunning, ioErr: st.lastIoErrno, sqlErr: st.lastSqlErrno }).toEqual({
              io: 'Yes',
              sql: 'Yes',
              ioErr: 0,
              sqlErr: 0,
            });
          expect(pair.b.sourcePort).toBe(lab.server('a').port);
          if (gtid) expect(pair.b.raw.Using_Gtid).toBe('Slave_Pos');
          expect(Number(await withServer(lab, 'b', (s) => s.value('SELECT @@server_id')))).toBe(bsId);
          // GS → BS carried every writer row (below); BS → GS carries a write too.
          await writeArrives(lab, 'b', 'a');

          // a and b: the same data, and every acknowledged write once on each.
          await expectSameData(lab);
          await withSessions(lab, async (a, b) => {
            for (const s of [a, b]) {
              const dup = await s.query(`SELECT note FROM shop.orders WHERE note LIKE '${tag} %' GROUP BY note HAVING COUNT(*) > 1`);
              expect(dup, `${s.label}: duplicated writer rows`).toEqual([]);
              expect(Number(await s.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`)), `${s.label}: every writer row`).toBe(
                writer.acknowledged.length,
              );
            }
          });

          // r: replicating from a again with no error, every writer row, and the same data as a.
          await caughtUpWithA(lab, ['r']);
          expect((await withServer(lab, 'r', (s) => readReplicaStatus(s))).sourcePort).toBe(lab.server('a').port);
          const [sa, sr] = await Promise.all([lab.connect('a'), lab.connect('r')]);
          try {
            expect(Number(await sr.value(`SELECT COUNT(*) FROM shop.orders WHERE note LIKE '${tag} %'`)), 'r: every writer row').toBe(
              writer.acknowledged.length,
            );
            const cmp = await compareTables(
              (q) => sa.query(q),
              (q) => sr.query(q),
            );
            expect(cmp.mismatched).toEqual([]);
            expect(cmp.compared).toBeGreaterThan(0);
          } finally {
            await Promise.all([sa.close(), sr.close()]);
          }

          // The next case starts from the lab's own small data: a copy grown by every case's writes slows each next one.
          await withServer(lab, 'a', (s) => s.query(`DELETE FROM shop.orders WHERE note LIKE '${tag} %'`));
          await caughtUpWithA(lab, ['b', 'r']);
        });
  });
}
