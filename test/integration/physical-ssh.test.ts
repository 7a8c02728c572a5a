// Issue 17: one recovery with --method physical whose host commands all go through a real sshd (started by the test on
// a loopback port, with keys it generates): the stream is two ssh processes piped together, the 0600 credentials
// file is created on the host through ssh's standard input and removed after, and no password appears in the argv
// or the environment of any process but the tool's own (which was handed the variables by the operator).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { startCli } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, yesArgs } from '../helpers/pair.js';
import { physicalArgs } from '../helpers/physical.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

let lab: Lab;
let sshd: TestSshd;
beforeAll(async () => {
  [lab, sshd] = await Promise.all([newLab(), startSshd()]);
});
afterAll(async () => {
  await Promise.all([dropLab(lab), sshd?.stop()]);
});

/** The parent of each process now. */
function parents(): Map<number, number> {
  const m = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!pid) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      m.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  return m;
}

/** argv and environment of every descendant of `roots` (not the roots themselves), as /proc has them. */
function scanProcesses(roots: Set<number>): Array<{ pid: number; text: string }> {
  const out: Array<{ pid: number; text: string }> = [];
  const pp = parents();
  const under = (pid: number) => {
    for (let p = pp.get(pid); p && p > 1; p = pp.get(p)) if (roots.has(p)) return true;
    return false;
  };
  for (const pid of pp.keys()) {
    if (!under(pid)) continue;
    try {
      out.push({ pid, text: `${readFileSync(`/proc/${pid}/cmdline`, 'latin1')}\n${readFileSync(`/proc/${pid}/environ`, 'latin1')}` });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

const hostFiles = () => readdirSync('/tmp').filter((f) => f.startsWith('mmrecover-host-'));

describe('--method physical through ssh', () => {
  it('recovers through a real sshd on loopback; no password in any argv or environment; the credentials file is removed', async () => {
    await breakLab(lab, 'conflict');
    const env = { ...lab.env(), ...privateState() };
    const secrets = [lab.state.adminPassword, lab.state.replPassword];
    const filesBefore = hostFiles();
    const args = yesArgs(lab, [...physicalArgs(lab), '--good-ssh', sshd.target, '--bad-ssh', sshd.target, '--ssh-config', sshd.clientConfig]);
    const run = startCli(args, env);
    const leaks: string[] = [];
    // A child between fork and exec still shows the tool's own argv and environment: not a process of its own yet.
    const own = readFileSync(`/proc/${run.child.pid}/cmdline`, 'latin1');
    const seen = new Set<string>();
    let done = false;
    void run.result.then(() => (done = true));
    while (!done) {
      // The tool's children, and everything the test's sshd runs for it (the commands on the "remote" host).
      for (const p of scanProcesses(new Set([run.child.pid!, sshd.pid]))) {
        if (p.text.startsWith(`${own}\n`)) continue;
        const cmd = p.text.split('\n')[0].replace(/\0/g, ' ').trim();
        if (/^(ssh|sshd|mariadb-backup|mbstream|sh) /.test(cmd)) seen.add(cmd.split(' ')[0]);
        for (const s of secrets) if (p.text.includes(s)) leaks.push(`${p.pid}: ${cmd.slice(0, 200)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await run.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/VERIFIED/);
    // Each host command is shown with the host it ran on.
    const on = `[ssh ${sshd.target}]`;
    expect(r.stderr).toContain(
      `${on} $ mariadb-backup --defaults-extra-file=<0600 option file> --backup --stream=xbstream --log-copy-interval=10 | BS: ${on} $ mbstream -x -C `,
    );
    expect(r.stderr).toContain(`${on} $ mariadb-backup --prepare`);
    expect(r.stderr).toMatch(/ok\s+GS ssh\s+ssh root@127\.0\.0\.1:\d+ logs in/);
    expect(r.stderr).toMatch(/previous datadir is kept at \S+ \(ssh root@127\.0\.0\.1:\d+\)/);
    // The scan saw the processes it was meant to check.
    expect([...seen]).toEqual(expect.arrayContaining(['ssh', 'mariadb-backup', 'mbstream']));
    expect(leaks, 'a password in some argv or environment').toEqual([]);
    expect(hostFiles(), 'credentials files left on the host').toEqual(filesBefore);
    await expectPairHealthy(lab);
  }, 400_000); // some twenty ssh logins, each a key exchange on two shared cores
});
