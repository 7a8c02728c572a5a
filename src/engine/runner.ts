// The step engine: connects, runs the preflight, walks the plan through an executor, asks before destructive
// steps, journals after every step, and on any failure or interrupt releases GS first, then says where it stopped.
import { ServerSession } from '../adapters/mysql/session.js';
import { endpointFor } from '../config/endpoints.js';
import type { Settings } from '../config/settings.js';
import { dialectFor } from '../dialect/dialect.js';
import { parseVersion, versionLabel } from '../dialect/version.js';
import { CONFIRMED_BY, STEPS, type Step } from '../recovery/procedure.js';
import { renderChecks, runPreflight } from '../recovery/preflight.js';
import type { Prompter } from '../cli/ui/prompter.js';
import type { Reporter } from '../cli/ui/reporter.js';
import { formatDuration } from '../base/format.js';
import type { RecoveryContext, Role } from '../recovery/context.js';
import { DryRunExecutor, LiveExecutor, type ExecutedRecord } from './executor.js';
import { Interrupted, StepFailed, UsageError, exitCodeOf } from '../base/errors.js';
import { Journal, defaultJournalPath, type ServerFingerprint } from './journal.js';
import { describeStop, resumeCommand } from './stop-report.js';
import { refence } from '../recovery/steps/s01-isolate.js';

/** Statements shown in an offline dry run use this dialect (the servers did not answer to tell theirs). */
const OFFLINE_VERSION = parseVersion('10.11.0-MariaDB');

export interface RunDeps {
  settings: Settings;
  ui: Reporter;
  prompter: Prompter;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Test hook: called after each step completes. */
  afterStep?: (id: number) => Promise<void> | void;
}

export interface RunOutcome {
  exitCode: number;
  journalPath?: string;
  executed: ExecutedRecord[];
  ctx?: RecoveryContext;
}

async function connectBoth(settings: Settings, dryRun: boolean, ui: Reporter): Promise<{ gs?: ServerSession; bs?: ServerSession }> {
  const opts = { connectTimeoutMs: settings.connectTimeout * 1000 };
  const [gs, bs] = await Promise.allSettled([ServerSession.connect(endpointFor(settings, 'GS'), opts), ServerSession.connect(endpointFor(settings, 'BS'), opts)]);
  const failed = [gs, bs].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length && !dryRun) {
    for (const r of [gs, bs]) if (r.status === 'fulfilled') await r.value.close();
    throw new StepFailed(failed.map((f) => (f.reason as Error).message).join('\n'), 0, 'Nothing was changed. Check the address, the account and MMRECOVER_PASSWORD, then run again.');
  }
  for (const f of failed) ui.warn(`${(f.reason as Error).message} — dry run goes on with placeholders.`);
  return { gs: gs.status === 'fulfilled' ? gs.value : undefined, bs: bs.status === 'fulfilled' ? bs.value : undefined };
}

function fingerprint(s: ServerSession, hp: { host: string; port: number }): ServerFingerprint {
  return { host: hp.host, port: hp.port, serverId: s.identity.serverId, serverUuid: s.identity.serverUuid, version: s.identity.version.raw };
}

