// Issue 28, a copy that resumes: a parallel copy from the frozen donor r, interrupted once two of its five tables are
// in, leaves r stopped at the recorded point; --resume reads only the three tables left from r (its general log says
// so) and the pair ends healthy. A donor started again by hand before --resume: refused in one line, a and b unchanged,
// and the next --resume copies everything from scratch. Without --donor, --resume copies again and says why.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { SCHEMA_UNIT } from '../../src/recovery/parallel/resume.js';
import { startCli, runCli } from '../helpers/cli.js';
import { readJournal, waitForText } from '../helpers/faults.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, snapshot, withServer, yesArgs } from '../helpers/pair.js';

/** The five tables: two small (done at once), three big ones that cannot be split (no integer key) and take seconds. */
const SMALL = ['shop.customers', 'shop.orders'];
const BIG = ['shop.big1', 'shop.big2', 'shop.big3'];
const TABLES = [...SMALL, ...BIG];

async function fill(lab: Lab): Promise<void> {
  await withServer(lab, 'a', async (s) => {
    for (const t of BIG) {
      await s.query(`CREATE TABLE ${t} (id INT NOT NULL, k CHAR(4) NOT NULL, note VARCHAR(200) NOT NULL, PRIMARY KEY (id, k)) ENGINE=InnoDB`);
      for (let i = 0; i < 3; i++) await s.query(`INSERT INTO ${t} SELECT seq + ${i * 20_000}, 'k', REPEAT('x', 150) FROM shop.seq_1_to_20000`);
    }
  });
  // r and b hold them too before anything breaks.
  await eventually(async () => Number(await withServer(lab, 'r', (s) => s.value('SELECT COUNT(*) FROM shop.big3'))) === 60_000, 30_000, 'r to hold big3');
  await eventually(async () => Number(await withServer(lab, 'b', (s) => s.value('SELECT COUNT(*) FROM shop.big3'))) === 60_000, 30_000, 'b to hold big3');
}

const args = (lab: Lab, extra: string[] = []) =>
  yesArgs(lab, ['--donor', `127.0.0.1:${lab.server('r').port}`, '--parallel', '5', '--max-rate', '3M', ...extra]);

/** Start a recovery from r and interrupt it (SIGINT) once the two small tables are recorded complete, the big ones not. */
async function interruptedCopy(lab: Lab, env: Record<string, string>) {
  const run = startCli(args(lab), env);
  // The tables of the units recorded complete (a later run of the file also has mmrecover.proof, sharing a stream).
  const done = () => {
    try {
      const copy = readJournal(env.XDG_STATE_HOME).data.state.donor?.copy;
      return copy ? copy.parts.filter((p) => copy.done.includes(p.label)).flatMap((p) => p.tables) : [];
    } catch {
      return [];
    }
  };
  let ended = false;
  void run.result.then(() => (ended = true));
  await eventually(
    async () => (SMALL.every((t) => done().includes(t)) && done().every((t) => !BIG.includes(t))) || ended,
    60_000,
    'the two small tables to be copied',
  );
  expect(ended, run.output()).toBe(false);
  run.child.kill('SIGINT');
  const res = await run.result;
  expect(res.code, res.stdout + res.stderr).toBe(130);
  // A big table half imported, whatever the kill left (the import holds LOCK TABLES while it runs, so it cannot be
  // watched): its first rows, as the dump writes them. Its stream inserts without dropping the table, so the resume
  // must empty it first, or the import stops on a duplicate key.
  await withServer(lab, 'b', async (s) => {
    await s.query('SET SESSION sql_log_bin = 0');
    await s.query("INSERT IGNORE INTO shop.big1 SELECT seq, 'k', REPEAT('x', 150) FROM shop.seq_1_to_100");
  });
  const j = readJournal(env.XDG_STATE_HOME).data;
  const copied = done().filter((t) => TABLES.includes(t));
  expect(copied.sort()).toEqual(SMALL);
  expect(j.state.donor!.copy!.done).toContain(SCHEMA_UNIT);
  return { res, at: j.state.donor!.at!, output: res.stdout + res.stderr };
}

