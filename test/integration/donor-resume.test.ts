// Issue 28, a copy that resumes: a parallel copy from the frozen donor r, interrupted once two of its five tables are
// in, leaves r stopped at the recorded point; --resume reads only the three tables left from r (its general log says
// so) and the pair ends healthy. A donor started again by hand before --resume: refused in one line, a and b unchanged,
// and the next --resume copies everything from scratch. Without --donor, --resume copies again and says why. The single
// stream from r copies one table at a time: its dump killed mid-table, --resume copies only the tables not completed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { clearStatements, SCHEMA_UNIT } from '../../src/recovery/donor-resume.js';
import { Executor, type Executed } from '../../src/engine/executor.js';
import { emptyState } from '../../src/recovery/state.js';
import { offlineContext } from '../helpers/offline.js';
import { jsonEvents, startCli, runCli } from '../helpers/cli.js';
import { childPids, PACE_COPY, readJournal, waitForText } from '../helpers/faults.js';
import { expectRanAsShown, normalize } from '../helpers/plan-check.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, snapshot, withServer, yesArgs } from '../helpers/pair.js';

/** The five tables: two small (done at once), three big ones that cannot be split (no integer key) and take seconds. */
const SMALL = ['shop.customers', 'shop.orders'];
const BIG = ['shop.big1', 'shop.big2', 'shop.big3'];
const TABLES = [...SMALL, ...BIG];
/** About 3.4 MB a big table: seconds each at PACE_COPY's 1 MB/s in the runs that are interrupted; --resume is unpaced. */
const BIG_ROWS = 20_000;