export async function runRecovery(deps: RunDeps): Promise<RunOutcome> {
  const { settings, ui, prompter, signal } = deps;
  const dry = settings.dryRun;
  const executed: ExecutedRecord[] = [];
  ui.event('run_start', { mode: dry ? 'dry-run' : 'live', method: settings.method, good: settings.good, bad: settings.bad, resume: settings.resume });
  ui.heading(`mmrecover ${dry ? 'DRY RUN (nothing will be changed)' : 'recovery'}: rebuild BS ${settings.bad.host}:${settings.bad.port} from GS ${settings.good.host}:${settings.good.port}`);

  const journalPath = settings.journal ?? defaultJournalPath(deps.env, settings.good, settings.bad);
  let journal: Journal | undefined;
  if (!dry) {
    if (settings.resume) {
      journal = Journal.load(journalPath);
      if (journal.data.finished) throw new UsageError(`--resume: the run in ${journalPath} already finished (${journal.data.outcome}); there is nothing to resume`);
    } else if (!settings.resume) {
      const existing = (() => {
        try {
          return Journal.load(journalPath);
        } catch {
          return undefined;
        }
      })();
      // A run that stopped before changing anything (a No at the first question) does not block a fresh start.
      const changedSomething = existing?.data.steps.some((st) => st.status === 'done' || st.statements.some((x) => x.mode === 'run'));
      if (existing && !existing.data.finished && changedSomething)
        throw new UsageError(
          `an unfinished recovery of this pair stopped at step ${existing.data.stoppedAt?.step ?? '?'} (journal ${journalPath}); continue it with --resume, or delete that file to start over`,
        );
    }
  }

  const sessions = await connectBoth(settings, dry, ui);
  const record = (r: ExecutedRecord) => {
    executed.push(r);
    if (journal && current) journal.step(current.id).statements.push({ ...r, at: new Date().toISOString() });
  };
  const execDeps = { sessions: { GS: sessions.gs, BS: sessions.bs }, ui, record };
  const ctx: RecoveryContext = {
    settings,
    gs: sessions.gs,
    bs: sessions.bs,
    gsDialect: sessions.gs?.dialect ?? dialectFor(OFFLINE_VERSION),
    bsDialect: sessions.bs?.dialect ?? dialectFor(OFFLINE_VERSION),
    exec: dry ? new DryRunExecutor(execDeps) : new LiveExecutor(execDeps),
    ui,
    prompter,
    state: { fence: [], killed: [] },
    signal,
    journalPath,
  };
  let current: Step | undefined;
  const closeAll = async () => {
    ctx.lock?.releaseNow();
    await Promise.all([sessions.gs?.close(), sessions.bs?.close()]);
  };

  try {
    for (const [role, s] of [
      ['GS', sessions.gs],
      ['BS', sessions.bs],
    ] as Array<[Role, ServerSession | undefined]>) {
      ui.info(`  ${role} ${role === 'GS' ? settings.good.host : settings.bad.host}:${role === 'GS' ? settings.good.port : settings.bad.port}: ${s ? `${versionLabel(s.identity.version)}, server_id ${s.identity.serverId}` : `not reachable; statements shown for ${versionLabel(OFFLINE_VERSION)} with placeholders`}`);
    }

    ui.heading('Preflight (read-only)');
    const checks = await runPreflight(ctx);
    renderChecks(ctx, checks);
    const stops = checks.filter((c) => c.verdict === 'stop');
    if (stops.length && !dry) throw new StepFailed(`preflight: ${stops.map((c) => `${c.check}: ${c.detail}`).join('; ')}`, 0, 'Nothing was changed. Fix the lines marked STOP and run again.');
    if (stops.length) ui.warn(`A real run would stop here (${stops.length} STOP line(s)); the dry run goes on to show the plan.`);

    let startAt = 1;
    if (journal) {
      checkSameServers(journal.data.servers, sessions.gs!, sessions.bs!, journalPath);
      // The journal's positioning wins: a resumed run must finish the path it started on.
      ctx.state = { ...journal.data.state, positioning: journal.data.state.positioning ?? ctx.state.positioning, fence: journal.data.state.fence ?? [], killed: journal.data.state.killed ?? [] };
      startAt = firstIncompleteStep(journal);
      journal.data.finished = false;
      journal.data.outcome = undefined;
      journal.data.stoppedAt = undefined;
      ui.heading(`Resuming from step ${startAt} (journal ${journalPath})`);
      // BS may have restarted since (read_only is not persistent): put back the fence step 1 set up.
      if (startAt > 1 && startAt <= 11) await refence(ctx);
    } else if (!dry) {
      journal = Journal.create(journalPath, {
        method: settings.method,
        servers: { GS: fingerprint(sessions.gs!, settings.good), BS: fingerprint(sessions.bs!, settings.bad) },
        steps: STEPS.map((s) => ({ id: s.id, title: s.title, status: 'pending', statements: [] })),
        state: ctx.state,
      });
      ui.info(`  Journal: ${journalPath}`);
    }
    ui.event('journal', { path: dry ? null : journalPath });

    if (!dry) await showPlan(ctx, startAt);

    for (const step of STEPS.filter((s) => s.id >= startAt)) {
      if (signal.aborted) throw new Interrupted(`interrupted before step ${step.id}`);
      current = step;
      ui.heading(`Step ${step.id}/${STEPS.length} ${step.title} (${step.on})`);
      ui.event('step_start', { step: step.id, title: step.title });
      await confirmStep(ctx, step);
      const started = Date.now();
      if (journal) {
        Object.assign(journal.step(step.id), { status: 'running', startedAt: new Date().toISOString() });
        journal.data.state = ctx.state;
        journal.save();
      }
      await step.run(ctx);
      if (signal.aborted) throw new Interrupted(`interrupted during step ${step.id}`);
      const ms = Date.now() - started;
      if (journal) {
        Object.assign(journal.step(step.id), { status: 'done', endedAt: new Date().toISOString(), ms });
        journal.data.state = ctx.state;
        journal.save();
      }
      ui.event('step_end', { step: step.id, status: 'done', ms });
      await deps.afterStep?.(step.id);
    }
    current = undefined;
    if (journal) {
      journal.data.finished = true;
      journal.data.outcome = 'completed';
      journal.save();
    }
    printSummary(ctx, journal, dry);
    ui.event('result', { status: dry ? 'dry-run-complete' : 'recovered', verified: ctx.state.verification?.verified ?? null, gsCoords: ctx.state.gsCoords, bsCoords: ctx.state.bsCoords, journal: journal?.path ?? null });
    return { exitCode: 0, journalPath: journal?.path, executed, ctx };
  } catch (err) {
    // GS first: whatever went wrong, production must be able to write again at once.
    if (ctx.lock?.held) {
      await ctx.lock.release(ctx.exec).catch(() => ctx.lock?.releaseNow());
      ui.warn('GS read lock released: GS accepts writes again.');
    }
    ctx.lock = undefined;
    const reason = (err as Error).message;
    if (journal && current) {
      Object.assign(journal.step(current.id), { status: 'failed', endedAt: new Date().toISOString() });
      journal.data.stoppedAt = { step: current.id, reason };
      journal.data.outcome = err instanceof Interrupted ? (err.exitCode === 130 ? 'interrupted' : 'declined') : 'failed';
      journal.data.state = ctx.state;
      journal.save();
    }
    if (err instanceof UsageError) throw err;
    const code = exitCodeOf(err);
    const stoppedAt = current?.id ?? (err instanceof StepFailed ? err.stepId : undefined) ?? 0;
    describeStop(ctx, { stoppedAt, reason, next: err instanceof StepFailed ? err.nextAction : undefined, journalPath: journal?.path, resume: journal ? resumeCommand(settings, journal.path) : undefined });
    ui.event('result', { status: err instanceof Interrupted ? 'stopped' : 'failed', step: stoppedAt, reason, exitCode: code, journal: journal?.path ?? null });
    return { exitCode: code, journalPath: journal?.path, executed, ctx };
  } finally {
    await closeAll();
  }
}

