// Issue 24: what only BS held beyond table rows. An account created on BS alone, a procedure and a view created on BS
// alone (sql_log_bin=0), and a system-versioned table whose history GS has and BS lacks: named in the preflight and
// the plan, kept as replayable statements (0600), both servers left with the same objects and the same row versions,
// --keep-bs-accounts puts the account back on BS alone, and the proof's comparisons fail when they differ.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { breakLab } from '../../src/lab/break.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { compareDefinitions, compareHistory } from '../../src/recovery/bs-objects.js';
import { runCli } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { useLab } from '../helpers/lab.js';
import { applySql, eventually, expectPairHealthy, privateState, withSessions, yesArgs } from '../helpers/pair.js';

const MONITOR = "'monitor'@'localhost'";
const versions = (s: ServerSession) => s.value('SELECT COUNT(*) FROM shop.audit FOR SYSTEM_TIME ALL').then(Number);
const q = (s: ServerSession) => (st: Parameters<ServerSession['query']>[0]) => s.query(st);

/** Log in as monitor through the server's socket (the account is @localhost); the client's exit code and output. */
function loginAsMonitor(lab: Lab, which: Which): { status: number | null; out: string } {
  const r = spawnSync('mariadb', ['--no-defaults', `--socket=${lab.server(which).socket}`, '-umonitor', '-pmon-pw', '-N', '-e', 'SELECT CURRENT_USER()'], {
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('what only BS held beyond rows: accounts, objects, history', () => {
  const shared = useLab();

  it('classic: named in the preflight and plan, kept (0600), objects made the same, history copied, --keep-bs-accounts puts the account back on BS alone', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'stopped');
    const bsAccount = await withSessions(lab, async (a, b) => {
      // On BS alone, as host-local accounts and hand-made objects are.
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query(`CREATE USER ${MONITOR} IDENTIFIED BY 'mon-pw'`);
      await b.query(`GRANT PROCESS, REPLICATION CLIENT ON *.* TO ${MONITOR}`);
      await b.query('CREATE PROCEDURE shop.bs_proc() SELECT COUNT(*) FROM shop.orders');
      await b.query('CREATE VIEW shop.bs_view AS SELECT id, name FROM shop.customers');
      await b.query('SET SESSION sql_log_bin = 1');
      // On GS, while BS does not replicate: a versioned table with 3 versions of one row and 2 of another.
      await a.query('CREATE TABLE shop.audit (id INT PRIMARY KEY, v VARCHAR(20)) WITH SYSTEM VERSIONING');
      await a.query("INSERT INTO shop.audit VALUES (1, 'a'), (2, 'b')");
      await a.query("UPDATE shop.audit SET v = 'c' WHERE id = 1");
      await a.query("UPDATE shop.audit SET v = 'd' WHERE id = 1");
      await a.query("UPDATE shop.audit SET v = 'e' WHERE id = 2");
      expect(await versions(a)).toBe(5);
      return {
        create: String(await b.value(`SHOW CREATE USER ${MONITOR}`)),
        grants: (await b.query(`SHOW GRANTS FOR ${MONITOR}`)).map((r) => String(Object.values(r)[0])),
      };
    });
    expect(bsAccount.create).toMatch(/IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'/);

    const r = await runCli(yesArgs(lab, ['--keep-bs-accounts']), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    // The proof checked BS's accounts against GS's and says what became of BS's own.
    expect(r.stderr).toContain("account 'monitor'@'localhost': BS’s own, kept on BS alone (--keep-bs-accounts)");
    // The preflight names each of them (no longer "nothing only on BS").
    const preflight = r.stderr.slice(0, r.stderr.indexOf('Step 1/11'));
    expect(preflight).toMatch(/only on BS[^\n]*'monitor'@'localhost' \(only on BS\)/);
    expect(preflight).toMatch(/only on BS[^\n]*procedure shop\.bs_proc \(only on BS\)/);
    expect(preflight).toMatch(/only on BS[^\n]*view shop\.bs_view \(only on BS\)/);
    expect(preflight).not.toMatch(/nothing only on BS/);
    // The plan: the objects dropped on BS alone before the copy, the account replayed on BS alone (hash masked).
    expect(r.stderr).toMatch(/BS> SET SESSION sql_log_bin = 0/);
    expect(r.stderr).toMatch(/BS> \$ (stdbuf -o64K )?mariadb-dump [^\n]*-- replaces all data on BS[^\n]*'monitor'@'localhost' \(only on BS\)/);
    expect(r.stderr).toContain('BS> DROP PROCEDURE IF EXISTS `shop`.`bs_proc`');
    expect(r.stderr).toContain('BS> DROP VIEW IF EXISTS `shop`.`bs_view`');
    expect(r.stderr).toContain("BS> CREATE USER `monitor`@`localhost` IDENTIFIED BY PASSWORD '********'");
    expect(r.stderr).toMatch(/BS> GRANT PROCESS, (BINLOG MONITOR|REPLICATION CLIENT)[^\n]* ON \*\.\* TO `monitor`@`localhost`/);
    expect(r.stderr).toMatch(/mariadb-dump [^\n]*--dump-history/);
    expect(r.stderr).not.toContain(bsAccount.create.match(/'\*[0-9A-F]{40}'/)![0]);
    await expectPairHealthy(lab);

    // Kept beside the other files, 0600: the account with its hash and grants, the objects' DDL.
    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    expect(kept.accounts!.names).toEqual(['`monitor`@`localhost`']);
    expect(kept.objects!.names).toEqual(['procedure shop.bs_proc', 'view shop.bs_view']);
    for (const f of [kept.accounts!.file, kept.objects!.file]) expect(statSync(f).mode & 0o777).toBe(0o600);
    const accountsSql = readFileSync(kept.accounts!.file, 'utf8');
    expect(accountsSql).toContain(`${bsAccount.create};`);
    for (const g of bsAccount.grants) expect(accountsSql).toContain(`${g};`);
    const objectsSql = readFileSync(kept.objects!.file, 'utf8');
    expect(objectsSql).toMatch(/CREATE DEFINER=[^\n]*PROCEDURE `bs_proc`\(\)/);
    expect(objectsSql).toMatch(/CREATE ALGORITHM=[^\n]*VIEW `shop`\.`bs_view`/);

    await withSessions(lab, async (a, b) => {
      // --keep-bs-accounts: the account is on BS with the same hash and grants, and not on GS.
      expect(String(await b.value(`SHOW CREATE USER ${MONITOR}`))).toBe(bsAccount.create);
      expect((await b.query(`SHOW GRANTS FOR ${MONITOR}`)).map((x) => String(Object.values(x)[0]))).toEqual(bsAccount.grants);
      expect(Number(await a.value("SELECT COUNT(*) FROM mysql.user WHERE User = 'monitor'"))).toBe(0);
      // The same routines, views, triggers and events on both: BS's own were dropped (and kept).
      expect(await compareDefinitions(q(a), q(b))).toEqual([]);
      expect(Number(await b.value("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_NAME = 'bs_proc'"))).toBe(0);
      expect(Number(await b.value("SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_NAME = 'bs_view'"))).toBe(0);
      // The history came with the copy: the same row versions, FOR SYSTEM_TIME ALL.
      expect(await versions(b)).toBe(5);
      expect(await compareHistory(q(a), q(b))).toEqual([]);
    });
    expect(loginAsMonitor(lab, 'b').out).toContain('monitor@localhost');

    // The kept files replay: the account on a server that lacks it (GS, not binary-logged) logs in with its password;
    // the DDL, replayed on GS, recreates the procedure and the view on both servers.
    expect(loginAsMonitor(lab, 'a').status).not.toBe(0);
    await applySql(lab, 'a', `SET SESSION sql_log_bin = 0;\n${accountsSql}`);
    expect(loginAsMonitor(lab, 'a').out).toContain('monitor@localhost');
    await applySql(lab, 'a', objectsSql);
    await withSessions(lab, async (a, b) => {
      expect(Number(await a.value('SELECT COUNT(*) FROM shop.bs_view'))).toBeGreaterThan(0);
      await eventually(async () => Number(await b.value("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_NAME = 'bs_proc'")) === 1);
      await eventually(async () => (await compareDefinitions(q(a), q(b))).length === 0, 20_000, 'the replayed objects on both servers');
    });
  });

  it('the proof compares history and definitions: BS with less history or an object of its own does not pass', async () => {
    const lab = shared.get();
    await withSessions(lab, async (a, b) => {
      expect(await compareHistory(q(a), q(b))).toEqual([]);
      await b.query('SET SESSION sql_log_bin = 0');
      // BS loses the history (its current rows stay): CHECKSUM TABLE alone would still match.
      await b.query('DELETE HISTORY FROM shop.audit');
      await b.query('CREATE VIEW shop.only_bs AS SELECT 1 AS one');
      await b.query('SET SESSION sql_log_bin = 1');
      expect(await versions(b)).toBe(2);
      expect(await compareHistory(q(a), q(b))).toEqual([
        expect.stringMatching(/^shop\.audit FOR SYSTEM_TIME ALL: GS 5 row version\(s\), checksum \d+, BS 2 row version\(s\), checksum \d+$/),
      ]);
      expect(await compareDefinitions(q(a), q(b))).toEqual(['view shop.only_bs: only on BS']);
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('DROP VIEW shop.only_bs');
      await b.query('SET SESSION sql_log_bin = 1');
    });
  });

  it('online: objects only on BS named and dropped, the history BS lost copied back, VERIFIED', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'stopped');
    await withSessions(lab, async (a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('CREATE FUNCTION shop.bs_fn() RETURNS INT DETERMINISTIC RETURN 7');
      await b.query('CREATE OR REPLACE VIEW shop.bs_view AS SELECT id FROM shop.customers');
      await b.query('SET SESSION sql_log_bin = 1');
      await a.query("UPDATE shop.audit SET v = 'f' WHERE id = 2");
      // BS lost the history in the test above (DELETE HISTORY): 2 versions against GS's 6.
      expect([await versions(a), await versions(b)]).toEqual([6, 2]);
    });
    const r = await runCli(yesArgs(lab, ['--method', 'online']), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    const preflight = r.stderr.slice(0, r.stderr.indexOf('Step 1/11'));
    expect(preflight).toMatch(/only on BS[^\n]*function shop\.bs_fn \(only on BS\)[^\n]*view shop\.bs_view \(defined otherwise on BS\)/);
    expect(r.stderr).toContain('BS> DROP FUNCTION IF EXISTS `shop`.`bs_fn`');
    expect(r.stderr).toMatch(/mariadb-dump [^\n]*--single-transaction[^\n]*--dump-history/);
    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    expect(kept.objects!.names).toEqual(['function shop.bs_fn', 'view shop.bs_view']);
    expect(readFileSync(kept.objects!.file, 'utf8')).toMatch(/CREATE DEFINER=[^\n]*FUNCTION `bs_fn`\(\) RETURNS int/);
    await expectPairHealthy(lab);
    await withSessions(lab, async (a, b) => {
      expect(await compareDefinitions(q(a), q(b))).toEqual([]);
      expect(await versions(b)).toBe(6);
      expect(await compareHistory(q(a), q(b))).toEqual([]);
    });
  });

  it('parallel: a system-versioned table goes in one stream with its history', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'stopped');
    await withSessions(lab, async (a, b) => {
      await a.query("UPDATE shop.audit SET v = 'g' WHERE id = 1");
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query('DELETE HISTORY FROM shop.audit');
      await b.query('SET SESSION sql_log_bin = 1');
    });
    const r = await runCli(yesArgs(lab, ['--parallel', '2']), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    expect(r.stderr).toMatch(/stream 1\/\d side by side/);
    await expectPairHealthy(lab);
    await withSessions(lab, async (a, b) => {
      expect(await versions(a)).toBe(7);
      expect(await compareHistory(q(a), q(b))).toEqual([]);
    });
  });
});
