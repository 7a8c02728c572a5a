// `mmrecover --dry-run --assume <flavor>-<version>` through the built binary: it connects to nothing (both ports record
// every connection), prints the whole plan for that version, and --assume without --dry-run is refused (exit 2).
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { recordedEnv as env, useRecordedPair } from '../helpers/recorder.js';

describe('--assume', () => {
  const recorded = useRecordedPair();
  const pair = recorded.args;

  it('without --dry-run: one line naming what is wrong, exit 2, nothing reached', async () => {
    const r = await runCli([...pair(), '--assume', 'mysql-8.4.3'], env());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--assume mysql-8\.4\.3 .*needs --dry-run/);
    const bad = await runCli([...pair(), '--dry-run', '--assume', 'oracle-19'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--assume must be a flavor and a version/);
    const old = await runCli([...pair(), '--dry-run', '--assume', 'mysql-5.6.51'], env());
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/covers MySQL 5\.7 to 9\.x/);
    expect(recorded.connections()).toBe(0);
  });

  it('MySQL 8.4.3 by GTID: every step of that version’s plan, with the branches a connected run would take, and no connection made', async () => {
    const r = await runCli([...pair(), '--dry-run', '--assume', 'mysql-8.4.3', '--positioning', 'gtid'], env());
    expect(r.code, r.stderr).toBe(0);
    for (let step = 1; step <= 11; step++) expect(r.stderr).toMatch(new RegExp(`Step ${step}/11 `));
    expect(r.stderr).toMatch(/not connected \(--assume mysql-8\.4\.3\)/);
    expect(r.stderr).toMatch(/GS> SHOW BINARY LOG STATUS/);
    expect(r.stderr).toMatch(/BS> RESET BINARY LOGS AND GTIDS/);
    expect(r.stderr).toMatch(/BS> CHANGE REPLICATION SOURCE TO [^\n]*SOURCE_AUTO_POSITION=1/);
    expect(r.stderr).toMatch(/BS> SET GLOBAL super_read_only = ON +-- only if it is OFF/);
    expect(r.stderr).toMatch(/BS> SET GLOBAL offline_mode = OFF +-- only if repl holds neither CONNECTION_ADMIN nor SUPER/);
    expect(r.stderr).toMatch(/Dry run complete/);
    expect(recorded.connections()).toBe(0);
  });
});
