// The post-incident report as a value, built from a run's journal alone (finished, failed, declined or interrupted):
// who ran what and when, against which servers, each step with what it ran, how it ended and how long it took, the
// coordinates, the proof, what only BS held and where it was kept, and the spans for the timeline. Pure: the CLI
// reads the journal and writes the files; the renderers (render.ts, timeline.ts) turn this value into text.
import { describeBsOnly } from '../recovery/bs-only-text.js';
import { unverifiedText, type Coordinates, type Verification } from '../recovery/state.js';
import type { Invocation, JournalData, JournalStep } from '../engine/journal.js';
import { STEP_HEADINGS } from '../recovery/step-headings.js';
import { DONOR_POINT, donorCopyText } from '../recovery/donor-text.js';
import { METHOD_TRAITS } from '../config/copy-methods.js';

export type ReportStepStatus = 'done' | 'failed' | 'interrupted' | 'declined' | 'not run' | 'running';

export interface ReportStep {
  id: number;
  title: string;
  on: string;
  status: ReportStepStatus;
  startedAt?: string;
  endedAt?: string;
  /** Milliseconds, when the step ran (a failed step: until it stopped). */
  ms?: number;
  /** What the step showed before it ran. */
  plan: Array<{ role: string; text: string; note?: string }>;
  /** What it ran, in order, as it ran (passwords masked by the journal). */
  executed: Array<{ role: string; text: string; mode: string; at: string }>;
}

export interface ReportSpan {
  from: string;
  to: string;
  seconds: number;
}