async function fill(lab: Lab): Promise<void> {
  // Once per lab: a test run alone (-t) fills it too.
  if (Number(await withServer(lab, 'a', (s) => s.value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'big3'"))))
    return;
  await withServer(lab, 'a', async (s) => {
    for (const t of BIG) {
      await s.query(`CREATE TABLE ${t} (id INT NOT NULL, k CHAR(4) NOT NULL, note VARCHAR(200) NOT NULL, PRIMARY KEY (id, k)) ENGINE=InnoDB`);
      await s.query(`INSERT INTO ${t} SELECT seq, 'k', REPEAT('x', 150) FROM shop.seq_1_to_${BIG_ROWS}`);
    }
  });
  // r and b hold them too before anything breaks.
  await eventually(async () => Number(await withServer(lab, 'r', (s) => s.value('SELECT COUNT(*) FROM shop.big3'))) === BIG_ROWS, 30_000, 'r to hold big3');
  await eventually(async () => Number(await withServer(lab, 'b', (s) => s.value('SELECT COUNT(*) FROM shop.big3'))) === BIG_ROWS, 30_000, 'b to hold big3');
}

const args = (lab: Lab, extra: string[] = []) => yesArgs(lab, ['--donor', `127.0.0.1:${lab.server('r').port}`, '--parallel', '5', ...extra]);

/** Start a recovery from r and interrupt it (SIGINT) once the two small tables are recorded complete, the big ones not. */
async function interruptedCopy(lab: Lab, env: Record<string, string>) {
  const run = startCli(args(lab, PACE_COPY), env);
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

/**
 * r's general log on (a file in the lab's directory) until `off` is called; `read()`: the tables the dumps read, as
 * shop.<name> (the mysql schema's are read unqualified too: filter by the tables expected).
 */
async function logReadsOnR(lab: Lab, name: string) {
  const logFile = join(lab.dir, name);
  await withServer(lab, 'r', async (s) => {
    await s.query(`SET GLOBAL general_log_file = '${logFile}'`);
    await s.query("SET GLOBAL log_output = 'FILE'");
    await s.query('SET GLOBAL general_log = ON');
  });
  return {
    off: () => withServer(lab, 'r', (s) => s.query('SET GLOBAL general_log = OFF')),
    log: () => readFileSync(logFile, 'utf8'),
    read: () =>
      [...new Set([...readFileSync(logFile, 'utf8').matchAll(/SQL_NO_CACHE \*\/[^\n]*? FROM (?:`shop`\.)?`([^`]+)`/g)].map((m) => `shop.${m[1]}`))].sort(),
  };
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
    const onR = await logReadsOnR(lab, 'r-general.log');
    // The dry run says what is copied again, in the plan itself.
    const plan = await runCli([...args(lab, ['--resume', '--dry-run'])], env);
    expect(plan.stdout + plan.stderr).toMatch(/resuming the copy from the donor, still stopped at \S+: 3 of 5 tables left: shop\.big1, shop\.big2, shop\.big3/);
    expect(plan.stdout + plan.stderr).toMatch(/TRUNCATE TABLE `shop`\.`big1`/);
    const res = await runCli(args(lab, ['--resume']), env);
    await onR.off();
    const said = res.stdout + res.stderr;
    expect(res.code, said).toBe(0);
    expect(said).toMatch(/VERIFIED/);
    expect(said).toMatch(
      /Stop replication on .* and, resuming the copy from the donor, still stopped at \S+: 3 of 5 tables left: shop\.big1, shop\.big2, shop\.big3/,
    );
    expect(said).toMatch(/Donor: .* R is still stopped at \S+, where the interrupted copy read it: step 3 does not stop it again/);
    await expectPairHealthy(lab);

    const log = onR.log();
    expect(
      onR.read().filter((t) => TABLES.includes(t)),
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

  it('one stream (no --parallel): one table at a time; its dump killed mid-table, --resume copies only the tables not completed', async () => {
    const lab = labs.get();
    await fill(lab);
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const one = (extra: string[] = []) => yesArgs(lab, ['--donor', `127.0.0.1:${lab.server('r').port}`, ...extra]);
    const run = startCli(one(PACE_COPY), env);
    const copy = () => {
      try {
        return readJournal(env.XDG_STATE_HOME).data.state.donor?.copy;
      } catch {
        return undefined;
      }
    };
    // By name, big1 is the first table: once it is recorded complete, big2's dump is killed mid-table.
    let first;
    try {
      await eventually(async () => copy()?.done.includes('shop.big1'), 60_000, 'shop.big1 to be copied');
      // The next pair starts a moment after the one before is recorded.
      const dump = await eventually(async () => childPids(run.child.pid!, 'mariadb-dump')[0], 10_000, 'shop.big2’s dump to start');
      expect(copy()!.done).not.toContain('shop.big2');
      process.kill(dump, 'SIGKILL');
      first = await run.result;
    } finally {
      // A failed check must not leave the run holding the pair's lock for the next test.
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    const said = first.stdout + first.stderr;
    expect(first.code, said).not.toBe(0);
    expect(said).toMatch(/Copying the donor R → BS one table at a time/);
    expect(said).toMatch(/the donor R \S+ is left stopped at \S+ so that --resume copies only what is missing/);
    const record = copy()!;
    // Every user table is a unit of its own, named by the table.
    expect(record.parts.map((p) => p.label)).toEqual(expect.arrayContaining(TABLES));
    expect(record.parts.every((p) => p.tables.length === 1 && !p.where)).toBe(true);
    expect(record.done[0]).toBe(SCHEMA_UNIT);
    expect(record.done.filter((l) => l.startsWith('shop.'))).toEqual(['shop.big1']);
    const left = record.parts
      .map((p) => p.label)
      .filter((t) => !record.done.includes(t))
      .sort((x, y) => x.localeCompare(y));

    const onR = await logReadsOnR(lab, 'r-general-one.log');
    // The dry run: the plan names the tables left, empties them on BS first, and runs them one after another.
    const dry = await runCli(one(['--resume', '--dry-run', '--json']), env);
    expect(dry.code, dry.stderr).toBe(0);
    const dryStep4 = jsonEvents(dry.stdout).find((e) => e.event === 'step_start' && e.step === 4) as unknown as {
      lines: Array<{ role: string; text: string; note?: string }>;
    };
    const notes = dryStep4.lines.map((l) => `${l.text} ${l.note ?? ''}`).join('\n');
    expect(dry.stdout).toContain(`: ${left.length} of ${record.parts.length} tables left: ${left.join(', ')}`);
    expect(dry.stdout).toMatch(/resuming the copy from the donor, still stopped at \S+: \d+ of/);
    expect(notes).toMatch(/TRUNCATE TABLE `shop`\.`big2`/);
    expect(notes).not.toMatch(/TRUNCATE TABLE `shop`\.`big1`/);
    expect(notes).toMatch(/stream 1\/\d+ one after another: shop\.big2, .*GS is neither locked nor read: one stream at a time reads the frozen donor/);

    const res = await runCli(one(['--resume']), env);
    await onR.off();
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(/VERIFIED/);
    // r was read for the tables left only: big1 not again.
    const shop = record.parts.map((p) => p.label).filter((t) => t.startsWith('shop.'));
    expect(onR.read().filter((t) => shop.includes(t))).toEqual(left.filter((t) => t.startsWith('shop.')));
    // Step 4 ran exactly what its plan showed, the plan the dry run showed.
    const j = readJournal(env.XDG_STATE_HOME).data;
    const step4 = j.steps.find((x) => x.id === 4)!;
    expectRanAsShown(4, step4.plan, step4.executed);
    expect(step4.plan.map((l) => `${l.role}> ${normalize(l.text)}`)).toEqual(dryStep4.lines.map((l) => `${l.role}> ${normalize(l.text)}`));
    await expectPairHealthy(lab);
    // Every row once: the killed table and the one copied before the kill hold what a holds, no row twice.
    for (const t of ['shop.big1', 'shop.big2']) expect(Number(await withServer(lab, 'b', (s) => s.value(`SELECT COUNT(*) FROM ${t}`))), t).toBe(BIG_ROWS);
    await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).sqlRunning === 'Yes', 10_000, 'r to replicate again');
  });

  it('without --donor: --resume copies again from zero and says why (GS moved on)', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const gsArgs = (extra: string[] = []) => yesArgs(lab, ['--parallel', '5', ...extra]);
    const run = startCli(gsArgs(PACE_COPY), env);
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
  it('a key range copied part-way is cleared 10,000 rows a statement, again until none is left: no statement grows with the range', async () => {
    const lab = labs.get();
    const session = await lab.connect('b');
    try {
      await session.query('SET SESSION sql_log_bin = 0');
      await session.query('CREATE TABLE shop.ranged (id INT PRIMARY KEY, v CHAR(10) NOT NULL) ENGINE=InnoDB');
      await session.query("INSERT INTO shop.ranged SELECT seq, 'x' FROM shop.seq_1_to_25000");
      const [{ statement, repeat }] = clearStatements({
        label: 'shop.ranged [2/2]',
        schemas: ['shop'],
        tables: ['shop.ranged'],
        ignore: [],
        where: '`id` >= 5001',
        estimateBytes: 0,
        estimateRows: 0,
      });
      const records: Executed[] = [];
      const exec = new Executor({
        live: true,
        settings: offlineContext('10.11.0-MariaDB').settings,
        sessions: { BS: session },
        clients: () => Promise.reject(new Error('no client program in this test')),
        prompter: {
          interactive: false,
          confirm: () => Promise.reject(new Error('unexpected question')),
          secret: () => Promise.reject(new Error('unexpected')),
        },
        emit: () => undefined,
        signal: new AbortController().signal,
        record: (r) => records.push(r),
      });
      const before = Number((await session.query("SHOW SESSION STATUS LIKE 'Com_delete'"))[0].Value);
      await exec.runAll(4, [{ kind: 'sql', role: 'BS', statement, repeatWhileRows: repeat }], emptyState());
      const deletes = Number((await session.query("SHOW SESSION STATUS LIKE 'Com_delete'"))[0].Value) - before;
      // 20,000 rows in the range: two statements of 10,000, and a third that found none.
      expect(deletes).toBe(3);
      expect(Number(await session.value('SELECT COUNT(*) FROM shop.ranged'))).toBe(5000);
      expect(Number(await session.value('SELECT MAX(id) FROM shop.ranged'))).toBe(5000);
      // Recorded once, as the plan shows it.
      expect(records.map((r) => [r.mode, r.text])).toEqual([['run', 'DELETE FROM `shop`.`ranged` WHERE `id` >= 5001 LIMIT 10000']]);
    } finally {
      await session.query('DROP TABLE IF EXISTS shop.ranged').catch(() => undefined);
      await session.close();
    }
  });
});