/** Resume from the first step not known complete; a copy that did not finish restarts at step 3 (its lock is gone). */
export function firstIncompleteStep(j: Journal): number {
  const first = j.data.steps.find((s) => s.status !== 'done')?.id ?? STEPS.length + 1;
  return first === 4 || first === 5 ? 3 : first;
}

function checkSameServers(servers: { GS: ServerFingerprint; BS: ServerFingerprint }, gs: ServerSession, bs: ServerSession, path: string): void {
  const differs = (f: ServerFingerprint, s: ServerSession) => f.serverId !== s.identity.serverId || f.serverUuid !== s.identity.serverUuid;
  if (differs(servers.GS, gs) || differs(servers.BS, bs))
    throw new UsageError(`--resume: the journal ${path} belongs to other servers (GS server_id ${servers.GS.serverId}, BS server_id ${servers.BS.serverId}); refusing to continue it here`);
}

async function showPlan(ctx: RecoveryContext, startAt: number): Promise<void> {
  ctx.ui.heading('The plan');
  for (const step of STEPS.filter((s) => s.id >= startAt)) {
    ctx.ui.line(`  ${String(step.id).padStart(2)}. ${step.title} (${step.on})${step.question || CONFIRMED_BY.has(step.id) ? '' : ctx.ui.c.dim(' — no question: read-only')}`);
    for (const a of await step.plan(ctx)) ctx.ui.line(`        ${ctx.ui.c.bold(a.role)}> ${a.shown}${a.note ? ctx.ui.c.dim(`   -- ${a.note}`) : ''}`);
  }
  ctx.ui.event('plan', { steps: await Promise.all(STEPS.filter((s) => s.id >= startAt).map(async (s) => ({ step: s.id, title: s.title, actions: await s.plan(ctx) }))) });
}

