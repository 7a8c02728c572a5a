// Preflight of --method physical: read-only checks on the servers' hosts (here, or over ssh), each a line with a
// verdict; any STOP ends the run before either server is touched. Also made in --dry-run: nothing here writes.
import { posix } from 'node:path';
import { describeHost, type HostAccess } from '../../adapters/shell/host-exec.js';
import { versionLabel, type ServerVersion } from '../../dialect/version.js';
import { formatBytes } from '../../base/format.js';
import { reachable, type RecoveryContext } from '../context.js';
import type { FileRole } from '../actions.js';
import { sourceRead } from '../donor.js';
import type { Check, Verdict } from '../events.js';
import { dataSizeBytes } from '../compare.js';
import { copyMethod } from '../copy-method.js';
import { cloneChecks } from './clone.js';
import { BACKUP_PROGRAM, STREAM_PROGRAM, bsDatadir, bsServiceCommands, hostAccess } from './plan.js';

/** "mariadb-backup based on MariaDB server 10.11.19-MariaDB debian-linux-gnu" → 10.11.19. */
export function parseBackupVersion(text: string): { major: number; minor: number; patch: number } | undefined {
  const m = /(?:server|Ver)\s+(\d+)\.(\d+)\.(\d+)/i.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/**
 * mariadb-backup must come from the server's own release series: "mariadb-backup … is only guaranteed to work with the
 * same server version" (https://mariadb.com/kb/en/mariadb-backup-overview/#compatibility-of-mariadb-backup-releases-with-mariadb-server-releases).
 * Same major.minor is required; another patch release is a warning.
 */
export function backupVersionVerdict(tool: { major: number; minor: number; patch: number }, server: ServerVersion): { verdict: Verdict; detail: string } {
  const t = `${tool.major}.${tool.minor}.${tool.patch}`;
  if (tool.major !== server.major || tool.minor !== server.minor)
    return {
      verdict: 'stop',
      detail: `${BACKUP_PROGRAM} ${t} cannot copy ${versionLabel(server)}: install the ${server.major}.${server.minor} release of ${BACKUP_PROGRAM}`,
    };
  if (tool.patch !== server.patch)
    return { verdict: 'warn', detail: `${BACKUP_PROGRAM} ${t} against ${versionLabel(server)}: another patch release; the same one is safest` };
  return { verdict: 'ok', detail: `${BACKUP_PROGRAM} ${t} matches ${versionLabel(server)}` };
}

const BOUND_MS = 20_000;

export async function physicalChecks(ctx: RecoveryContext): Promise<Check[]> {
  if (copyMethod(ctx).coordinatesFrom === 'clone') return cloneChecks(ctx);
  if (copyMethod(ctx).coordinatesFrom !== 'backup') return [];
  const checks: Check[] = [];
  const add = (verdict: Verdict, check: string, detail: string) => checks.push({ verdict, check, detail });
  const s = ctx.settings;
  const gsVersion = ctx.dialect.GS.version;
  if (gsVersion.flavor !== 'mariadb' || ctx.dialect.BS.version.flavor !== 'mariadb') {
    add('stop', 'physical copy', `--method physical copies with ${BACKUP_PROGRAM}, for MariaDB only; on MySQL 8.0.17+ use --method clone`);
    return checks;
  }
  const service = bsServiceCommands(s);
  if (!service) add('stop', 'BS stop/start', 'give --bad-service <unit>, or --bad-stop-command and --bad-start-command: BS is restarted on the copy');
  if (!reachable(ctx, 'GS') || !reachable(ctx, 'BS')) {
    add('not-made', 'physical copy hosts', s.assume ? `not made: --assume ${s.assume} reaches no host` : 'not made: a server did not answer');
    return checks;
  }
  // --donor: the backup runs on R's host, of R's datadir; GS's host is not used (GS is not read).
  const donor = copyMethod(ctx).fromDonor && ctx.donor?.identity ? ctx.donor : undefined;
  if (copyMethod(ctx).fromDonor && !donor) {
    add('not-made', 'physical copy hosts', 'not made: the donor R did not answer');
    return checks;
  }
  const src: FileRole = donor ? 'R' : 'GS';
  const srcVersion = donor ? donor.dialect.version : gsVersion;
  if (donor && donor.dialect.version.flavor !== 'mariadb') {
    add('stop', 'physical copy', `--method physical copies with ${BACKUP_PROGRAM}, for MariaDB only: the donor is not MariaDB`);
    return checks;
  }
  const hosts: Record<FileRole, HostAccess> = { GS: hostAccess(s, 'GS'), BS: hostAccess(s, 'BS'), R: hostAccess(s, 'R') };
  const bounded = { timeoutMs: BOUND_MS, secrets: [s.password] };
  const roles: FileRole[] = [src, 'BS'];
  // ssh logs in (keys or an agent: BatchMode never asks).
  const up: Record<FileRole, boolean> = { GS: true, BS: true, R: true };
  for (const role of roles) {
    const h = hosts[role];
    if (h.kind !== 'ssh') continue;
    const r = await ctx.host.check(h, ['true'], bounded).catch((err: Error) => err);
    up[role] = !(r instanceof Error);
    add(up[role] ? 'ok' : 'stop', `${role} ssh`, r instanceof Error ? r.message : `${describeHost(h)} logs in (BatchMode)`);
  }
  // The program on each host, from the copied server's release series: the source's copies, BS's prepares the copy.
  for (const role of roles) {
    if (!up[role]) continue;
    const r = await ctx.host.run(hosts[role], [BACKUP_PROGRAM, '--version'], bounded).catch((err: Error) => err);
    const v = r instanceof Error || r.code !== 0 ? undefined : parseBackupVersion(`${r.stdout}\n${r.stderr}`);
    if (!v) add('stop', `${role} ${BACKUP_PROGRAM}`, `not found on ${describeHost(hosts[role])}: apt-get install -y mariadb-backup (the server's own release)`);
    else {
      const { verdict, detail } = backupVersionVerdict(v, srcVersion);
      add(verdict, `${role} ${BACKUP_PROGRAM}`, `${detail} (${describeHost(hosts[role])})`);
    }
  }
  if (up.BS) {
    const r = await ctx.host.run(hosts.BS, ['sh', '-c', `command -v ${STREAM_PROGRAM}`], bounded).catch(() => undefined);
    add(
      r?.code === 0 ? 'ok' : 'stop',
      `BS ${STREAM_PROGRAM}`,
      r?.code === 0 ? r.stdout.trim() : `not found on ${describeHost(hosts.BS)} (it comes with mariadb-backup)`,
    );
  }
  // Each datadir is where its commands run: the source's readable there, BS's there to be swapped.
  const srcDatadir = ((donor ? donor.identity?.datadir : ctx.identity.GS?.datadir) ?? '').replace(/\/+$/, '');
  if (up[src]) {
    const h = hosts[src];
    const flag = donor ? '--donor-ssh' : '--good-ssh';
    const r = await ctx.host.run(h, ['test', '-r', srcDatadir], bounded).catch(() => undefined);
    const missing = r?.code !== 0 && h.kind === 'local';
    checks.push({
      verdict: r?.code === 0 ? 'ok' : 'stop',
      check: `${src} datadir`,
      detail:
        r?.code === 0
          ? `${srcDatadir} readable on ${describeHost(h)}`
          : `${srcDatadir} is not readable on ${describeHost(h)}${missing ? `: is ${donor ? 'the donor R' : 'GS'} on this machine? Otherwise give ${flag} [user@]host` : ''}`,
      // No way to reach the donor's host: a flag is missing (exit 2, nothing changed).
      ...(missing && donor ? { missingFlag: flag } : {}),
    });
  }
  const datadir = bsDatadir(ctx);
  const parent = posix.dirname(datadir);
  if (up.BS) {
    const r = await ctx.host.run(hosts.BS, ['test', '-d', datadir], bounded).catch(() => undefined);
    add(
      r?.code === 0 ? 'ok' : 'stop',
      'BS datadir',
      r?.code === 0
        ? `${datadir} on ${describeHost(hosts.BS)}`
        : `${datadir} is not on ${describeHost(hosts.BS)}${hosts.BS.kind === 'local' ? ': is BS on this machine? Otherwise give --bad-ssh' : ''}`,
    );
    // A full copy beside the datadir, which is kept: df in KB blocks, POSIX output.
    const need = await dataSizeBytes(sourceRead(ctx)).catch(() => 0);
    const df = await ctx.host.check(hosts.BS, ['df', '-Pk', parent], bounded).catch(() => undefined);
    const avail = df ? Number(df.stdout.trim().split('\n').pop()?.split(/\s+/)[3]) * 1024 : NaN;
    if (!Number.isFinite(avail)) add('warn', 'BS space for the copy', `could not read free space in ${parent}; the copy needs about ${formatBytes(need)}`);
    else
      add(
        avail < need * 1.2 ? 'stop' : 'ok',
        'BS space for the copy',
        `${formatBytes(avail)} free in ${parent}; the copy of ${donor ? 'the donor R' : 'GS'} needs about ${formatBytes(need)} beside BS’s datadir, which is kept`,
      );
    // The stop and start commands exist there (their first word, or the systemd unit).
    if (service)
      for (const [what, c] of [
        ['stop', service.stop],
        ['start', service.start],
      ] as const) {
        const probe = s.badService ? ['systemctl', 'cat', '--', s.badService] : ['sh', '-c', `command -v ${(c.args[1] ?? '').trim().split(/\s+/)[0] || 'sh'}`];
        const r = await ctx.host.run(hosts.BS, probe, bounded).catch(() => undefined);
        const shown = s.badService ? `${c.program} ${c.args.join(' ')}` : (c.args[1] ?? '');
        add(
          r?.code === 0 ? 'ok' : 'stop',
          `BS ${what} command`,
          `${shown}${r?.code === 0 ? ' (found' : ': not found'} on ${describeHost(hosts.BS)}${r?.code === 0 ? ')' : ''}`,
        );
      }
  }
  return checks;
}
