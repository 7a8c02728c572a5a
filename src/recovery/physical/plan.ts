// Step 4 of --method physical (MariaDB): the data files copied instead of a logical dump. mariadb-backup streams GS's
// datadir from GS's host into mbstream on BS's host, into a new directory beside BS's datadir; the copy is prepared
// there; then BS is stopped, its datadir kept under a dated name (a backup of everything BS held, at no extra cost),
// the prepared copy moved into place with the owner BS's datadir had, and BS started and fenced again. GS's
// coordinates come from the copy itself (xtrabackup_binlog_info), so the tool takes no read lock of its own: GS's only
// stall is mariadb-backup's BACKUP STAGE BLOCK_COMMIT (https://mariadb.com/kb/en/backup-stage/).
import { LOCAL, parseSshTarget, type HostAccess } from '../../adapters/shell/host-exec.js';
import { stmt } from '../../dialect/statement.js';
import { StepFailed } from '../../base/errors.js';
import { optionFileArg, type Action, type CommandLine, type FileRole, type Role, type SqlAction } from '../actions.js';
import { reachable, type RecoveryContext } from '../context.js';
import { dataSizeBytes } from '../compare.js';
import { mariadbGtid } from '../positioning.js';
import { parseReplicaStatus } from '../../adapters/mysql/replication.js';
import { donorName, sourceRead } from '../donor.js';
import { point } from '../donor-resume.js';
import { physicalPaths } from '../datadir-paths.js';

export { physicalPaths };
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

/** How a role's host is reached: --good-ssh/--bad-ssh/--donor-ssh, or this machine. */
export function hostAccess(s: Pick<Settings, 'goodSsh' | 'badSsh' | 'donorSsh' | 'sshConfig'>, role: FileRole): HostAccess {
  const t = role === 'GS' ? s.goodSsh : role === 'BS' ? s.badSsh : s.donorSsh;
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

/** file, position and GTID from mariadb-backup's binlog info file: "mysql-bin.000003\t1234\t0-1-42". */
export function parseBinlogInfo(text: string): Coordinates | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l);
  const m = line ? /^(\S+)\s+(\d+)(?:\s+(\S*))?/.exec(line) : null;
  return m ? { file: m[1], position: Number(m[2]), gtid: m[3] ?? '' } : undefined;
}

/**
 * What mariadb-backup --slave-info wrote of the donor's source: "CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;"
 * or, when the donor replicates by GTID, "SET GLOBAL gtid_slave_pos = 'g';" (newer releases may name the connection:
 * CHANGE MASTER '' TO …). Undefined when it holds neither.
 */
export function parseSlaveInfo(text: string): { file?: string; position?: number; gtid?: string } | undefined {
  const file = /MASTER_LOG_FILE\s*=\s*'([^']*)'/i.exec(text)?.[1];
  const pos = /MASTER_LOG_POS\s*=\s*(\d+)/i.exec(text)?.[1];
  const gtid = /gtid_slave_pos\s*=\s*'([^']*)'/i.exec(text)?.[1];
  if (file === undefined && gtid === undefined) return undefined;
  return { ...(file !== undefined ? { file, position: Number(pos ?? NaN) } : {}), ...(gtid !== undefined ? { gtid } : {}) };
}

/**
 * The backup of the donor against the point step 3 recorded (R's Exec_Master_Log_Pos, and its gtid_slave_pos): the
 * same, or the reason they differ, naming both. A GTID in the slave info is compared with R's gtid_slave_pos, a
 * file/position with the recorded file/position.
 */
