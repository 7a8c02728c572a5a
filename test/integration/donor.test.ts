// Issue 28 (donor parts): the lab's replica r as --donor. Refusals stop in the preflight with one line and exit 2,
// servers unchanged; an online copy in 2 streams from r under a writer on GS: the pair and r match, r replicates again
// with no error and holds every writer row, and GS's general log shows no read lock and no dump read; a donor that
// cannot catch up. Every break mode × positioning × classic, online and physical from the donor: donor-matrix.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { compareTables } from '../../src/recovery/compare.js';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectSameData, privateState, snapshot, withServer, yesArgs } from '../helpers/pair.js';

function startWriter(lab: Lab) {
  let stop = false;
  const acknowledged: string[] = [];
  const done = (async () => {
    const s = await lab.connect('a');
    try {
      for (let i = 0; !stop; i++) {
        const note = `donor writer ${Date.now()}-${i}`;
        await s.query(`INSERT INTO shop.orders (customer_id, amount, note) VALUES (${1 + (i % 40)}, 1.00, '${note}')`);
        acknowledged.push(note);
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      await s.close();
    }
  })();
  return {
    acknowledged,
    async stop() {
      stop = true;
      await done;
    },
  };
}

const donorArg = (lab: Lab, which: 'a' | 'b' | 'r' = 'r') => ['--donor', `127.0.0.1:${lab.server(which).port}`];

describe('--donor', () => {
  const labs = useLab({ replica: true });

  it('lab up --replica: r replicates from a', async () => {
    const lab = labs.get();
    const r = await withServer(lab, 'r', (s) => readReplicaStatus(s));
    expect(r.sqlRunning).toBe('Yes');
    expect(r.sourcePort).toBe(lab.server('a').port);
  });

  it('--max-load with --donor watches the donor, the server the copy reads (GS is not read): the plan says so', async () => {
    const lab = labs.get();
    const r = await runCli(
      yesArgs(lab, ['--dry-run', '--method', 'online', '--donor', `127.0.0.1:${lab.server('r').port}`, '--max-load', 'Threads_running=50']),
      { ...lab.env(), ...privateState() },
    );
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/--max-load Threads_running=50: the copy pauses while the donor R \(the server it reads; GS is not read\) exceeds it/);
    // The steps' headers name the donor where it is acted on: frozen in step 3, read in step 4, started in step 5.
    expect(r.stderr).toMatch(/Step 3\/11 [^\n]*\(GS, R\)/);
    expect(r.stderr).toMatch(/Step 4\/11 [^\n]*\(R → BS\)/);
    expect(r.stderr).toMatch(/Step 5\/11 [^\n]*\(R\)/);
  });

  it('refuses in the preflight, one line, exit 2, nothing changed', async () => {
    const lab = labs.get();
    await breakLab(lab, 'conflict');
    const refused = async (args: string[], pattern: RegExp) => {
      const before = await snapshot(lab);
      const res = await runCli(yesArgs(lab, args), { ...lab.env(), ...privateState() });
      expect(res.code, res.stderr + res.stdout).toBe(2);
      expect(res.stderr).toMatch(pattern);
      expect(await snapshot(lab)).toEqual(before);
    };
    await refused(donorArg(lab, 'a'), /donor: R .* is GS itself/);
    await refused(donorArg(lab, 'b'), /donor: R .* is BS itself/);
    await refused([...donorArg(lab), '--method', 'clone'], /--donor does not work with --method clone/);
    // Not replicating, then replicating with a filter.
    await withServer(lab, 'r', (s) => s.query('STOP SLAVE'));
    await refused(donorArg(lab), /is not replicating/);
    await withServer(lab, 'r', (s) => s.query("SET GLOBAL replicate_do_db = 'shop'"));
    await withServer(lab, 'r', (s) => s.query('START SLAVE'));
    await refused(donorArg(lab), /replicates with filters \(Replicate_Do_DB=shop\)/);
    await withServer(lab, 'r', (s) => s.query('STOP SLAVE'));
    await withServer(lab, 'r', (s) => s.query("SET GLOBAL replicate_do_db = ''"));
    // An SQL error on the donor: a row r holds that GS then writes.
    await withServer(lab, 'r', (s) => s.query("INSERT INTO shop.customers (id, name) VALUES (7001, 'only on r')"));
    await withServer(lab, 'r', (s) => s.query('START SLAVE'));
    await withServer(lab, 'a', (s) => s.query("INSERT INTO shop.customers (id, name) VALUES (7001, 'on GS')"));
    await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).lastSqlErrno !== 0, 10_000, 'r to stop on the duplicate');
    await refused(donorArg(lab), /SQL thread stopped with error 1062/);
    await withServer(lab, 'r', async (s) => {
      await s.query('SET SESSION sql_log_bin = 0');
      await s.query('DELETE FROM shop.customers WHERE id = 7001');
      await s.query('START SLAVE');
    });
    await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).sqlRunning === 'Yes', 10_000, 'r to replicate again');
    // GS does not log what it applies from BS: the donor lacks BS's writes.
    const rReplicates = () =>
      eventually(
        async () => {
          const st = await withServer(lab, 'r', (s) => readReplicaStatus(s));
          return st.ioRunning === 'Yes' && st.sqlRunning === 'Yes';
        },
        20_000,
        'r to reconnect to a',
      );
    await lab.restart('a', ['--skip-log-slave-updates']);
    try {
      await rReplicates();
      await refused(donorArg(lab), /GS has log_slave_updates off/);
    } finally {
      await lab.restart('a');
      await rReplicates();
    }
    // A replica of another server (here BS), not of GS: r pointed at b, then back at a where it stood.
    const was = await withServer(lab, 'r', (s) => readReplicaStatus(s));
    const [bLog] = await withServer(lab, 'b', (s) => s.query('SHOW MASTER STATUS'));
    const bId = Number(await withServer(lab, 'b', (s) => s.value('SELECT @@server_id')));
    const pointR = (port: number, file: string, pos: number) =>
      withServer(lab, 'r', async (s) => {
        await s.query('STOP SLAVE');
        await s.query(`CHANGE MASTER TO MASTER_PORT = ${port}, MASTER_LOG_FILE = '${file}', MASTER_LOG_POS = ${pos}`);
        await s.query('START SLAVE');
      });
    await pointR(lab.server('b').port, String(bLog!.File), Number(bLog!.Position));
    try {
      await eventually(async () => (await withServer(lab, 'r', (s) => readReplicaStatus(s))).sourceServerId === bId, 20_000, 'r to connect to b');
      await refused(donorArg(lab), new RegExp(`does not replicate from GS \\(its source is [^,]+:${lab.server('b').port}, server_id ${bId}\\)`));
    } finally {
      await pointR(lab.server('a').port, was.execFile, was.execPos);
      await rReplicates();
    }
  });

  it('online, 2 streams from the donor under a writer on GS: a, b and r match, r replicates, GS neither locked nor read', async () => {
    const lab = labs.get();
    await breakLab(lab, 'conflict');
    for (const w of ['a', 'r'] as const)
      await withServer(lab, w, async (s) => {
        await s.query("SET GLOBAL log_output = 'TABLE'");
        await s.query('SET GLOBAL general_log = 1');
      });
    const since = await withServer(lab, 'a', (s) => s.value('SELECT NOW(6)'));
    const writer = startWriter(lab);
    const state = privateState();
    let res;
    try {
      await eventually(async () => writer.acknowledged.length > 10, 10_000, 'the writer to start');
      res = await runCli(yesArgs(lab, [...donorArg(lab), '--method', 'online', '--parallel', '2', '--no-verify']), { ...lab.env(), ...state });
    } finally {
      await writer.stop();
    }
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const said = res.stdout + res.stderr;
    expect(said).toMatch(/GS is neither locked nor read/);
    // Issue 28: the overview before step 1, the summary at the end and the report name the donor and say GS is not read.
    const donorR = `R 127.0.0.1:${lab.server('r').port}`;
    const overview = said.indexOf(`Donor: the copy reads the donor ${donorR}, a replica of GS, not GS: GS is not read by the copy`);
    expect(overview, said).toBeGreaterThanOrEqual(0);
    expect(overview).toBeLessThan(said.indexOf('Step 1/'));
    expect(said).toContain(`The copy read the donor ${donorR}, a replica of GS, not GS: GS was not read by the copy`);
    expect(said).toMatch(/BS replicates from GS starting at \S+ \/ \d+.* \(the donor’s recorded point: where step 3 stopped its SQL thread/);
    expect(said).toContain('GS was never locked by this run.');
    const report = await runCli(['report', '--format', 'json'], { ...state, MMRECOVER_PASSWORD: undefined });
    expect(report.code, report.stderr).toBe(0);
    const rep = JSON.parse(report.stdout) as Report;
    expect(rep.donor).toMatchObject({
      address: `127.0.0.1:${lab.server('r').port}`,
      serverId: Number(await withServer(lab, 'r', (s) => s.value('SELECT @@server_id'))),
    });
    // GS's coordinates for BS are where the donor stopped: the same point, recorded once.
    expect(rep.donor?.at).toEqual(rep.coordinates.gs);
    expect(rep.gsLockedSeconds).toBe(0);
    // Each step as its header said who it acted on: the donor frozen, read, started again.
    expect(rep.steps.filter((x) => [3, 4, 5].includes(x.id)).map((x) => x.on)).toEqual(['GS, R', 'R → BS', 'R']);
    const md = await runCli(['report', '--format', 'md', '--output', join(state.XDG_STATE_HOME, 'report.md')], { ...state, MMRECOVER_PASSWORD: undefined });
    expect(md.code, md.stderr).toBe(0);
    const text = readFileSync(join(state.XDG_STATE_HOME, 'report.md'), 'utf8');
    expect(text).toContain(`- **Copy read from:** the donor ${donorR}, a replica of GS; GS was not read by the copy`);
    expect(text).toContain(`GS was not read by the copy`);
    expect(text).toMatch(/Copy R → BS: complete/);
    expect(text).toMatch(/BS replicates from GS at: \S+ \/ \d+.* \(the donor’s recorded point/);
    await withServer(lab, 'a', (s) => s.query('SET GLOBAL general_log = 0'));
    const log = await withServer(lab, 'a', (s) =>
      s.query(
        `SELECT argument FROM mysql.general_log WHERE event_time >= '${String(since)}' AND (argument LIKE '%FLUSH TABLES WITH READ LOCK%' OR argument LIKE '%SQL_NO_CACHE%')`,
      ),
    );
    expect(log.map((r) => String(r.argument))).toEqual([]);
    // The same query on r's general log finds the dump's reads: the check above is not vacuous.
    await withServer(lab, 'r', (s) => s.query('SET GLOBAL general_log = 0'));
    const onR = await withServer(lab, 'r', (s) =>
      s.query(`SELECT argument FROM mysql.general_log WHERE event_time >= '${String(since)}' AND argument LIKE '%SQL_NO_CACHE%'`),
    );
    expect(onR.length).toBeGreaterThan(0);
    await expectSameData(lab);
    // r: replicating with no error, every writer row, and the same data as a.
    await eventually(
      async () => {
        const st = await withServer(lab, 'r', (s) => readReplicaStatus(s));
        expect(st.lastSqlErrno).toBe(0);
        const n = Number(await withServer(lab, 'r', (s) => s.value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'donor writer %'")));
        const onA = Number(await withServer(lab, 'a', (s) => s.value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'donor writer %'")));
        return st.sqlRunning === 'Yes' && n === onA && n >= writer.acknowledged.length;
      },
      20_000,
      'r to catch up with every writer row',
    );
    const a = await lab.connect('a');
    const r = await lab.connect('r');
    try {
      const cmp = await compareTables(
        (s) => a.query(s),
        (s) => r.query(s),
      );
      expect(cmp.mismatched).toEqual([]);
    } finally {
      await Promise.all([a.close(), r.close()]);
    }
  });
});

describe('--donor that cannot catch up', () => {
  const labs = useLab({ replica: true });

  it('a donor whose SQL thread is blocked: step 3 gives up after --donor-max-lag, GS never locked, nothing copied; once it lags, the preflight refuses', async () => {
    const lab = labs.get();
    await breakLab(lab, 'conflict');
    // A row lock on r holds its SQL thread on GS's next update of that row. r's lag (Seconds_Behind_Master) is the time
    // since the event it applies was written on GS: an update stamped an hour ahead keeps it at 0 while r stays blocked,
    // so the preflight passes however long it takes, and only step 3's wait for GS's position meets the bound.
    const holder = await lab.connect('r');
    const blockR = async (name: string, stampAhead: number) => {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM shop.customers WHERE id = 1 FOR UPDATE');
      await withServer(lab, 'a', async (s) => {
        if (stampAhead) await s.query(`SET SESSION timestamp = UNIX_TIMESTAMP() + ${stampAhead}`);
        await s.query(`UPDATE shop.customers SET name = '${name}' WHERE id = 1`);
      });
    };
    const rApplied = (name: string) =>
      eventually(
        async () => String(await withServer(lab, 'r', (s) => s.value('SELECT name FROM shop.customers WHERE id = 1'))) === name,
        20_000,
        `r to apply "${name}" once the lock is gone`,
      );
    try {
      await blockR('blocked on r', 3600);
      const res = await runCli(yesArgs(lab, [...donorArg(lab), '--donor-max-lag', '4']), { ...lab.env(), ...privateState() });
      expect(res.code, res.stderr + res.stdout).toBe(1);
      expect(res.stdout + res.stderr).toMatch(/ok +donor +R \S+ replicates from GS, no filter, no error, \d+ s behind/);
      expect(res.stdout + res.stderr).toMatch(/the donor did not reach GS’s position .* within --donor-max-lag 4 s/);
      expect(res.stdout + res.stderr).not.toMatch(/FLUSH TABLES WITH READ LOCK/);
      await holder.query('ROLLBACK');
      await rApplied('blocked on r');
      // Blocked again on an update stamped now: r's lag grows from here; once it is 2 s, a run that allows 1 s is
      // refused in the preflight, nothing changed.
      await blockR('blocked on r again', 0);
      await eventually(async () => ((await withServer(lab, 'r', (s) => readReplicaStatus(s))).lagSeconds ?? 0) >= 2, 20_000, 'r to lag 2 s');
      const before = await snapshot(lab);
      const late = await runCli(yesArgs(lab, [...donorArg(lab), '--donor-max-lag', '1']), { ...lab.env(), ...privateState() });
      expect(late.code, late.stderr + late.stdout).toBe(2);
      expect(late.stderr).toMatch(/s behind GS, more than --donor-max-lag 1 s: it may not catch up in time/);
      expect(await snapshot(lab)).toEqual(before);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.close();
    }
    await rApplied('blocked on r again');
  });
});