export interface Report {
  kind: 'mmrecover-report';
  version: 1;
  runId: string;
  journal?: string;
  outcome: 'completed' | 'failed' | 'interrupted' | 'declined' | 'unfinished';
  stopped?: { step: number; reason: string };
  startedAt: string;
  endedAt: string;
  seconds: number;
  method: string;
  invocations: Invocation[];
  servers: Record<'GS' | 'BS', { address: string; serverId: number; version: string }>;
  /**
   * --donor: the replica of GS the copy read instead of GS (role R), where its SQL thread stopped (GS's coordinates for
   * BS), and the sentences the report shows. Absent when the copy read GS.
   */
  donor?: { address: string; serverId: number; version: string; at?: Coordinates; text: string; coordinatesFrom: string };
  steps: ReportStep[];
  coordinates: { gs?: Coordinates; bs?: Coordinates; positioning?: string };
  verification: { made: boolean; result?: Verification; text: string };
  bsOnly: { text: string; kept: Array<{ what: string; file: string }>; skipped: boolean };
  gsLocks: ReportSpan[];
  /** Absent when the journal does not record the lock (written by an older mmrecover). */
  gsLockedSeconds?: number;
  copies: Array<ReportSpan & { bytes?: number; complete: boolean; rateBytesPerSecond?: number }>;
  bsOutOfService?: ReportSpan;
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

function stepStatus(s: JournalStep, d: JournalData): ReportStepStatus {
  if (s.status === 'done') return 'done';
  if (s.status === 'pending') return 'not run';
  if (d.stoppedAt?.step === s.id && d.outcome && d.outcome !== 'completed') return d.outcome === 'failed' ? 'failed' : d.outcome;
  return s.status === 'failed' ? 'failed' : 'running';
}

export function buildReport(d: JournalData, opts: { journal?: string } = {}): Report {
  const endedAt = d.updatedAt;
  const byId = new Map(d.steps.map((s) => [s.id, s]));
  const steps: ReportStep[] = STEP_HEADINGS.map((def) => {
    const s = byId.get(def.id) ?? { id: def.id, title: def.title, status: 'pending' as const, plan: [], executed: [] };
    const status = stepStatus(s, d);
    const end = s.endedAt ?? (s.startedAt && status !== 'not run' ? endedAt : undefined);
    const ms = s.ms ?? (s.startedAt && end ? Math.round(seconds(s.startedAt, end) * 1000) : undefined);
    return {
      id: def.id,
      title: s.title,
      on: s.on ?? def.on,
      status,
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(end && s.startedAt ? { endedAt: end } : {}),
      ...(ms !== undefined ? { ms } : {}),
      plan: s.plan.map((l) => ({ role: l.role, text: l.text, ...(l.note ? { note: l.note } : {}) })),
      executed: s.executed.map((x) => ({ role: x.role, text: x.text, mode: x.mode, at: x.at })),
    };
  });
  const span = (x: { from: string; to?: string }): ReportSpan => ({ from: x.from, to: x.to ?? endedAt, seconds: seconds(x.from, x.to ?? endedAt) });
  const gsLocks = (d.gsLocks ?? []).map(span);
  const copies = (d.copies ?? []).map((c) => {
    const sp = span(c);
    return {
      ...sp,
      ...(c.bytes !== undefined ? { bytes: c.bytes } : {}),
      complete: c.complete ?? false,
      ...(c.bytes !== undefined && sp.seconds > 0 ? { rateBytesPerSecond: Math.round(c.bytes / sp.seconds) } : {}),
    };
  });
  const first = steps.find((s) => s.id === 1)?.startedAt;
  const last = steps.find((s) => s.id === STEP_HEADINGS.length);
  const st = d.state;
  const v = st.verification;
  const stepTen = steps.find((s) => s.id === 10);
  const verificationText = v
    ? v.verified
      ? `verified${unverifiedText(v) ? ' in part' : ''}: both directions carry data${v.markerGsToBs !== undefined ? ' (marker rows crossed both ways)' : ''} and ${v.tablesCompared} tables match${unverifiedText(v) ? `; ${unverifiedText(v)}; continue with: ${v.verifyCommand ?? 'mmrecover verify'}` : ''}`
      : `NOT verified: caught up ${v.caughtUp ? 'yes' : 'no'}; ${v.mismatched.length} of ${v.tablesCompared} tables differ${v.mismatched.length ? `: ${v.mismatched.join(', ')}` : ''}`
    : stepTen?.status === 'done'
      ? 'not made (--no-verify)'
      : 'not made: the run did not reach the proof (step 10)';
  const k = st.backup;
  const kept: Array<{ what: string; file: string }> = [];
  if (k?.rows) kept.push({ what: `rows only on BS (${k.rows.inserts}) and rows that differ (${k.rows.replaces}), to replay`, file: k.rows.file });
  if (k?.events) kept.push({ what: `BS’s own events (${k.events.transactions} transactions) as replayable SQL`, file: k.events.file });
  if (k?.dump) kept.push({ what: `BS’s data before the copy (${k.dump.schemas.join(', ')})`, file: k.dump.file });
  for (const t of k?.tables ?? [])
    kept.push({ what: `BS’s tables kept whole (no comparison by key): ${t.names.map((n) => `${t.schema}.${n}`).join(', ')}`, file: t.file });
  return {
    kind: 'mmrecover-report',
    version: 1,
    runId: d.runId,
    ...(opts.journal ? { journal: opts.journal } : {}),
    outcome: d.finished && d.outcome === 'completed' ? 'completed' : (d.outcome ?? 'unfinished'),
    ...(d.stoppedAt ? { stopped: d.stoppedAt } : {}),
    startedAt: d.startedAt,
    endedAt,
    seconds: seconds(d.startedAt, endedAt),
    method: d.method,
    invocations: d.invocations ?? [],
    servers: {
      GS: { address: `${d.servers.GS.host}:${d.servers.GS.port}`, serverId: d.servers.GS.serverId, version: d.servers.GS.version },
      BS: { address: `${d.servers.BS.host}:${d.servers.BS.port}`, serverId: d.servers.BS.serverId, version: d.servers.BS.version },
    },
    ...(d.servers.R
      ? {
          donor: {
            address: `${d.servers.R.host}:${d.servers.R.port}`,
            serverId: d.servers.R.serverId,
            version: d.servers.R.version,
            ...(st.donor?.at ? { at: st.donor.at } : {}),
            text: donorCopyText(`${d.servers.R.host}:${d.servers.R.port}`, METHOD_TRAITS[d.method].locksGs, 'did'),
            coordinatesFrom: DONOR_POINT,
          },
        }
      : {}),
    steps,
    coordinates: { gs: st.gsCoords, bs: st.bsCoords, positioning: st.positioning },
    verification: { made: Boolean(v), ...(v ? { result: v } : {}), text: verificationText },
    bsOnly: {
      text: st.bsOnly ? describeBsOnly(st.bsOnly) : 'not measured (the run stopped before the preflight recorded it)',
      kept,
      skipped: Boolean(k?.skipped),
    },
    gsLocks,
    ...(d.gsLocks ? { gsLockedSeconds: gsLocks.reduce((t, x) => t + x.seconds, 0) } : {}),
    copies,
    ...(first ? { bsOutOfService: span({ from: first, to: last?.endedAt }) } : {}),
  };
}