export function slaveInfoMismatch(
  info: { file?: string; position?: number; gtid?: string } | undefined,
  at: Coordinates,
  slavePos?: string,
): string | undefined {
  const recorded = `${point(at)}${slavePos !== undefined && at.gtid === undefined ? ` (gtid_slave_pos ${slavePos || 'empty'})` : ''}`;
  if (!info) return `it wrote no coordinates of the donor’s source, while step 3 recorded the donor stopped at ${recorded}`;
  if (info.file !== undefined && (info.file !== at.file || info.position !== at.position))
    return `its slave info says ${info.file}:${info.position}, while step 3 recorded the donor stopped at ${recorded}`;
  const gsPos = at.gtid ?? slavePos;
  if (info.gtid !== undefined && (gsPos === undefined || info.gtid !== gsPos))
    return `its slave info says gtid_slave_pos ${info.gtid || 'empty'}, while step 3 recorded the donor stopped at ${recorded}`;
  return undefined;
}

/** After the swap: BS answers with its own server_id (its configuration's, not the copy's) and replicates from nobody. */
function afterSwapChecks(ctx: RecoveryContext, source: string): SqlAction[] {
  const bs = ctx.identity.BS;
  const swapped = (state: { physical?: { running?: string } }) => state.physical?.running === 'copy';
  return [
    {
      kind: 'sql',
      role: 'BS',
      statement: stmt('SELECT @@GLOBAL.server_id AS server_id'),
      note: 'BS’s own server_id: it comes from BS’s configuration, not from the copied datadir',
      capture: (rows, state) => {
        const id = Number(rows[0]?.server_id);
        if (!swapped(state) || !bs || id === bs.serverId) return undefined;
        throw new StepFailed(
          `BS came back on the copy of ${source} with server_id ${id}, not its own ${bs.serverId}: the server_id must come from BS’s configuration`,
          4,
          'Set server_id in BS’s configuration file, restart BS, then run again with --resume (BS runs fenced on the copy; its previous datadir is kept).',
        );
      },
    },
    {
      kind: 'sql',
      role: 'BS',
      statement: ctx.dialect.BS.showReplicaStatus(),
      note: `no replication of ${source}’s came with the copy: BS runs no replica thread until step 6 configures it`,
      capture: (rows, state) => {
        if (!swapped(state)) return undefined;
        const r = parseReplicaStatus(rows, ctx.dialect.BS);
        if (r.ioRunning !== 'Yes' && r.sqlRunning !== 'Yes') return undefined;
        throw new StepFailed(
          `BS replicates by itself after the swap (IO ${r.ioRunning || 'No'}, SQL ${r.sqlRunning || 'No'}, from ${r.sourceHost}:${r.sourcePort}): a replica configuration outside its datadir survived (master-info-file or relay-log-info-file in BS’s configuration?)`,
          4,
          'STOP SLAVE on BS, remove that file or point it into the datadir, then run again with --resume.',
        );
      },
    },
  ];
}

const cmd = (argv: string[]): CommandLine => ({ program: argv[0], args: argv.slice(1) });

