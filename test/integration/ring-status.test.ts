// Issue 20: status --ring and check --ring name every link's verdict, the broken link and the member that broke,
// with Nagios perfdata per link; a ring given out of order is said to be. Issue 27: the same on a ring of 4.
import { describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import { useLab } from '../helpers/lab.js';
import { runCli } from '../helpers/cli.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import { expectRingHealthy, ringYesArgs } from '../helpers/ring.js';
import { privateState } from '../helpers/pair.js';

const ring = (lab: Lab, order: Which[] = lab.members) => order.map((w) => `127.0.0.1:${lab.server(w).port}`).join(',');

describe('status and check --ring', () => {
  const shared = useLab({ masters: 3 });

  it('a healthy ring: every link healthy, check OK with perfdata per link', async () => {
    const lab = shared.get();
    const st = await runCli(['status', '--ring', ring(lab)], lab.env());
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/A→B\s+HEALTHY/);
    expect(st.stdout).toMatch(/B→C\s+HEALTHY/);
    expect(st.stdout).toMatch(/C→A\s+HEALTHY/);
    expect(st.stdout).toMatch(/Every link of the ring is healthy/);
    const ck = await runCli(['check', '--ring', ring(lab)], lab.env());
    expect(ck.code, ck.stdout).toBe(0);
    expect(ck.stdout).toMatch(/^MMRECOVER OK - every link of the ring replicating/);
    for (const l of ['a_b', 'b_c', 'c_a']) expect(ck.stdout).toMatch(new RegExp(`${l}_lag=\\d+s;60;300;0; ${l}_io_running=1;;;0;1 ${l}_sql_running=1;;;0;1`));
  });

  it('given out of replication order: said, with the member and its real source', async () => {
    const lab = shared.get();
    const st = await runCli(['status', '--ring', ring(lab, ['a', 'c', 'b'])], lab.env());
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/B replicates from server_id 2 \(127\.0\.0\.1:\d+\), not from A \(server_id 1\)/);
    expect(st.stdout).toMatch(/give --ring in replication order/);
    const ck = await runCli(['check', '--ring', ring(lab, ['a', 'c', 'b'])], lab.env());
    expect(ck.code).toBe(3);
    expect(ck.stdout).toMatch(/^MMRECOVER UNKNOWN - --ring is not the replication order/);
  });

  it('one link broken: status names the link and the member, and the recover --ring line; check is CRITICAL naming it', async () => {
    const lab = shared.get();
    await breakLab(lab, 'conflict');
    const st = await runCli(['status', '--ring', ring(lab)], lab.env());
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/A→B\s+BROKEN\s+B's SQL thread stopped on error 1062/);
    expect(st.stdout).toMatch(/B→C\s+HEALTHY/);
    expect(st.stdout).toMatch(/Broken member: B \(the link A→B\); rebuild it from its upstream A/);
    expect(st.stdout).toContain(`mmrecover recover --ring ${ring(lab)} --bad 127.0.0.1:${lab.b.port}`);
    const json = await runCli(['status', '--ring', ring(lab), '--json'], lab.env());
    expect(JSON.parse(json.stdout)).toMatchObject({ brokenMembers: ['B'], recommendation: { bad: 'B', upstream: 'A' } });
    const ck = await runCli(['check', '--ring', ring(lab)], lab.env());
    expect(ck.code).toBe(2);
    expect(ck.stdout).toMatch(/^MMRECOVER CRITICAL - member B broke: A->B broken: B's SQL thread stopped on error 1062/);
    expect(ck.stdout).toMatch(/a_b_sql_running=0;;;0;1/);
    expect(ck.stdout).toMatch(/b_c_sql_running=1;;;0;1/);
  });

  it('two links broken: the evidence for each broken member, and why no single rebuild restores the ring', async () => {
    const lab = shared.get();
    // A→B is broken already (previous test); stopping c's replica breaks B→C too.
    const c = await lab.connect('c');
    try {
      await c.query('STOP SLAVE');
    } finally {
      await c.close();
    }
    const st = await runCli(['status', '--ring', ring(lab)], lab.env());
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/B→C\s+BROKEN\s+C's replication threads are stopped/);
    expect(st.stdout).toMatch(/2 links are broken \(A→B, B→C; B: error 1062 \([^)]*\); C: C's replication threads are stopped/);
    expect(st.stdout).toMatch(/no single recover --ring restores this ring/);
    expect(st.stdout).not.toMatch(/Broken member:/);
    const ck = await runCli(['check', '--ring', ring(lab)], lab.env());
    expect(ck.code).toBe(2);
    expect(ck.stdout).toMatch(/^MMRECOVER CRITICAL - members B, C broke: /);
  });

  it('recover --ring refuses in the preflight while D does not apply what BS sends (a second broken link), changing nothing', async () => {
    const lab = shared.get();
    const r = await runCli(ringYesArgs(lab), { ...lab.env(), ...privateState() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/STOP\s+ring downstream\s+D 127\.0\.0\.1:\d+ does not apply what BS sends \(IO No, SQL No\): a second broken link/);
    expect(r.stderr).toMatch(/Nothing was changed/);
    const b = await lab.connect('b');
    try {
      expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(0);
    } finally {
      await b.close();
    }
  });
});

describe('status and check --ring on a ring of 4', () => {
  const shared = useLab({ masters: 4 });

  it('healthy: 4 links and check OK with perfdata for each; then the link into c broken: C named, with its recover line', async () => {
    const lab = shared.get();
    // The lab's ring of 4 carries a row from every member to every other, once, and every member's tables match a's.
    await expectRingHealthy(lab);
    const st = await runCli(['status', '--ring', ring(lab)], lab.env());
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/: A → B → C → D → A\n/);
    for (const l of ['D→A', 'A→B', 'B→C', 'C→D']) expect(st.stdout).toMatch(new RegExp(`${l}\\s+HEALTHY`));
    expect(st.stdout.match(/^[A-D]→[A-D]\s/gm)).toHaveLength(4);
    expect(st.stdout).toMatch(/Every link of the ring is healthy/);
    const ck = await runCli(['check', '--ring', ring(lab)], lab.env());
    expect(ck.code, ck.stdout).toBe(0);
    expect(ck.stdout).toMatch(/^MMRECOVER OK - every link of the ring replicating/);
    for (const l of ['d_a', 'a_b', 'b_c', 'c_d'])
      expect(ck.stdout).toMatch(new RegExp(`${l}_lag=\\d+s;60;300;0; ${l}_io_running=1;;;0;1 ${l}_sql_running=1;;;0;1`));

    await breakLab(lab, 'conflict', { bad: 'c' });
    const br = await runCli(['status', '--ring', ring(lab)], lab.env());
    expect(br.code).toBe(1);
    expect(br.stdout).toMatch(/B→C\s+BROKEN\s+C's SQL thread stopped on error 1062/);
    for (const l of ['D→A', 'A→B', 'C→D']) expect(br.stdout).toMatch(new RegExp(`${l}\\s+HEALTHY`));
    expect(br.stdout).toMatch(/Broken member: C \(the link B→C\); rebuild it from its upstream B/);
    expect(br.stdout).toMatch(/D received nothing from C since; every other link runs \(D→A healthy, A→B healthy, C→D healthy\)/);
    expect(br.stdout).toContain(`mmrecover recover --ring ${ring(lab)} --bad 127.0.0.1:${lab.server('c').port}`);
    const ck2 = await runCli(['check', '--ring', ring(lab)], lab.env());
    expect(ck2.code).toBe(2);
    expect(ck2.stdout).toMatch(/^MMRECOVER CRITICAL - member C broke: B->C broken: C's SQL thread stopped on error 1062/);
    expect(ck2.stdout).toMatch(/b_c_sql_running=0;;;0;1/);
    for (const l of ['d_a', 'a_b', 'c_d']) expect(ck2.stdout).toMatch(new RegExp(`${l}_sql_running=1;;;0;1`));
  });
});
