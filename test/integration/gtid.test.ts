// Issue 8: a MariaDB pair replicating with MASTER_USE_GTID=slave_pos recovers by GTID, every break mode, both methods.
import { describe, expect, it } from 'vitest';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { BREAK_MODES, breakLab } from '../../src/lab/break.js';
import { runCli } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';
import { expectPairHealthy, recoverArgs, withSessions, yesArgs, privateState } from '../helpers/pair.js';

describe('GTID pair (lab up --gtid)', () => {
  const lab = useLab({ gtid: true });

  it('the lab replicates by GTID both ways', async () => {
    const st = await withSessions(lab.get(), async (a, b) => [await readReplicaStatus(a), await readReplicaStatus(b)]);
    for (const s of st) expect(String(s.raw.Using_Gtid)).toBe('Slave_Pos');
  });

  for (const method of ['classic', 'online'] as const) {
    for (const mode of Object.keys(BREAK_MODES)) {
      it(`${mode}, ${method}: recovered by GTID, identical data, both directions Using_Gtid=Slave_Pos`, async () => {
        await breakLab(lab.get(), mode);
        const r = await runCli(yesArgs(lab.get(), ['--method', method]), { ...lab.get().env(), ...privateState() });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/VERIFIED/);
        expect(r.stderr).toMatch(/GS coordinates [^\n]*\(GTID \d+-\d+-\d+/);
        const st = await expectPairHealthy(lab.get());
        for (const s of [st.a, st.b]) expect(String(s.raw.Using_Gtid)).toBe('Slave_Pos');
      });
    }
  }

  it('--dry-run shows the GTID statements; --positioning file then recovers by file/position, with a warning', async () => {
    await breakLab(lab.get(), 'stopped');
    const dry = await runCli(recoverArgs(lab.get(), ['--dry-run']), { ...lab.get().env(), ...privateState() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/positioning\s+GTID/);
    expect(dry.stderr).toMatch(/GS> SELECT @@GLOBAL\.gtid_binlog_pos/);
    expect(dry.stderr).toMatch(/mariadb-dump [^\n]*--gtid/);
    expect(dry.stderr).toMatch(/BS> SET GLOBAL gtid_slave_pos = '(\d+-\d+-\d+|<GS gtid_binlog_pos>)/);
    expect(dry.stderr).toMatch(/BS> CHANGE MASTER TO [^\n]*MASTER_USE_GTID=slave_pos/);
    expect(dry.stderr).toMatch(/GS> SET GLOBAL gtid_slave_pos = '(\d+-\d+-\d+|<BS gtid_binlog_pos>)/);
    // Replication resumes by GTID: no CHANGE MASTER names a file/position (the proof's START … UNTIL does, by design).
    expect(dry.stderr).not.toMatch(/CHANGE MASTER TO [^\n]*MASTER_LOG_FILE/);

    const r = await runCli(yesArgs(lab.get(), ['--positioning', 'file']), { ...lab.get().env(), ...privateState() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warn\s+positioning\s+file\/position as asked/);
    expect(r.stderr).toMatch(/MASTER_USE_GTID=no/);
    const st = await expectPairHealthy(lab.get());
    for (const s of [st.a, st.b]) expect(String(s.raw.Using_Gtid)).toBe('No');
  });
});
