// A host option that nothing would use (--donor-ssh without --donor, --good-ssh with one, any of them or BS's stop
// command without --method physical), through the built binary: one line naming the problem, exit 2, and no
// connection to either server (both ports record every one).
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { recordedEnv, useRecordedPair } from '../helpers/recorder.js';

describe('an idle ssh target', () => {
  const pair = useRecordedPair();

  it('is refused in one line, exit 2, nothing reached', async () => {
    for (const [extra, said] of [
      [['--method', 'physical', '--donor-ssh', 'root@db3'], /^mmrecover: --donor-ssh runs the donor’s mariadb-backup through ssh: it needs --donor/],
      [['--good-ssh', 'root@db1'], /^mmrecover: --good-ssh root@db1: the ssh targets run the physical method’s host commands .*--method classic runs none/],
      [
        ['--method', 'online', '--bad-stop-command', 'systemctl stop mariadb'],
        /^mmrecover: --bad-stop-command: BS’s service and its stop and start commands are for the physical method.*--method online never stops BS/,
      ],
      [
        ['--method', 'physical', '--donor', '127.0.0.1:1', '--good-ssh', 'root@db1'],
        /^mmrecover: --good-ssh root@db1: with --donor the copy’s mariadb-backup runs on the donor’s host/,
      ],
    ] as const) {
      const r = await runCli([...pair.args(), ...extra], recordedEnv());
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(said);
    }
    expect(pair.connections()).toBe(0);
  });
});
