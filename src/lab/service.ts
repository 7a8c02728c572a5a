// A lab server as a service: two small scripts in its directory stop it and start it again the way the lab started
// it (the same mariadbd command line, detached), so that --method physical can stop and start BS with
// --bad-stop-command/--bad-start-command exactly as it would use `systemctl stop/start` on a real host.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mariadbdPath, isRunning, findProgram, type LabServer } from './mariadbd.js';

const q = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

export const startScript = (s: Pick<LabServer, 'dir'>) => join(s.dir, 'start.sh');
export const stopScript = (s: Pick<LabServer, 'dir'>) => join(s.dir, 'stop.sh');
const pidFile = (s: Pick<LabServer, 'dir'>) => join(s.dir, 'mysqld.pid');

/** `sh <dir>/stop.sh`, `sh <dir>/start.sh`: what `lab up` prints for --bad-stop-command/--bad-start-command. */
export function serviceCommands(s: Pick<LabServer, 'dir'>): { stop: string; start: string } {
  return { stop: `sh ${q(stopScript(s))}`, start: `sh ${q(startScript(s))}` };
}

/** The pid the server runs under now: its pid file when that process lives (restarted by start.sh), else the lab's. */
export function currentPid(s: Pick<LabServer, 'dir' | 'pid'>): number {
  try {
    const pid = Number(readFileSync(pidFile(s), 'utf8').trim());
    if (pid > 0 && pid !== s.pid && isRunning(pid)) return pid;
  } catch {
    /* no pid file: the server is down, or never wrote one */
  }
  return s.pid;
}

export function writeServiceScripts(s: LabServer, args: string[]): void {
  const admin = findProgram('mariadb-admin') ?? findProgram('mysqladmin') ?? 'mariadb-admin';
  const log = join(s.dir, 'error.log');
  const start = `#!/bin/sh
# Start lab server ${s.name} as \`mmrecover lab up\` did (detached); returns once it answers, or fails with its log.
cd ${q(s.dir)} || exit 1
if [ -f ${q(pidFile(s))} ] && kill -0 "$(cat ${q(pidFile(s))})" 2>/dev/null; then echo "lab server ${s.name} is already running" >&2; exit 1; fi
# $MYSQLD_OPTS: extra options for this start, last on the line (mariadbd takes the last), as MariaDB's systemd unit does.
setsid ${[mariadbdPath(), ...args].map(q).join(' ')} $MYSQLD_OPTS >> ${q(join(s.dir, 'stdout.log'))} 2>&1 < /dev/null &
pid=$!
i=0
while [ $i -lt 1200 ]; do
  # ping exits 0 once the server answers, even with "Access denied".
  if ${q(admin)} --no-defaults --socket=${q(s.socket)} --connect-timeout=1 ping >/dev/null 2>&1; then exit 0; fi
  if ! kill -0 $pid 2>/dev/null; then echo "lab server ${s.name} exited while starting:" >&2; tail -n 3 ${q(log)} >&2; exit 1; fi
  sleep 0.1
  i=$((i + 1))
done
echo "lab server ${s.name} did not answer within 120 s" >&2
exit 1
`;
  const stop = `#!/bin/sh
# Stop lab server ${s.name} (SIGTERM, a clean shutdown); returns once it is gone.
[ -f ${q(pidFile(s))} ] || exit 0
pid=$(cat ${q(pidFile(s))})
kill -TERM "$pid" 2>/dev/null || exit 0
i=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 0.1
  i=$((i + 1))
  if [ $i -ge 600 ]; then kill -KILL "$pid" 2>/dev/null; fi
done
exit 0
`;
  writeFileSync(startScript(s), start, { mode: 0o755 });
  writeFileSync(stopScript(s), stop, { mode: 0o755 });
}
