// Issue 28, "no metadata-lock pile-up on GS": while an online copy reads GS, an ALTER TABLE on the table the dump is
// reading waits for the dump's metadata lock, and an application INSERT queues behind the ALTER. The watch stops the
// copy after --max-mdl-wait (GS released at once: the INSERT goes through within seconds), the run stops naming the
// lock and the table, and --resume completes. With --donor the ALTER does not wait at all. Bad values: one line,
// exit 2. The dry run's plan shows the watch.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { loadOrders } from '../../src/lab/load.js';
import type { Lab } from '../../src/lab/lab.js';
import { jsonEvents, runCli, startCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, recoverArgs, snapshot, withServer, withSessions, yesArgs } from '../helpers/pair.js';

/**
 * Wait until the copy's dump (on `which`) is on shop.orders: its SELECT in the processlist, or BS's shop.orders made
 * anew by this copy (created at or after `since`) already holding rows. The SELECT alone is not enough: a paced copy's
 * range of a few MB fits in the sockets' buffers, so the server may be done with it while the dump still writes it
 * out (and holds the table's metadata lock until then). A run that ended first fails here with its own words.
 */
async function dumpReadsOrders(lab: Lab, which: 'a' | 'r', run: ReturnType<typeof startCli>, since: number): Promise<void> {
  const ended = () => run.child.exitCode !== null || run.child.signalCode !== null;
  const reading = () =>
    withServer(
      lab,
      which,
      async (s) =>
        (await s.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%/*!40001 SQL_NO_CACHE */%FROM `orders`%' AND ID <> CONNECTION_ID()"))
          .length > 0,
    );
  const loading = () =>
    withServer(lab, 'b', async (s) => {
      const made = Number(
        await s.value("SELECT UNIX_TIMESTAMP(CREATE_TIME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'"),
      );
      return made >= Math.floor(since / 1000) && (await s.query('SELECT 1 FROM shop.orders LIMIT 1')).length > 0;
    });
  await eventually(async () => ended() || (await reading()) || (await loading()), 60_000, `a dump on ${which} reading shop.orders`);
  if (ended()) throw new Error(`the run ended (exit ${run.child.exitCode}) before a dump on ${which} read shop.orders:\n${run.output().slice(-3000)}`);
}

/** A statement on its own session, timed from the moment it is sent; never rejects (the error is the result). */
function timed(lab: Lab, sql: string) {
  const sent = Date.now();
  const done = withServer(lab, 'a', (s) => s.query(sql, { timeoutMs: 120_000 })).then(
    () => ({ ms: Date.now() - sent, error: undefined as string | undefined }),
    (err: Error) => ({ ms: Date.now() - sent, error: err.message }),
  );
  return done;
}

describe('metadata-lock watch (--max-mdl-wait)', () => {
  const labs = useLab({ replica: true });

  it('bad --max-mdl-wait values: one line naming the option, exit 2, nothing changed', async () => {
    const lab = labs.get();
    const before = await snapshot(lab);
    for (const extra of [['--max-mdl-wait', 'abc'], ['--max-mdl-wait=-1'], ['--max-mdl-wait', '-1'], ['--max-mdl-wait', '1.5']]) {
      const r = await runCli(yesArgs(lab, ['--method', 'online', ...extra]), { ...lab.env(), ...privateState() });
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), extra.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/--max-mdl-wait/);
    }
    expect(await snapshot(lab)).toEqual(before);
  });

  it('the dry run’s plan shows the watch; not with --max-mdl-wait 0, the classic method or --donor', async () => {
    const lab = labs.get();
    const header = async (extra: string[]) => {
      const r = await runCli(recoverArgs(lab, ['--dry-run', '--json', ...extra]), { ...lab.env(), ...privateState() });
      expect(r.code, r.stderr).toBe(0);
      return ((jsonEvents(r.stdout).find((e) => e.event === 'plan')?.header as string[] | undefined) ?? []).join('\n');
    };
    const online = await header(['--method', 'online']);
    expect(online).toMatch(/Metadata-lock watch: every 0\.5 s, on a session of its own, .* one waiting 3 s \(--max-mdl-wait\) stops the copy at once/);
    expect(online).toMatch(/Metadata locks: .* The copy stops after --max-mdl-wait 3 s of such a wait \(GS released; --resume copies again\)/);
    expect(await header(['--method', 'online', '--max-mdl-wait', '7'])).toMatch(/one waiting 7 s \(--max-mdl-wait\)/);
    const off = await header(['--method', 'online', '--max-mdl-wait', '0']);
    expect(off).not.toMatch(/Metadata-lock watch/);
    expect(off).toMatch(/Not watched \(--max-mdl-wait 0\)/);
    expect(await header(['--method', 'classic'])).not.toMatch(/Metadata-lock watch|Metadata locks/);
    expect(await header(['--method', 'online', '--donor', `127.0.0.1:${lab.server('r').port}`])).not.toMatch(/Metadata-lock watch|Metadata locks/);
  });

  it('50k orders on GS', async () => {
    await withSessions(labs.get(), async (a) => {
      await loadOrders(a, 50_000);
      await a.query('ANALYZE TABLE shop.orders, shop.customers');
    });
  });

  // One stream, GS showing no lock holders: the wait is "probably" the copy's (what the operator reads). Two streams
  // with MariaDB's METADATA_LOCK_INFO plugin on GS: the holder is measured to be the copy's dumps (the JSON events).
  for (const v of [
    { name: 'one stream, holders not shown', extra: [], plugin: false, json: false, says: /probably held by the copy’s snapshot/ },
    {
      name: '--parallel 2, holders shown, JSON',
      extra: ['--parallel', '2'],
      plugin: true,
      json: true,
      says: /held by the copy’s dumps? \(sessions? #\d+(, #\d+)* on GS\)/,
    },
  ])
    it(`${v.name}: an ALTER on the table the copy reads stops the copy after 3 s, the INSERT behind it goes through, --resume completes`, async () => {
      const lab = labs.get();
      const column = `mdl_probe_${v.plugin ? 'measured' : 'probably'}`;
      const note = `mdl watch: the application write (${v.name})`;
      await breakLab(lab, 'stopped');
      // Not binary-logged: the plugin is GS's alone.
      if (v.plugin)
        await withServer(lab, 'a', async (s) => {
          await s.query('SET SESSION sql_log_bin = 0');
          await s.query("INSTALL SONAME 'metadata_lock_info'");
        });
      try {
        const env = { ...lab.env(), ...privateState() };
        // 50k rows of ~170 bytes at 1 MB/s: about 8 s on shop.orders, paced rather than big (the --resume is not).
        const args = ['--method', 'online', '--max-rate', '1M', ...v.extra];
        const since = Date.now();
        const run = startCli(yesArgs(lab, [...args, ...(v.json ? ['--json'] : [])]), env);
        await eventually(async () => /Copying GS → BS/.test(run.output()), 120_000, 'the copy to start');
        const copyStarted = Date.now();
        await dumpReadsOrders(lab, 'a', run, since);
        await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - copyStarted))));
        const alterSent = Date.now();
        const alter = timed(lab, `ALTER TABLE shop.orders ADD COLUMN ${column} INT NULL`);
        await new Promise((r) => setTimeout(r, 200));
        const insert = timed(lab, `INSERT INTO shop.orders (customer_id, amount, note) VALUES (1, 1.00, '${note}')`);
        const [ins, alt] = await Promise.all([insert, alter]);
        const r = await run.result;
        console.log(
          `${v.name}: INSERT waited ${ins.ms} ms, ALTER ${alt.ms} ms; ALTER sent ${((alterSent - copyStarted) / 1000).toFixed(1)} s into the copy; the run ended ${((Date.now() - copyStarted) / 1000).toFixed(1)} s after the copy started\n${v.json ? '' : r.stderr.slice(r.stderr.indexOf('Metadata-lock watch on GS'))}`,
        );
        expect(ins.error).toBeUndefined();
        expect(alt.error).toBeUndefined();
        expect(ins.ms, 'the INSERT completes within 5 s of being sent').toBeLessThan(5000);
        expect(r.code, r.stderr.slice(-3000)).toBe(1);
        // What the operator reads, or the same words from the JSON events.
        const events = v.json ? jsonEvents(r.stdout) : [];
        const stop = events.find((e) => e.event === 'stop');
        const said = v.json
          ? [
              ...events.filter((e) => e.event === 'mdl_wait' && e.table).map((e) => `! ${String(e.text)}`),
              `Stopped at step ${String(stop?.step)}: ${String(stop?.reason)}`,
              `Next: ${String(stop?.next)}`,
              `To continue: ${String(stop?.resume)}`,
            ].join('\n')
          : r.stderr;
        if (v.json) {
          const waits = events.filter((e) => e.event === 'mdl_wait' && e.table === 'shop.orders');
          expect(waits.length).toBeGreaterThan(1);
          expect(waits.at(-1)).toMatchObject({
            attribution: 'measured',
            maxWaitSeconds: 3,
            session: { statement: `ALTER TABLE shop.orders ADD COLUMN ${column} INT NULL` },
          });
          expect(Number(waits.at(-1)!.waiting)).toBeGreaterThanOrEqual(2);
          expect(Number(waits.at(-1)!.longestSeconds)).toBeGreaterThanOrEqual(3);
          expect(
            events.some(
              (e) => e.event === 'progress' && /^metadata lock: \d waiting on shop\.orders, longest \d+\.\d s; the copy stops at 3 s$/.test(String(e.mdlWait)),
            ),
          ).toBe(true);
        }
        expect(said).toMatch(/! metadata lock on GS: \d session\(s\) waiting on shop\.orders/);
        expect(said).toMatch(
          new RegExp(
            `Stopped at step 4: metadata lock pile-up on GS: "ALTER TABLE shop\\.orders ADD COLUMN ${column} INT NULL" \\(session #\\d+ \\S+@\\S+\\) waited \\d+\\.\\d s for the metadata lock on shop\\.orders`,
          ),
        );
        expect(said).toMatch(v.says);
        expect(said).toMatch(/GS was released \(session #\d+ no longer waits for the lock\) and nothing on GS was changed by the tool/);
        expect(said).toMatch(/Next: .*--resume.*--donor/);
        expect(said).toMatch(new RegExp(`To continue: mmrecover recover .*${v.extra.join(' ')}.* --resume`));
        // Nothing of the copy is left on GS.
        expect(
          await withServer(lab, 'a', (s) =>
            s.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SQL_NO_CACHE%' AND ID <> CONNECTION_ID()"),
          ),
        ).toEqual([]);

        const resumed = await runCli(yesArgs(lab, [...args, '--resume']), env);
        expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
        expect(resumed.stderr).toMatch(/Resuming from step 3/);
        expect(resumed.stderr).toMatch(/VERIFIED/);
        await expectPairHealthy(lab);
        expect(Number(await withServer(lab, 'b', (s) => s.value(`SELECT COUNT(*) FROM shop.orders WHERE note = '${note}'`)))).toBe(1);
      } finally {
        if (v.plugin)
          await withServer(lab, 'a', async (s) => {
            await s.query('SET SESSION sql_log_bin = 0');
            await s.query("UNINSTALL SONAME 'metadata_lock_info'");
          });
      }
    });

  it('a wait shorter than --max-mdl-wait (the ALTER killed after 1 s) is said, then said to be over, and the copy completes', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const since = Date.now();
    const run = startCli(yesArgs(lab, ['--method', 'online', '--max-rate', '1M', '--max-mdl-wait', '30', '--json']), { ...lab.env(), ...privateState() });
    await eventually(async () => /Copying GS → BS/.test(run.output()), 120_000, 'the copy to start');
    await dumpReadsOrders(lab, 'a', run, since);
    const alterSession = await lab.connect('a');
    try {
      const alter = alterSession.query('ALTER TABLE shop.orders ADD COLUMN mdl_probe_killed INT NULL', { timeoutMs: 60_000 }).then(
        () => 'done',
        (err: Error) => err.message,
      );
      await new Promise((r) => setTimeout(r, 1000));
      await withServer(lab, 'a', (s) => s.query(`KILL QUERY ${alterSession.threadId}`));
      expect(await alter).toMatch(/interrupted/i);
    } finally {
      await alterSession.close();
    }
    const r = await run.result;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const events = jsonEvents(r.stdout);
    const waits = events.filter((e) => e.event === 'mdl_wait');
    expect(waits.some((e) => e.table === 'shop.orders' && e.maxWaitSeconds === 30)).toBe(true);
    expect(waits.at(-1)).toMatchObject({ table: null, text: 'no session on GS waits on shop.orders any more' });
    expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered' });
    await expectPairHealthy(lab);
  });

  it('--donor: the ALTER on GS does not wait for the copy, and the run completes', async () => {
    const lab = labs.get();
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), ...privateState() };
    const since = Date.now();
    const run = startCli(yesArgs(lab, ['--method', 'online', '--max-rate', '1M', '--donor', `127.0.0.1:${lab.server('r').port}`, '--json']), env);
    await eventually(async () => /Copying the donor R → BS/.test(run.output()), 120_000, 'the copy to start');
    await dumpReadsOrders(lab, 'r', run, since);
    const alter = await timed(lab, 'ALTER TABLE shop.orders ADD COLUMN mdl_probe_donor INT NULL');
    const insert = await timed(lab, "INSERT INTO shop.orders (customer_id, amount, note) VALUES (1, 1.00, 'mdl watch: donor write')");
    console.log(`--donor: ALTER ${alter.ms} ms, INSERT ${insert.ms} ms`);
    expect(alter.error).toBeUndefined();
    expect(alter.ms, 'the ALTER does not wait').toBeLessThan(1000);
    expect(insert.ms).toBeLessThan(1000);
    const r = await run.result;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(events.some((e) => e.event === 'mdl_wait')).toBe(false);
    expect(events.at(-1)).toMatchObject({ event: 'result', status: 'recovered' });
    await expectPairHealthy(lab);
  });
});
