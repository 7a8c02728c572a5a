// Issue 28 (physical part): --method physical --donor r, the lab's replica of a, interrupted while it streams: r is
// left stopped at the point, and --resume copies again from that same point without starting r (a physical copy cannot
// resume part-way). The physical copy from r on every break mode × file/position and GTID, under a writer on GS, is in
// donor-matrix.test.ts.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { readReplicaStatus } from '../../src/adapters/mysql/replication.js';
import { runCli, startCli } from '../helpers/cli.js';
import { readJournal, waitForText } from '../helpers/faults.js';
import { expectRanAsShown } from '../helpers/plan-check.js';
import { useLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, privateState, withServer, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';

describe('--method physical --donor, file/position', () => {
  const labs = useLab({ replica: true });

  it('interrupted while it streams: r stays stopped at the point; --resume copies again from it without starting r', async () => {
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