async function confirmStep(ctx: RecoveryContext, step: Step): Promise<void> {
  const question = step.question?.(ctx);
  if (!question) return;
  const covered = [step.id, ...(step.confirms ?? [])];
  const actions = await (step.questionPlan ?? step.plan)(ctx);
  for (const a of actions) ctx.ui.line(`    ${ctx.ui.c.bold(a.role)}> ${a.shown}${a.note ? ctx.ui.c.dim(`   -- ${a.note}`) : ''}`);
  if (!ctx.exec.live) {
    ctx.ui.line(`  ${ctx.ui.c.yellow('would ask:')} ${question}`);
    return;
  }
  ctx.ui.event('question', { steps: covered, question });
  const yes = await ctx.prompter.confirm(question);
  ctx.ui.event('answer', { steps: covered, yes });
  if (!yes) throw new Interrupted(`you answered No before step ${step.id}`, 1);
}

function printSummary(ctx: RecoveryContext, journal: Journal | undefined, dry: boolean): void {
  const ui = ctx.ui;
  ui.heading(dry ? 'Dry run complete: nothing was changed.' : 'Recovery complete.');
  if (journal) {
    for (const s of journal.data.steps) ui.line(`  ${String(s.id).padStart(2)}. ${s.title.padEnd(64)} ${s.status}${s.ms !== undefined ? ` in ${formatDuration(s.ms / 1000)}` : ''}`);
  }
  const g = ctx.state.gsCoords;
  const b = ctx.state.bsCoords;
  if (g && g.position >= 0) ui.line(`  BS replicates from GS starting at ${g.file}:${g.position}`);
  if (b && b.position >= 0) ui.line(`  GS replicates from BS starting at ${b.file}:${b.position}`);
  if (ctx.state.copy) ui.line(`  Copy: ${ctx.state.copy.bytes} bytes in ${formatDuration(ctx.state.copy.seconds)}`);
  const k = ctx.state.backup;
  if (k?.events) ui.line(`  Kept BS’s own events (${k.events.transactions} transactions): ${k.events.file}`);
  if (k?.dump) ui.line(`  Kept BS’s data before the copy (${k.dump.schemas.join(', ')}): ${k.dump.file}`);
  if (k?.skipped) ui.line(ui.c.yellow('  What only BS held was not kept (--no-backup).'));
  const v = ctx.state.verification;
  if (v) ui.line(v.verified ? ui.c.green(`  VERIFIED: both directions carry data and ${v.tablesCompared} tables match.`) : ui.c.red(`  NOT VERIFIED: ${v.mismatched.join(', ')}`));
  else if (!dry) ui.line(ui.c.yellow('  Not verified (--no-verify).'));
  if (journal) ui.line(`  Journal: ${journal.path}`);
}