describe('--donor --parallel: a copy that resumes', () => {
  const labs = useLab({ replica: true });

  it('interrupted after two of five tables: r stays stopped at the point; --resume reads only the three left from r', async () => {
    const lab = labs.get();
    await fill(lab);
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const { at, output } = await interruptedCopy(lab, env);
    const rName = `R 127.0.0.1:${lab.server('r').port}`;
    expect(output).toContain(
      `the donor ${rName} is left stopped at ${at.file}:${at.position} so that --resume copies only what is missing; START SLAVE SQL_THREAD on it if you give up`,
    );
    // Right after the interruption: r's SQL thread stopped where the copy read it.
    const st = await withServer(lab, 'r', (s) => readReplicaStatus(s));
    expect(st.sqlRunning).toBe('No');
    expect({ file: st.execFile, position: st.execPos }).toEqual({ file: at.file, position: at.position });

    // What --resume reads from r: its general log, on r only, in the lab's directory.
    const logFile = join(lab.dir, 'r-general.log');
    await withServer(lab, 'r', async (s) => {
      await s.query(`SET GLOBAL general_log_file = '${logFile}'`);
      await s.query("SET GLOBAL log_output = 'FILE'");
      await s.query('SET GLOBAL general_log = ON');
    });
    // The dry run says what is copied again, in the plan itself.
    const plan = await runCli([...args(lab, ['--resume', '--dry-run'])], env);
    expect(plan.stdout + plan.stderr).toMatch(/resuming the copy from the donor, still stopped at \S+: 3 of 5 tables left: shop\.big1, shop\.big2, shop\.big3/);
    expect(plan.stdout + plan.stderr).toMatch(/TRUNCATE TABLE `shop`\.`big1`/);
    const res = await runCli(args(lab, ['--resume']), env);
    await withServer(lab, 'r', (s) => s.query('SET GLOBAL general_log = OFF'));
    const said = res.stdout + res.stderr;
    expect(res.code, said).toBe(0);
    expect(said).toMatch(/VERIFIED/);
    expect(said).toMatch(
      /Stop replication on .* and, resuming the copy from the donor, still stopped at \S+: 3 of 5 tables left: shop\.big1, shop\.big2, shop\.big3/,
    );
    expect(said).toMatch(/Donor: .* R is still stopped at \S+, where the interrupted copy read it: step 3 does not stop it again/);
    await expectPairHealthy(lab);

    expect(existsSync(logFile)).toBe(true);
    const log = readFileSync(logFile, 'utf8');
    const read = new Set(
      [...log.matchAll(/SQL_NO_CACHE \*\/[^\n]*? FROM (?:`shop`\.)?`([^`]+)`/g)].map((m) => `shop.${m[1]}`).filter((t) => TABLES.includes(t)),
    );
    expect(
      [...read].sort(),
      log
        .split('\n')
        .filter((l) => / FROM /.test(l))
        .slice(0, 30)
        .join('\n'),
    ).toEqual(BIG);
    // r's SQL thread was started again only after the copy's last read.
    const lastRead = log.lastIndexOf('SQL_NO_CACHE');
    const started = log.search(/START (SLAVE|REPLICA)/i);
    expect(started).toBeGreaterThan(lastRead);
    await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).sqlRunning === 'Yes', 10_000, 'r to replicate again');
  });

  it('r started again by hand before --resume: refused in one line, a and b unchanged; the next --resume copies from scratch', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const { at } = await interruptedCopy(lab, env);
    await withServer(lab, 'r', (s) => s.query('START SLAVE SQL_THREAD'));
    await withServer(lab, 'a', (s) => s.query("INSERT INTO shop.customers (name) VALUES ('after the interrupted copy')"));
    await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).execPos !== at.position, 10_000, 'r to move');
    const before = await snapshot(lab);
    const refused = await runCli(args(lab, ['--resume']), env);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    const line = refused.stderr.split('\n').find((l) => l.includes('moved since the interrupted copy'));
    expect(line, refused.stderr).toMatch(
      new RegExp(
        `the donor R 127\\.0\\.0\\.1:${lab.server('r').port} moved since the interrupted copy \\(now at \\S+, its SQL thread running, the copy was of ${at.file.replace('.', '\\.')}:${at.position}\\): its data is no longer the copy’s point`,
      ),
    );
    expect(await snapshot(lab)).toEqual(before);
    // The same command again: a copy from scratch, from r frozen anew.
    const res = await runCli(args(lab, ['--resume']), env);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(/Resuming: the copy starts again from zero, from the donor frozen anew/);
    await expectPairHealthy(lab);
  });

  it('without --donor: --resume copies again from zero and says why (GS moved on)', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const gsArgs = (extra: string[] = []) => yesArgs(lab, ['--parallel', '5', '--max-rate', '3M', ...extra]);
    const run = startCli(gsArgs(), env);
    await waitForText(run.output, /Copying GS → BS/);
    run.child.kill('SIGINT');
    expect((await run.result).code).toBe(130);
    const res = await runCli(gsArgs(['--resume']), env);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(
      /Resuming at step 3: the copy starts again from zero\. GS accepted writes since the interrupted run stopped, so whatever it had copied is not of one point of GS/,
    );
    await expectPairHealthy(lab);
  });
});
