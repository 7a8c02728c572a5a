// Step 4 of --method physical (MariaDB): the data files copied instead of a logical dump. mariadb-backup streams GS's
// datadir from GS's host into mbstream on BS's host, into a new directory beside BS's datadir; the copy is prepared
// there; then BS is stopped, its datadir kept under a dated name (a backup of everything BS held, at no extra cost),
// the prepared copy moved into place with the owner BS's datadir had, and BS started and fenced again. GS's
// coordinates come from the copy itself (xtrabackup_binlog_info), so the tool takes no read lock of its own: GS's only
// stall is mariadb-backup's BACKUP STAGE BLOCK_COMMIT (https://mariadb.com/kb/en/backup-stage/).
import { LOCAL, parseSshTarget, type HostAccess } from '../../adapters/shell/host-exec.js';
import { stmt } from '../../dialect/statement.js';
import { StepFailed } from '../../base/errors.js';
import { optionFileArg, type Action, type CommandLine, type Role } from '../actions.js';
import { reachable, type RecoveryContext } from '../context.js';
import { dataSizeBytes } from '../compare.js';
import { mariadbGtid } from '../positioning.js';
import type { Coordinates } from '../state.js';
import type { Settings } from '../../config/settings.js';
import { copyMethod } from '../copy-method.js';
import { reinstallBsPlugins, scheduleAfterPhysicalCopy } from '../server-state.js';

export const BACKUP_PROGRAM = 'mariadb-backup';
export const STREAM_PROGRAM = 'mbstream';
/** How often mariadb-backup's redo-log copier looks for new redo, in ms (its default: 1000). */
export const LOG_COPY_INTERVAL_MS = 10;
/** mariadb-backup's last stderr line when the backup completed. */
export const BACKUP_COMPLETED = /completed OK!\s*$/;

/** How a role's host is reached: --good-ssh/--bad-ssh, or this machine. */
export function hostAccess(s: Pick<Settings, 'goodSsh' | 'badSsh' | 'sshConfig'>, role: Role): HostAccess {
  const t = role === 'GS' ? s.goodSsh : s.badSsh;
  return t ? { kind: 'ssh', target: parseSshTarget(t), ...(s.sshConfig ? { configFile: s.sshConfig } : {}) } : LOCAL;
}

/** BS's stop and start commands (--bad-service, or --bad-stop-command/--bad-start-command), shown as they run. */
export function bsServiceCommands(
  s: Pick<Settings, 'badService' | 'badStopCommand' | 'badStartCommand'>,
): { stop: CommandLine; start: CommandLine } | undefined {
  if (s.badService) return { stop: { program: 'systemctl', args: ['stop', s.badService] }, start: { program: 'systemctl', args: ['start', s.badService] } };
  if (s.badStopCommand && s.badStartCommand)
    return { stop: { program: 'sh', args: ['-c', s.badStopCommand] }, start: { program: 'sh', args: ['-c', s.badStartCommand] } };
  return undefined;
}

/**
 * BS's start with its event scheduler off from the first moment: BS starts on GS's data files, where GS's events are
 * enabled, and with event_scheduler=ON in BS's configuration they would run on BS before any statement reaches it.
 * mariadbd takes the last of a repeated option, and MariaDB's systemd unit and the lab's start script add
 * $MYSQLD_OPTS to its command line (https://mariadb.com/kb/en/systemd/: "ExecStart=/usr/sbin/mariadbd $MYSQLD_OPTS
 * …"): a systemd service gets it through the manager's environment for this one start, a start command through its
 * own environment. The plan then sets the scheduler as BS's events need it.
 */
export const SCHEDULER_OFF_OPTS = 'MYSQLD_OPTS=--event-scheduler=OFF';
export function startSchedulerOff(s: Pick<Settings, 'badService' | 'badStartCommand'>, start: CommandLine): CommandLine {
  if (s.badService)
    return {
      program: 'sh',
      args: [
        '-c',
        `systemctl set-environment ${SCHEDULER_OFF_OPTS} && systemctl start "$1"; rc=$?; systemctl unset-environment MYSQLD_OPTS; exit $rc`,
        'sh',
        s.badService,
      ],
    };
  if (s.badStartCommand) return { program: 'env', args: [SCHEDULER_OFF_OPTS, start.program, ...start.args] };
  return start;
}

