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
import { bsApplies, primeCollision, transactions } from '../helpers/gtid-state.js';

describe('gtid_slave_pos on a GTID pair (lab up --gtid)', () => {
  const lab = useLab({ gtid: true });

  it('classic: BS applies GS’s transactions past GS’s gtid_slave_pos sub_ids, before and after a restart, by GTID', async () => {
    const l = lab.get();
    const n = await withSessions(l, (a, b) => primeCollision(a, b, 'gtid from bs'));
    await breakLab(l, 'stopped');
    const r = await runCli(yesArgs(l, ['--method', 'classic']), { ...l.env(), ...privateState() });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    expect(r.stderr).toMatch(/--ignore-table=mysql\.gtid_slave_pos/);
    expect(r.stderr).toMatch(/BS keeps its own mysql\.gtid_slave_pos [^\n]*; step 6 sets gtid_slave_pos to GS’s position/);
    expect(r.stderr).toMatch(/BS> SET GLOBAL gtid_slave_pos = '\d+-\d+-\d+/);
    await expectPairHealthy(l);

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
