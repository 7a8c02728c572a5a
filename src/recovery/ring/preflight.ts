// The ring's own preflight lines (read-only, also in a dry run): every member answered; the order given in --ring is
// the order the members replicate in (read from each member's replica status, said where it differs);
// log_slave_updates on every member (a ring relays every event); on MariaDB GTID, a distinct gtid_domain_id per member.
import type { ReplicaStatus } from '../../adapters/mysql/replication.js';
import { stmt } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import type { Check } from '../events.js';
import { mariadbGtid } from '../positioning.js';
import { identityOf, memberReplicaStatus } from './members.js';
import { addressOf, givenOrder, hostPortText, isRing, memberName, ringOrder, sourceOf, type RingMember } from '../ring-topology.js';

/** "GS 1, BS 2, D 3, E 4" */
const perMember = (values: Partial<Record<RingMember, number | undefined>>, order: RingMember[]) => order.map((m) => `${m} ${values[m] ?? '?'}`).join(', ');

/** The check lines; a ring line that cannot be made is said as not made. */
export async function ringChecks(ctx: RecoveryContext): Promise<Check[]> {
  const members = ctx.members;
  if (!isRing(members)) return [];
  const checks: Check[] = [];
  const order = ringOrder(members);
  const name = (m: RingMember) => memberName(members, m);
  // D and the members after it are read by the steps and the proof: a live run needs every one.
  const silent = order.filter((m) => m !== 'GS' && m !== 'BS' && !identityOf(ctx, m));
  if (silent.length) {
    checks.push({
      verdict: 'stop',
      check: 'ring members',
      detail: `${silent.map(name).join(', ')} did not answer: ${silent.includes('D') ? 'D must be stopped before the copy and caught up after it, and ' : ''}the proof reads every member`,
    });
    return checks;
  }
  const ids: Partial<Record<RingMember, number>> = Object.fromEntries(order.map((m) => [m, identityOf(ctx, m)?.serverId]));
  const known = Object.values(ids).filter((x): x is number => x !== undefined);
  checks.push(
    new Set(known).size !== known.length
      ? {
          verdict: 'stop',
          check: 'ring members',
          detail: `two members share a server_id (${perMember(ids, order)}): every master of a ring needs its own`,
        }
      : {
          verdict: 'ok',
          check: 'ring members',
          detail: `distinct server_ids (${perMember(ids, order)}; GS is BS's upstream, D its downstream)`,
        },
  );

  const reachableMembers = order.filter((m) => identityOf(ctx, m) !== undefined);
  const differs: string[] = [];
  const statuses: Partial<Record<RingMember, ReplicaStatus>> = {};
  for (const m of reachableMembers) {
    const source = sourceOf(members, m);
    let r: ReplicaStatus;
    try {
      r = statuses[m] = await memberReplicaStatus(ctx, ctx.read, m);
    } catch (err) {
      differs.push(`${name(m)}: replica status unreadable (${(err as Error).message})`);
      continue;
    }
    // A resumed run may find D pointed at GS: its catch-up (step 9) is the tool's own doing.
    const allowed: RingMember[] = ctx.settings.resume && m === 'D' ? [source, 'GS'] : [source];
    // The address as given, or the source's server_id (another name for the same host). Master_Server_Id is the
    // source last connected to: stale right after a CHANGE MASTER, so an address that matches wins.
    const matches = (src: RingMember) => {
      const want = addressOf(members, src);
      return (r.sourceHost === want.host && r.sourcePort === want.port) || (r.sourceServerId !== 0 && r.sourceServerId === ids[src]);
    };
    if (!r.configured) differs.push(`${name(m)} replicates from nothing (--ring says from ${name(source)})`);
    else if (!allowed.some(matches))
      differs.push(
        `${name(m)} replicates from ${r.sourceHost}:${r.sourcePort}${r.sourceServerId ? ` (server_id ${r.sourceServerId})` : ''}, but --ring says from ${name(source)}`,
      );
  }
  checks.push(
    differs.length
      ? { verdict: 'stop', check: 'ring order', detail: `${differs.join('; ')}: give --ring in replication order` }
      : {
          verdict: 'ok',
          check: 'ring order',
          detail: `${givenOrder(members).map(hostPortText).join(' → ')} → ${hostPortText(givenOrder(members)[0])}, as each member's replica status says`,
        },
  );

  // Every link but the broken one into BS must carry what it is sent: step 2 lets D apply all of BS's log, then waits
  // until BS's writes have gone round the ring to GS (a BS write that reached GS only after the copy would come back to
  // every member but BS, which skips its own server_id). A second broken link would stop the run there, after BS was
  // fenced. A resumed run finds D and GS stopped by the tool itself.
  if (!ctx.settings.resume) {
    let otherLinkStopped = false;
    for (const m of order) {
      const r = statuses[m];
      if (m === 'BS' || !r) continue;
      const applying = r.ioRunning !== 'No' && r.sqlRunning === 'Yes' && !r.lastSqlErrno;
      const what = `${name(m)} ${applying ? 'applies' : 'does not apply'} what ${m === 'D' ? 'BS' : name(sourceOf(members, m))} sends (IO ${r.ioRunning}, SQL ${r.sqlRunning}${r.lastSqlErrno ? `, SQL error ${r.lastSqlErrno}` : ''}${r.lastIoErrno ? `, IO error ${r.lastIoErrno}` : ''})`;
      const check = m === 'D' ? 'ring downstream' : 'ring link';
      if (applying) {
        if (m === 'D') checks.push({ verdict: 'ok', check, detail: what });
        continue;
      }
      if (m !== 'D') otherLinkStopped = true;
      const why =
        m === 'D'
          ? "D must apply all of BS's log before the copy"
          : "BS's writes that reached D must go round the ring to GS before the copy, or they would come back afterwards to every member but BS";
      checks.push({ verdict: 'stop', check, detail: `${what}: a second broken link; ${why}. Repair that link first (status --ring)` });
    }
    // Said only when every other link was read: a member not read is not said to apply anything.
    const others = order.filter((m) => m !== 'BS' && m !== 'D');
    if (!otherLinkStopped && others.every((m) => statuses[m]))
      checks.push({ verdict: 'ok', check: 'ring link', detail: `every other link applies what it is sent (${others.join(', ')})` });
  }

  const noRelay = reachableMembers.filter((m) => !identityOf(ctx, m)?.logSlaveUpdates);
  checks.push(
    noRelay.length
      ? {
          verdict: 'stop',
          check: 'ring relay',
          detail: `log_slave_updates is OFF on ${noRelay.map(name).join(', ')}: a ring needs every member to pass on what it applies`,
        }
      : { verdict: 'ok', check: 'ring relay', detail: 'log_slave_updates is ON on every member' },
  );

  if (ctx.dialect.GS.version.flavor === 'mysql')
    checks.push({
      verdict: 'warn',
      check: 'ring on MySQL',
      detail:
        'the ring’s extra statements follow the MySQL manual (START REPLICA UNTIL SOURCE_LOG_FILE/POS; IGNORE_SERVER_IDS left out under GTID, WL#10963) but were rehearsed against MariaDB only',
    });
  if (mariadbGtid(ctx)) {
    const domain = stmt('SELECT @@GLOBAL.gtid_domain_id AS d');
    const domains: Partial<Record<RingMember, number>> = {};
    for (const m of reachableMembers) domains[m] = Number((await ctx.read(m, domain))[0]?.d);
    const values = Object.values(domains);
    checks.push(
      new Set(values).size !== values.length
        ? {
            verdict: 'stop',
            check: 'gtid_domain_id',
            detail: `members share a gtid_domain_id (${perMember(domains, reachableMembers)}): MariaDB GTID in a ring needs a distinct one per master`,
          }
        : { verdict: 'ok', check: 'gtid_domain_id', detail: `distinct per member (${perMember(domains, reachableMembers)})` },
    );
  }
  return checks;
}
