// Issue 24 on a MariaDB GTID pair (MASTER_USE_GTID=slave_pos), classic method: BS keeps its own mysql.gtid_slave_pos
// through the copy and step 6 sets its position explicitly. Before the break BS writes until GS's gtid_slave_pos
// sub_ids stand MARGIN above BS's (a copy of GS's rows under BS's lower counter would stop BS on "Duplicate entry
// '0-N'" within MARGIN + 200 of GS's transactions); after the recovery GS writes that many and BS applies them all,
// then again after BS restarts (when it reads its counter and position from the table).
import { describe, expect, it } from 'vitest';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { breakLab } from '../../src/lab/break.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, withSessions, yesArgs } from '../helpers/pair.js';
import { gtidSlavePosMismatches } from '../../src/recovery/server-state.js';
import { bsApplies, primeCollision, transactions } from '../helpers/gtid-state.js';

describe('gtid_slave_pos on a GTID pair (lab up --gtid)', () => {
  const lab = useLab({ gtid: true });

  it('classic: BS applies GS’s transactions past GS’s gtid_slave_pos sub_ids, before and after a restart, by GTID; the proof checks the table and names the account it dropped', async () => {
    const l = lab.get();
    const n = await withSessions(l, (a, b) => primeCollision(a, b, 'gtid from bs'));
    await breakLab(l, 'stopped');
    // An account only BS has (a monitoring agent's, host-local): the copy drops it, and the proof says so.
    await withSessions(l, async (_a, b) => {
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query("CREATE USER 'agent'@'localhost' IDENTIFIED BY 'agent-pw'");
      await b.query("GRANT PROCESS ON *.* TO 'agent'@'localhost'");
      await b.query('SET SESSION sql_log_bin = 1');
    });
    const r = await runCli(yesArgs(l, ['--method', 'classic']), { ...l.env(), ...privateState() });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    expect(r.stderr).toMatch(/--ignore-table=mysql\.gtid_slave_pos/);
    expect(r.stderr).toMatch(/BS keeps its own mysql\.gtid_slave_pos [^\n]*; step 6 sets gtid_slave_pos to GS’s position/);
    expect(r.stderr).toMatch(/BS> SET GLOBAL gtid_slave_pos = '\d+-\d+-\d+/);
    expect(r.stderr).toMatch(/BS stands at [^\n]*its mysql\.gtid_slave_pos holds no row past its position/);
    expect(r.stderr).toMatch(/account 'agent'@'localhost': BS’s own, dropped by the copy \(kept in [^)]*bs-accounts\.sql\)/);
    await expectPairHealthy(l);

    // The proof's gtid_slave_pos check on the recovered BS: nothing stray; a row of GS's injected under BS's counter
    // (what a copy of GS's table leaves, sql_log_bin=0) is named, with what to do.
    await withSessions(l, async (a, b) => {
      expect(Number(await b.value("SELECT COUNT(*) FROM mysql.user WHERE User = 'agent'"))).toBe(0);
      const read = async (_role: string, sql: string) => b.query(sql);
      await b.query('STOP SLAVE SQL_THREAD');
      expect(await gtidSlavePosMismatches(read)).toEqual([]);
      const gsId = Number(await a.value('SELECT @@server_id'));
      await b.query('SET SESSION sql_log_bin = 0');
      await b.query(`INSERT INTO mysql.gtid_slave_pos (domain_id, sub_id, server_id, seq_no) VALUES (0, 999999, ${gsId}, 3000)`);
      expect(await gtidSlavePosMismatches(read)).toEqual([
        expect.stringMatching(
          /^BS’s mysql\.gtid_slave_pos holds 1 row\(s\) its replica does not know \(sub_id up to 999999; its position is [^)]+\): BS would stop later on "Duplicate entry"/,
        ),
      ]);
      await b.query('DELETE FROM mysql.gtid_slave_pos WHERE sub_id = 999999');
      await b.query('SET SESSION sql_log_bin = 1');
      await b.query('START SLAVE SQL_THREAD');
    });

    await withSessions(l, async (a, b) => {
      await transactions(a, n, 'after gtid 1');
      await bsApplies(b, 'after gtid 1', n);
    });
    await l.restart('b');
    await withSessions(l, async (a, b) => {
      await b.query('START SLAVE').catch(() => undefined);
      await transactions(a, n, 'after gtid 2');
      await bsApplies(b, 'after gtid 2', n);
      await eventually(async () => String((await readReplicaStatus(b)).raw.Using_Gtid) === 'Slave_Pos');
    });
  });
});
