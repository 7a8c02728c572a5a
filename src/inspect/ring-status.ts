// `status --ring` and `check --ring`: every link of a ring of masters (each member replicates from the one before
// it, the first from the last) with its verdict, which member broke, and what to rebuild. The members are labelled
// A, B, C… in the order given; the same per-link judgement as a pair's directions (pair-status.ts).
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { describeEndpoint } from '../adapters/mysql/endpoint.js';
import { explainErrno, gatherDirection, gatherServer, type DirectionFacts, type Gathered, type ServerFacts, type Verdict } from './pair-status.js';

export interface RingRecommendation {
  /** The member to rebuild (its label) and its upstream, which the copy comes from. */
  bad: string;
  upstream: string;
  reasons: string[];
  caveats: string[];
  command?: string;
}

export interface RingStatus {
  checkedAt: string;
  members: Array<ServerFacts<string>>;
  /** Link i carries member i-1's changes to member i (the first from the last). */
  links: Array<DirectionFacts<string>>;
  /** The members whose incoming link is broken: they stopped applying what their upstream sends. */
  brokenMembers: string[];
  recommendation?: RingRecommendation;
  /** Where the order given differs from the order the members replicate in (then no link verdict can be trusted). */
  orderProblems: string[];
  notes: string[];
}

export const labelOf = (i: number): string => String.fromCharCode(65 + i);

export async function gatherRingStatus(
  endpoints: Endpoint[],
  opts: { connectTimeoutMs: number; recoverCommand?: (badIndex: number) => string },
): Promise<RingStatus> {
  const n = endpoints.length;
  const g: Array<Gathered<string>> = await Promise.all(
    endpoints.map((e, i) => gatherServer(labelOf(i), e, describeEndpoint({ host: e.host, port: e.port }), opts.connectTimeoutMs)),
  );
  try {
    const links = await Promise.all(g.map((replica, i) => gatherDirection(g[(i + n - 1) % n], replica, opts.connectTimeoutMs)));
    const status: RingStatus = { checkedAt: new Date().toISOString(), members: g.map((x) => x.facts), links, brokenMembers: [], orderProblems: [], notes: [] };
    for (const x of g) if (!x.facts.reachable) status.notes.push(`${x.facts.side} is unreachable (${x.facts.error}): its links cannot be judged`);
    // The order given must be the replication order: each member's replica status names its source.
    for (const [i, d] of links.entries()) {
      const src = g[(i + n - 1) % n].facts;
      const sid = g[i].replica?.sourceServerId;
      if (d.configured && sid && src.serverId !== undefined && sid !== src.serverId)
        status.orderProblems.push(`${d.replica} replicates from server_id ${sid} (${d.sourceAddress}), not from ${d.source} (server_id ${src.serverId})`);
      if (g[i].facts.reachable && g[i].facts.logSlaveUpdates === false)
        status.notes.push(`${d.replica} has log_slave_updates OFF: it does not pass on what it applies, so the ring is not closed`);
    }
    if (status.orderProblems.length) status.notes.push(`${status.orderProblems.join('; ')}: give --ring in replication order`);
    const broken = links.filter((d) => d.verdict === 'broken');
    status.brokenMembers = broken.map((d) => d.replica);
    if (broken.length === 1) {
      const d = broken[0];
      const i = links.indexOf(d);
      const caveats: string[] = [];
      if (!d.sqlError && d.ioError)
        caveats.push(`only ${d.replica}'s IO thread failed: fixing the connection or the replication account may be enough, without a rebuild`);
      if (!d.sqlError && !d.ioError) caveats.push(`no error was recorded: if ${d.replica}'s data are intact, START SLAVE on ${d.replica} may be enough`);
      status.recommendation = {
        bad: d.replica,
        upstream: d.source,
        reasons: [
          `${d.replica} stopped applying what ${d.source} sends: ${d.reason}`,
          `${labelOf((i + 1) % n)} received nothing from ${d.replica} since; every other link runs (${links
            .filter((x) => x !== d)
            .map((x) => `${x.name} ${x.verdict}`)
            .join(', ')})`,
        ],
        caveats,
        command: opts.recoverCommand?.(i),
      };
    } else if (broken.length > 1) {
      // Evidence for each broken member: the error its incoming link stopped on.
      const evidence = broken.map(
        (d) =>
          `${d.replica}: ${d.sqlError ? `error ${d.sqlError.errno}${explainErrno(d.sqlError.errno) ? ` (${explainErrno(d.sqlError.errno)})` : ''}` : d.reason}`,
      );
      // A member can be rebuilt from its upstream only if that upstream is intact (its own incoming link runs: the
      // copy would otherwise lack what the upstream stopped receiving) and its downstream still applies what it sends
      // (the recovery first lets the downstream drain it).
      const candidate = broken.find((d) => {
        const i = links.indexOf(d);
        return links[(i + n - 1) % n].verdict !== 'broken' && links[(i + 1) % n].verdict !== 'broken';
      });
      if (candidate) {
        const i = links.indexOf(candidate);
        status.recommendation = {
          bad: candidate.replica,
          upstream: candidate.source,
          reasons: [
            `${broken.length} links are broken: ${broken.map((d) => d.name).join(', ')}`,
            ...evidence,
            `rebuild ${candidate.replica} from ${candidate.source} first: ${candidate.source} still receives from its own upstream, and ${labelOf((i + 1) % n)} still applies what ${candidate.replica} sends; then look again`,
          ],
          caveats: [`rebuilding ${candidate.replica} discards what only it holds; the other broken members stay broken until recovered in turn`],
          command: opts.recoverCommand?.(i),
        };
      } else
        status.notes.push(
          `${broken.length} links are broken (${broken.map((d) => d.name).join(', ')}; ${evidence.join('; ')}): no member can be rebuilt from an intact upstream while its downstream still applies what it sends, so no single recover --ring restores this ring; repair one link first (a link stopped without an error may only need START REPLICA), then look again`,
        );
    }
    return status;
  } finally {
    await Promise.all(g.map((x) => x.session?.close()));
  }
}

/** The worst link verdict; a ring given out of order is unknown (its links are not the ones named). */
export function worstRingVerdict(s: RingStatus): Verdict {
  const order: Verdict[] = ['healthy', 'lagging', 'broken', 'unknown'];
  if (s.orderProblems.length) return 'unknown';
  return s.links.map((d) => d.verdict).reduce((w, v) => (order.indexOf(v) > order.indexOf(w) ? v : w), 'healthy' as Verdict);
}