export async function physicalCopyPlan(ctx: RecoveryContext): Promise<{ actions: Action[]; notes: string[] }> {
  const s = ctx.settings;
  // --donor: the backup is taken on R's host, of R's datadir, frozen at the point step 3 recorded; GS is not read.
  const donor = copyMethod(ctx).fromDonor && ctx.donor ? donorName(ctx) : undefined;
  const from: FileRole = donor ? 'R' : 'GS';
  const fromHost = hostAccess(s, from);
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
      // --log-copy-interval: at BLOCK_COMMIT mariadb-backup waits for its redo-log copier to catch up, and that thread
      // looks every 1000 ms by default: GS's commits then wait about a second. Every 10 ms, the wait measured 30-150 ms
      // (README, "GS's write stall"); the lock, and with it the exact binary log position, stay.
      // --slave-info (donor): mariadb-backup writes the donor's SHOW SLAVE STATUS point, its view of GS's coordinates,
      // into xtrabackup_slave_info; no --safe-slave-backup, which would start R's SQL thread again at the end.
      role: from,
      from: {
        role: from,
        host: fromHost,
        command: cmd([
          BACKUP_PROGRAM,
          optionFileArg(from),
          '--backup',
          ...(donor ? ['--slave-info'] : []),
          '--stream=xbstream',
          `--log-copy-interval=${LOG_COPY_INTERVAL_MS}`,
        ]),
      },
      to: { role: 'BS', host: bsHost, command: cmd([STREAM_PROGRAM, '-x', '-C', incoming]) },
      fromCompleted: BACKUP_COMPLETED,
      estimateBytes: reachable(ctx, 'GS') ? await dataSizeBytes(sourceRead(ctx)) : undefined,
      note: donor
        ? `the donor ${donor}’s data files, its SQL thread stopped at the recorded point; GS is neither locked nor read`
        : 'GS’s data files; GS’s commits wait only during BACKUP STAGE BLOCK_COMMIT at the end',
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
    donor
      ? slaveInfoAction(bsHost, incoming, donor)
      : {
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
  actions.push(...afterSwapChecks(ctx, donor ? 'the donor R' : 'GS'));
  actions.push(...reinstallBsPlugins(ctx));
  actions.push(...schedule.last);
  const notes = [
    donor
      ? `Physical method from the donor: ${donor}’s data files are streamed from its host (mariadb-backup --slave-info) to BS’s host and prepared beside BS’s datadir (${incoming}); GS is neither locked nor read by the copy; BS is stopped only for the swap, and its previous datadir is kept as ${kept}.`
      : `Physical method: GS’s data files are streamed to BS’s host and prepared beside BS’s datadir (${incoming}); BS is stopped only for the swap, and its previous datadir is kept as ${kept}.`,
    ...(donor
      ? [
          `GS’s coordinates for BS are the donor’s recorded point (step 3); the coordinates mariadb-backup writes of the donor’s source (xtrabackup_slave_info) must be the same, or the run stops before BS is touched. The copy carries no replica configuration of the donor’s (mariadb-backup copies no master.info or relay-log.info): BS replicates only once step 6 configures it, and keeps its own server_id (checked after the swap).`,
        ]
      : []),
    // MDEV-15393 (https://jira.mariadb.org/browse/MDEV-15393): a gtid_slave_pos table whose sub_ids lie past the
    // server's counter collides later. A server reads the table when it starts (https://mariadb.com/kb/en/mysqlgtid_slave_pos-table/,
    // MDEV-12179: https://github.com/MariaDB/server/commit/d3837c69a2), and BS starts on the copied table: no collision
    // (measured: test/integration/server-state-paths.test.ts). The proof checks the table against BS's position.
    `BS’s mysql.gtid_slave_pos becomes ${donor ? 'the donor’s' : 'GS’s'} table with the data files; BS starts on it and reads its GTID counter from it, so the sub_ids it writes next lie past ${donor ? 'the donor’s' : 'GS’s'} rows${gtid ? '; step 6 sets gtid_slave_pos to GS’s position' : ''}.`,
  ];
  return { actions, notes };
}

/** The donor's slave info read from the copy and checked against the point step 3 recorded: GS's coordinates stay those. */
function slaveInfoAction(bsHost: HostAccess, incoming: string, donor: string): Action {
  return {
    kind: 'host',
    role: 'BS',
    host: bsHost,
    // 10.11 writes xtrabackup_slave_info; later releases mariadb_backup_slave_info.
    command: cmd(['sh', '-c', 'cat "$1"/mariadb_backup_slave_info 2>/dev/null || cat "$1"/xtrabackup_slave_info', 'sh', incoming]),
    timeoutSeconds: 60,
    note: 'the donor’s coordinates of GS as mariadb-backup saw them: must be the point step 3 recorded',
    capture: (out, state) => {
      const at = state.donor?.at;
      if (!at)
        throw new StepFailed('internal: no recorded point of the donor to check the copy against', 4, 'Run again with --resume: it restarts from step 3.');
      const why = slaveInfoMismatch(parseSlaveInfo(out), at, state.donor?.slavePos);
      if (why)
        throw new StepFailed(
          `the backup of the donor ${donor} is not of the point step 3 recorded: ${why}. BS was not touched`,
          4,
          'Check that nothing started the donor’s SQL thread during the copy, then run again with --resume: it freezes the donor anew and copies again from step 3.',
        );
    },
  };
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
