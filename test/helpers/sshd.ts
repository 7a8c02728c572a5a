// A private sshd on a loopback port, with a host key and a user key generated for the test, and the ssh_config a
// client needs to reach it without prompting. Never the system's sshd, never port 22; stopped after the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lab/mariadbd.js';

export interface TestSshd {
  port: number;
  /** For --ssh-config: the generated key, no host key checking, quiet. */
  clientConfig: string;
  target: string;
  pid: number;
  stop: () => Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'mmrecover-sshd-'));
  const keygen = (file: string) => {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
  };
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')), { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory sshd insists on
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'PermitUserEnvironment no',
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      'Host *',
      `  IdentityFile ${join(dir, 'user_key')}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  // Ready once a login works.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync('ssh', ['-F', clientConfig, '-o', 'BatchMode=yes', '-p', String(port), 'root@127.0.0.1', 'true'], { encoding: 'utf8', timeout: 5000 });
    if (r.status === 0) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`test sshd did not accept a login: ${r.stderr} ${err}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    port,
    clientConfig,
    target: `root@127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((res) => child.once('exit', res));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
