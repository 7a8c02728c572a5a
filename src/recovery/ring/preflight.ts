// The ring's own preflight lines (read-only, also in a dry run): D answered; the order given in --ring is the order
// the members replicate in (read from each member's replica status, said where it differs); log_slave_updates on
// every member (a ring relays every event); on MariaDB GTID, a distinct gtid_domain_id per member.
import { parseReplicaStatus, type ReplicaStatus } from '../../adapters/mysql/replication.js';
import { stmt } from '../../dialect/statement.js';
import type { Member as AnyMember } from '../actions.js';

/** A ring's members (the donor R is a pair's, not a ring's). */
type Member = Exclude<AnyMember, 'R'>;
import type { RecoveryContext } from '../context.js';
import type { Check } from '../events.js';
import { mariadbGtid } from '../positioning.js';
import { hostPortText, type HostPort, type RingContext } from './topology.js';

/** Whom each connected member should replicate from, in a ring of three. */
const EXPECTED_SOURCE: Record<Member, Member> = { BS: 'GS', D: 'BS', GS: 'D' };

function addressOf(ctx: RecoveryContext, ring: RingContext, m: Member): HostPort {
  return ring.members[m === 'GS' ? ring.upstream : m === 'BS' ? ring.bad : ring.downstream];
}

async function statusOf(ctx: RecoveryContext, ring: RingContext, m: Member): Promise<ReplicaStatus> {
  if (m === 'D') return parseReplicaStatus(await ring.read(ring.dialect.showReplicaStatus()), ring.dialect);
  return parseReplicaStatus(await ctx.read(m, ctx.dialect[m].showReplicaStatus()), ctx.dialect[m]);
}

/** The check lines; a ring line that cannot be made is said as not made. */
export async function ringChecks(ctx: RecoveryContext): Promise<Check[]> {
  const ring = ctx.ring;
  if (!ring) return [];
  const checks: Check[] = [];
  const ids: Partial<Record<Member, number>> = { GS: ctx.identity.GS?.serverId, BS: ctx.identity.BS?.serverId, D: ring.identity?.serverId };
  const name = (m: Member) => `${m} ${hostPortText(addressOf(ctx, ring, m))}`;
  if (!ring.identity) {
    checks.push({
      verdict: 'stop',
      check: 'ring downstream',
      detail: `${name('D')} did not answer: it must be stopped before the copy and caught up after it`,
    });
    return checks;
  }
  const known = Object.values(ids).filter((x): x is number => x !== undefined);
  if (new Set(known).size !== known.length)
    checks.push({
      verdict: 'stop',
      check: 'ring members',
      detail: `two members share a server_id (GS ${ids.GS}, BS ${ids.BS}, D ${ids.D}): every master of a ring needs its own`,
    });
  else
    checks.push({
      verdict: 'ok',
      check: 'ring members',
      detail: `GS (BS's upstream) ${ids.GS ?? '?'}, BS ${ids.BS ?? '?'}, D (BS's downstream) ${ids.D}: distinct server_ids`,
    });

  const reachableMembers: Member[] = (['GS', 'BS', 'D'] as Member[]).filter((m) => m === 'D' || ctx.identity[m] !== undefined);
  const differs: string[] = [];
  let dStatus: ReplicaStatus | undefined;
  for (const m of reachableMembers) {
    const source = EXPECTED_SOURCE[m];
    let r: ReplicaStatus;
    try {
      r = await statusOf(ctx, ring, m);
      if (m === 'D') dStatus = r;
    } catch (err) {
      differs.push(`${name(m)}: replica status unreadable (${(err as Error).message})`);
      continue;
    }
    // A resumed run may find D pointed at GS: its catch-up (step 9) is the tool's own doing.
    const allowed = ctx.settings.resume && m === 'D' ? [source, 'GS' as Member] : [source];
    // The address as given, or the source's server_id (another name for the same host). Master_Server_Id is the
    // source last connected to: stale right after a CHANGE MASTER, so an address that matches wins.
    const matches = (src: Member) => {
      const want = addressOf(ctx, ring, src);
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
          detail: `${ring.members.map(hostPortText).join(' → ')} → ${hostPortText(ring.members[0])}, as each member's replica status says`,
        },
  );

  // Step 2 lets D apply all of BS's log before stopping it: a D that does not apply it (a second broken link) would
  // stop the run there, after BS was fenced. A resumed run finds D stopped by the tool itself.
  if (dStatus && !ctx.settings.resume) {
    const r = dStatus;
    const applying = r.ioRunning !== 'No' && r.sqlRunning === 'Yes' && !r.lastSqlErrno;
    checks.push(
      applying
        ? { verdict: 'ok', check: 'ring downstream', detail: `${name('D')} applies what BS sends (IO ${r.ioRunning}, SQL ${r.sqlRunning})` }
        : {
            verdict: 'stop',
            check: 'ring downstream',
            detail: `${name('D')} does not apply what BS sends (IO ${r.ioRunning}, SQL ${r.sqlRunning}${r.lastSqlErrno ? `, SQL error ${r.lastSqlErrno}` : ''}${r.lastIoErrno ? `, IO error ${r.lastIoErrno}` : ''}): a second broken link; D must apply all of BS's log before the copy. Repair that link first (status --ring)`,
          },
    );
  }

  const noRelay = reachableMembers.filter((m) => !(m === 'D' ? ring.identity?.logSlaveUpdates : ctx.identity[m as 'GS' | 'BS']?.logSlaveUpdates));
  checks.push(
    noRelay.length
      ? {
          verdict: 'stop',
          check: 'ring relay',
          detail: `log_slave_updates is OFF on ${noRelay.join(', ')}: a ring needs every member to pass on what it applies`,
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
    const domains: Partial<Record<Member, number>> = {};
    for (const m of reachableMembers) {
      const rows = m === 'D' ? await ring.read(domain) : await ctx.read(m, domain);
      domains[m] = Number(rows[0]?.d);
    }
    const values = Object.values(domains);
    checks.push(
      new Set(values).size !== values.length
        ? {
            verdict: 'stop',
            check: 'gtid_domain_id',
            detail: `members share a gtid_domain_id (GS ${domains.GS}, BS ${domains.BS}, D ${domains.D}): MariaDB GTID in a ring needs a distinct one per master`,
          }
        : { verdict: 'ok', check: 'gtid_domain_id', detail: `distinct per member (GS ${domains.GS}, BS ${domains.BS}, D ${domains.D})` },
    );
  }
  return checks;
}