/** BS's datadir as the server reports it (no trailing slash), or a placeholder offline. */
export function bsDatadir(ctx: RecoveryContext): string {
  const d = ctx.identity.BS?.datadir;
  return d ? d.replace(/\/+$/, '') || '/' : '<BS datadir>';
}

/** Where the copy lands (beside the datadir, same filesystem, so the swap is a rename), and where the old one goes. */
export function physicalPaths(datadir: string, now = new Date()): { incoming: string; kept: string } {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return { incoming: `${datadir}.mmrecover-new`, kept: `${datadir}.mmrecover-kept-${stamp}` };
}

/** file, position and GTID from mariadb-backup's binlog info file: "mysql-bin.000003\t1234\t0-1-42". */
export function parseBinlogInfo(text: string): Coordinates | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l);
  const m = line ? /^(\S+)\s+(\d+)(?:\s+(\S*))?/.exec(line) : null;
  return m ? { file: m[1], position: Number(m[2]), gtid: m[3] ?? '' } : undefined;
}

const cmd = (argv: string[]): CommandLine => ({ program: argv[0], args: argv.slice(1) });

export async function physicalCopyPlan(ctx: RecoveryContext): Promise<{ actions: Action[]; notes: string[] }> {
  const s = ctx.settings;
  const gsHost = hostAccess(s, 'GS');
  const bsHost = hostAccess(s, 'BS');
  const datadir = bsDatadir(ctx);
  const { incoming, kept } = physicalPaths(datadir);
  const service = bsServiceCommands(s) ?? { stop: cmd(['<--bad-stop-command>']), start: cmd(['<--bad-start-command>']) };
  // Prepare replays the redo log copied with the files: bounded, generously (it is proportional to GS's writes
  // during the copy, not to its size).
  const long = Math.max(600, s.stallTimeout * 10);
  const gtid = mariadbGtid(ctx);
  const actions: Action[] = [
    {
      kind: 'host',
      role: 'BS',
      host: bsHost,
      command: cmd(['rm', '-rf', '--', incoming]),
      timeoutSeconds: long,
      note: 'what an earlier, unfinished copy may have left; BS’s datadir is not touched',
    },
    { kind: 'host', role: 'BS', host: bsHost, command: cmd(['mkdir', '-m', '0700', '--', incoming]), timeoutSeconds: 60 },
    {
      kind: 'stream',
      role: 'GS',
      // --log-copy-interval: at BLOCK_COMMIT mariadb-backup waits for its redo-log copier to catch up, and that thread
      // looks every 1000 ms by default: GS's commits then wait about a second. Every 10 ms, the wait measured 30-150 ms
      // (README, "GS's write stall"); the lock, and with it the exact binary log position, stay.
      from: {
        role: 'GS',
        host: gsHost,
        command: cmd([BACKUP_PROGRAM, optionFileArg('GS'), '--backup', '--stream=xbstream', `--log-copy-interval=${LOG_COPY_INTERVAL_MS}`]),
      },
      to: { role: 'BS', host: bsHost, command: cmd([STREAM_PROGRAM, '-x', '-C', incoming]) },
      fromCompleted: BACKUP_COMPLETED,
      estimateBytes: reachable(ctx, 'GS') ? await dataSizeBytes((q) => ctx.read('GS', q)) : undefined,
      note: 'GS’s data files; GS’s commits wait only during BACKUP STAGE BLOCK_COMMIT at the end',
      capture: (o, state) => {
        state.copy = { bytes: o.bytes, seconds: o.seconds, complete: false };
        state.physical = { datadir, incoming, prepared: false };
      },
    },
    {
      kind: 'host',
      role: 'BS',
      host: bsHost,
      command: cmd([BACKUP_PROGRAM, '--prepare', `--target-dir=${incoming}`]),
      timeoutSeconds: long,
      note: 'makes the copy consistent (applies the redo log copied with it)',
      capture: (_out, state) => {
        if (state.copy) state.copy.complete = true;
        state.physical = { datadir, incoming, prepared: true };
      },
    },
    {
      kind: 'host',
      role: 'BS',
      host: bsHost,
      // 10.11 writes xtrabackup_binlog_info; later releases mariadb_backup_binlog_info.
      command: cmd(['sh', '-c', 'cat "$1"/mariadb_backup_binlog_info 2>/dev/null || cat "$1"/xtrabackup_binlog_info', 'sh', incoming]),
      timeoutSeconds: 60,
      note: `GS’s coordinates at the copy’s point: file, position${gtid ? ', GTID' : ''}`,
      capture: (out, state) => {
        const c = parseBinlogInfo(out);
        if (!c)
          throw new StepFailed(
            'the copy carried no binary log coordinates of GS (xtrabackup_binlog_info is empty: is log_bin on on GS?)',
            4,
            'Run again with --resume: it restarts from step 3; BS was not touched.',
          );
        state.gsCoords = { file: c.file, position: c.position, ...(gtid ? { gtid: c.gtid ?? '' } : {}) };
      },
    },
    {
      kind: 'swap-datadir',
      role: 'BS',
      host: bsHost,
      datadir,
      incoming,
      kept,
      stop: service.stop,
      start: startSchedulerOff(s, service.start),
      timeoutSeconds: Math.max(120, s.replicaTimeout),
      capture: (o, state) => {
        state.physical = { datadir, incoming, prepared: true, running: o.running, ...(o.kept ? { kept: o.kept } : {}) };
      },
    },
  ];
  const schedule = await scheduleAfterPhysicalCopy(ctx);
  actions.push(...schedule.first);
  // read_only does not survive a restart: what step 1 switched on goes back on before anything else reaches BS.
  for (const f of ctx.state.fence)
    actions.push({
      kind: 'sql',
      role: 'BS',
      statement: stmt(`SET GLOBAL ${f.variable} = ON`),
      note: 'the restart cleared what step 1 set; BS is fenced again',
      // Also after a failure or an interrupt: BS came back (on the copy or on its previous datadir) unfenced.
      cleanup: true,
    });
  actions.push(...reinstallBsPlugins(ctx));
  actions.push(...schedule.last);
  const notes = [
    `Physical method: GS’s data files are streamed to BS’s host and prepared beside BS’s datadir (${incoming}); BS is stopped only for the swap, and its previous datadir is kept as ${kept}.`,
    // MDEV-15393 (https://jira.mariadb.org/browse/MDEV-15393): a gtid_slave_pos table whose sub_ids lie past the
    // server's counter collides later. A server reads the table when it starts (https://mariadb.com/kb/en/mysqlgtid_slave_pos-table/,
    // MDEV-12179: https://github.com/MariaDB/server/commit/d3837c69a2), and BS starts on the copied table: no collision
    // (measured: test/integration/server-state-paths.test.ts). The proof checks the table against BS's position.
    `BS’s mysql.gtid_slave_pos becomes GS’s table with the data files; BS starts on it and reads its GTID counter from it, so the sub_ids it writes next lie past GS’s rows${gtid ? '; step 6 sets gtid_slave_pos to GS’s position' : ''}.`,
  ];
  return { actions, notes };
}

/** What BS is in when a run stops inside step 4 of this method: which datadir it runs on, from the state. */
export function physicalDuring(ctx: RecoveryContext): Partial<Record<Role, string>> | undefined {
  if (copyMethod(ctx).coordinatesFrom !== 'backup') return undefined;
  const p = ctx.state.physical;
  switch (p?.running) {
    case 'copy':
      return {
        BS: `runs on a complete, prepared copy of GS in ${p.datadir} (its previous datadir is kept at ${p.kept}); replication is not configured on it yet`,
      };
    case 'previous':
      return { BS: `runs on its previous datadir ${p.datadir}, as before the copy` };
    case 'none':
      return { BS: `IS DOWN: its previous datadir ${p.kept ? `is at ${p.kept} or back at ${p.datadir}` : `is ${p.datadir}`}` };
    default:
      return { BS: `untouched: runs on its own datadir${p ? ` (an unfinished copy at ${p.incoming} is removed by the next run)` : ''}` };
  }
}
