// The step engine: connects, runs the preflight, then walks the procedure: for each step it takes the plan the step
// computes, shows it, asks the step's question, hands the very same actions to the executor and journals what ran.
// On any failure or interrupt it releases GS first, then says where it stopped. It knows no step by number.
import { setTimeout as delay } from 'node:timers/promises';
import { ServerSession } from '../adapters/mysql/session.js';
import { RunLock, RunLockHeld, runLockName } from '../adapters/mysql/run-lock.js';
import { assumedClients, findClients, type Clients } from '../adapters/shell/clients.js';
import type { Settings } from '../config/settings.js';
import { dialectFor } from '../dialect/dialect.js';
import { parseAssumedVersion, parseClientChoice, parseVersion, versionLabel } from '../dialect/version.js';
import { Declined, Interrupted, StepFailed, UsageError, exitCodeOf } from '../base/errors.js';
import { renderAction, type Member } from '../recovery/actions.js';
import type { RecoveryContext } from '../recovery/context.js';
import type { Check, Emit, RunEvent, StepSummary } from '../recovery/events.js';
import { closeSpans, spanSeconds, trackSpans } from './spans.js';
import { shellQuote } from '../config/shell-quote.js';
import { STEPS, confirmedBy, refencePlan, resumeAt, type Step, type StepPlan } from '../recovery/procedure.js';
import { procedureFor, type Procedure } from '../recovery/procedure-for.js';
import { donorHeader } from '../recovery/donor.js';
import { emptyState } from '../recovery/state.js';
import { Executor, type Executed } from './executor.js';
import { checkFences } from './traffic-actions.js';
import { Journal, defaultJournalPath, type JournalData, type ServerFingerprint } from './journal.js';
import type { Prompter } from './prompter.js';
import { resumeCommand } from './stop-report.js';
import { Throttle } from '../adapters/shell/throttle.js';
import { ControlSocket } from '../adapters/shell/control-socket.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { throttleHeader } from '../recovery/throttle-plan.js';
import { hostProbes } from './host-probes.js';
import type { ServerMember } from '../config/members.js';

/** Statements shown in an offline dry run use this dialect (the servers did not answer to tell theirs). */
const OFFLINE_VERSION = parseVersion('10.11.0-MariaDB');

export interface RunDeps {
  settings: Settings;
  emit: Emit;
  prompter: Prompter;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Who runs it, where, with which arguments (from the CLI), for the journal and the post-incident report. */
  invocation?: { user: string; host: string; argv: string[] };
  /** Test hook: called after each step completes. */
  afterStep?: (id: number) => Promise<void> | void;
}

export interface RunOutcome {
  exitCode: number;
  journalPath?: string;
  executed: Executed[];
  ctx?: RecoveryContext;
}

type Sessions = Partial<Record<Member, ServerSession>>;

/** GS, BS and a ring's D and the members after it (read by the preflight and the proof); the donor on its own. */
async function connectBoth(settings: Settings, topology: ServerMember[], dryRun: boolean, emit: Emit): Promise<Sessions> {
  // Every statement on these sessions is bounded: a frozen server is reported, with its address, instead of hanging.
  const opts = { connectTimeoutMs: settings.connectTimeout * 1000, queryTimeoutMs: settings.stallTimeout * 1000 };
  const all = await Promise.allSettled(topology.map((m) => ServerSession.connect(m.endpoint, opts)));
  const failed = all.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length && !dryRun) {
    for (const r of all) if (r.status === 'fulfilled') await r.value.close();
    throw new StepFailed(
      failed.map((f) => (f.reason as Error).message).join('\n'),
      0,
      'Nothing was changed. Check the address, the account and MMRECOVER_PASSWORD, then run again.',
    );
  }
  for (const f of failed)
    emit({ event: 'note', level: 'warn', text: `${(f.reason as Error).message} — the dry run goes on; what needs that server is shown, not measured.` });
  const sessions: Sessions = {};
  for (const [i, m] of topology.entries()) {
    const r = all[i];
    if (r.status === 'fulfilled') sessions[m.label as Member] = r.value;
    // GS's and BS's keys are always there (a dry run's silent server: undefined).
    else if (m.label === 'GS' || m.label === 'BS') sessions[m.label] = undefined;
  }
  return sessions;
}

function fingerprint(s: ServerSession, hp: { host: string; port: number }): ServerFingerprint {
  return { host: hp.host, port: hp.port, serverId: s.identity.serverId, serverUuid: s.identity.serverUuid, version: s.identity.version.raw };
}

const address = (hp: { host: string; port: number }) => `${hp.host}:${hp.port}`;

/** The journal to continue (--resume), or a check that no unfinished run of this pair would be overwritten. */
function openJournal(settings: Settings, journalPath: string): Journal | undefined {
  if (settings.resume) {
    const j = Journal.load(journalPath);
    if (j.data.finished) throw new UsageError(`--resume: the run in ${journalPath} already finished (${j.data.outcome}); there is nothing to resume`);
    return j;
  }
  let existing: Journal | undefined;
  try {
    existing = Journal.load(journalPath);
  } catch {
    existing = undefined;
  }
  // A run that stopped before changing anything (a No at the first question) does not block a fresh start.
  const changedSomething = existing?.data.steps.some((st) => st.status === 'done' || st.executed.some((x) => x.mode === 'run'));
  if (existing && !existing.data.finished && changedSomething)
    throw new UsageError(
      `an unfinished recovery of this pair stopped at step ${existing.data.stoppedAt?.step ?? '?'} (journal ${journalPath}); continue it with --resume, or delete that file to start over`,
    );
  return undefined;
}

/** An unfinished run's journal for a dry run's --resume, if there is one (a dry run says nothing is to resume otherwise). */
function readableJournal(path: string): Journal | undefined {
  try {
    const j = Journal.load(path);
    return j.data.finished ? undefined : j;
  } catch {
    return undefined;
  }
}

/** A step's plan lines, for the overview and the question. */
const linesOf = (plan: StepPlan) => plan.actions.flatMap((a) => renderAction(a));

export async function runRecovery(deps: RunDeps): Promise<RunOutcome> {
  const { settings, emit, prompter, signal } = deps;
  const dry = settings.dryRun;
  const executed: Executed[] = [];
  // The traffic fence's HAProxy entries, before anything else (nothing is connected yet): bad input is one line, exit 2.
  const fences = await checkFences(settings, signal);
  if (fences.errors.length && !dry) throw new UsageError(fences.errors.join('; '));
  // What the run walks, decided once from the settings: the steps, every server of the run (what each session, lock,
  // copy and probe below connects to), the preflight's checks, what a stop leaves.
  const procedure = procedureFor(settings);
  const { members, steps, gsWhileCopying } = procedure;
  emit({
    event: 'run_start',
    mode: dry ? 'dry-run' : 'live',
    method: settings.method,
    ...(gsWhileCopying ? { gsWhileCopying } : {}),
    good: address(settings.good),
    bad: address(settings.bad),
    resume: settings.resume,
  });

  const journalPath = settings.journal ?? defaultJournalPath(deps.env, settings.good, settings.bad);
  let journal = dry ? undefined : openJournal(settings, journalPath);
  // A dry run with --resume reads the journal (never writes it): its plan is the resumed run's, from the step it
  // resumes at, with what that run would copy again.
  const rehearsed = dry && settings.resume ? readableJournal(journalPath) : undefined;
  const resumed = journal ?? rehearsed;
  // --assume (dry run only): the plans that version needs, without even trying to connect.
  const assumed = settings.assume ? parseAssumedVersion(settings.assume) : undefined;
  const offlineVersion = assumed ?? OFFLINE_VERSION;
  const sessions: Sessions = assumed ? {} : await connectBoth(settings, procedure.topology, dry, emit);
  // --donor: the replica of GS the copy reads (R), with the pair's account and TLS.
  if (members.R && !assumed) {
    try {
      sessions.R = await ServerSession.connect(members.R.endpoint, {
        connectTimeoutMs: settings.connectTimeout * 1000,
        queryTimeoutMs: settings.stallTimeout * 1000,
      });
    } catch (err) {
      if (!dry) {
        await Promise.all(Object.values(sessions).map((x) => x?.close().catch(() => undefined)));
        throw new StepFailed(`donor: ${(err as Error).message}`, 0, 'Nothing was changed. Check --donor and the account, then run again.');
      }
      emit({ event: 'note', level: 'warn', text: `${(err as Error).message} — the dry run goes on; what needs the donor is shown, not measured.` });
    }
  }
  // One run per pair: the lock is taken before the preflight, so a second run refuses before anything changes.
  let runLock: RunLock | undefined;
  // GS and BS one server (a wrong port, a VIP): the preflight says so; two lock sessions there would only refuse each other.
  const sameServer =
    sessions.GS && sessions.BS && runLockName(sessions.GS.identity, sessions.GS.identity) === runLockName(sessions.BS.identity, sessions.BS.identity);
  if (!dry && sessions.GS && sessions.BS && !sameServer) {
    try {
      runLock = await RunLock.acquire(
        runLockName(sessions.GS.identity, sessions.BS.identity),
        procedure.locked.filter((m) => sessions[m.label as Member]).map((m) => m.endpoint),
        { connectTimeoutMs: settings.connectTimeout * 1000, queryTimeoutMs: settings.stallTimeout * 1000 },
      );
    } catch (err) {
      await Promise.all(Object.values(sessions).map((s) => s?.close().catch(() => undefined)));
      if (err instanceof RunLockHeld) throw new StepFailed(err.message, 0, 'Nothing was changed by this run.');
      throw err;
    }
  }
  let current: Step | undefined;
  const record = (r: Executed) => {
    executed.push(r);
    if (!journal || !current) return;
    journal.step(current.id).executed.push({ role: r.role, text: r.text, mode: r.mode, at: new Date().toISOString() });
    // Written as each action starts: a run killed outright (SIGKILL, a lost host) still leaves what it had begun,
    // e.g. which of the physical copy's renames of BS's datadir ran.
    journal.save();
  };
  // The client programs: the servers' vendor's own, found on this machine; with --assume, that version's own (or
  // --client-version's), as on the host the runbook is for, whatever this machine has (said by the preflight).
  let clients: Promise<Clients> | undefined;
  if (assumed) {
    const own = `${assumed.major}.${assumed.minor}.${assumed.patch}`;
    const pick = settings.clientVersion ? parseClientChoice(settings.clientVersion, assumed.flavor) : { flavor: assumed.flavor, version: own };
    clients = Promise.resolve(assumedClients(pick.flavor, pick.version));
  }
  const flavor = assumed?.flavor ?? sessions.GS?.identity.version.flavor ?? sessions.BS?.identity.version.flavor;
  const findHere = () => findClients(flavor ? { flavor } : {});
  const lockIds = runLock?.threadIds ?? {};
  const ownThreadIds = {
    GS: [...(sessions.GS ? [sessions.GS.threadId] : []), ...(lockIds.GS ? [lockIds.GS] : [])],
    BS: [...(sessions.BS ? [sessions.BS.threadId] : []), ...(lockIds.BS ? [lockIds.BS] : [])],
  };
  // The executor's events also tell the journal when GS was locked and when the copy ran (the report's timeline).
  const track: Emit = (e) => {
    if (journal) trackSpans(journal.data, e);
    // A unit of a copy from a frozen donor completed: on disk at once, so that even a killed run resumes after it.
    if (journal && e.event === 'copy_unit') journal.save();
    emit(e);
  };
  // The copy's throttle (--max-rate; --max-load and the control socket change it during the run): live runs only.
  const throttle = dry ? undefined : new Throttle(settings.maxRate);
  let control: ControlSocket | undefined;
  const exec = new Executor({
    throttle,
    live: !dry,
    settings,
    members,
    sessions,
    clients: () => (clients ??= findHere()),
    prompter,
    emit: track,
    signal,
    record,
    ownThreadIds,
  });
  // Every member's identity and dialect (a ring's D, E, … too): an offline default dialect for one that did not answer.
  const topology = procedure.topology.map((m) => m.label as Member);
  const dialectOf = (m: Member) => sessions[m]?.dialect ?? dialectFor(offlineVersion);
  const ctx: RecoveryContext = {
    settings,
    members,
    identity: Object.fromEntries(topology.map((m) => [m, sessions[m]?.identity])),
    dialect: { ...Object.fromEntries(topology.map((m) => [m, dialectOf(m)])), GS: dialectOf('GS'), BS: dialectOf('BS') },
    read: exec.read,
    clients: () => (clients ??= findHere()),
    ...(assumed ? { localClients: findHere } : {}),
    host: hostProbes(members, { bsTls: () => Boolean(sessions.BS?.identity.sslCipher), signal }),
    state: emptyState(),
    signal,
    emit,
    journalPath,
    ownThreadIds,
  };
  if (members.R)
    ctx.donor = {
      identity: sessions.R?.identity,
      dialect: sessions.R?.dialect ?? dialectFor(offlineVersion),
      read: (s) => exec.read('R', s),
    };

  try {
    const shown = procedure.shown.map((m) => ({ role: m.label as Member, hp: m.address }));
    for (const { role, hp } of shown) {
      const s = sessions[role];
      emit(
        s
          ? { event: 'server', role, address: address(hp), reachable: true, version: versionLabel(s.identity.version), serverId: s.identity.serverId }
          : {
              event: 'server',
              role,
              address: address(hp),
              reachable: false,
              reason: assumed
                ? `not connected (--assume ${settings.assume}): statements for ${versionLabel(assumed)}, with <slots> and branches for what only the server could tell`
                : `statements shown for ${versionLabel(OFFLINE_VERSION)}, with <slots> for what only the server could tell`,
            },
      );
    }

    for (const text of [...fences.errors, ...fences.warnings]) emit({ event: 'note', level: 'warn', text });
    // --resume: the donor as the interrupted run left it (frozen, where, what was copied), for the preflight's check.
    if (resumed?.data.state.donor) ctx.state.donor = structuredClone(resumed.data.state.donor);
    const checks: Check[] = [];
    for (const check of procedure.preflight) checks.push(...(await check(ctx)));
    emit({ event: 'preflight', checks });
    const stops = checks.filter((c) => c.verdict === 'stop');
    // A stop only a flag lifts is bad input: one line, exit 2 (nothing was changed).
    const missingFlag = stops.find((c) => c.missingFlag || c.refusal);
    // A donor that moved since the interrupted copy: what was copied no longer counts (said in the refusal), so the
    // next --resume copies from scratch, freezing the donor again; only the journal changes, no server.
    if (missingFlag?.voidsDonorCopy && journal && !dry) {
      const d = journal.data.state.donor;
      journal.data.state.donor = { frozen: false, ...(d?.at ? { at: d.at } : {}) };
      journal.save();
    }
    if (missingFlag && !dry) throw new UsageError(`${missingFlag.check}: ${missingFlag.detail}`);
    if (stops.length && !dry)
      throw new StepFailed(
        `preflight: ${stops.map((c) => `${c.check}: ${c.detail}`).join('; ')}`,
        0,
        'Nothing was changed. Fix the lines marked STOP and run again.',
      );
    if (stops.length)
      emit({ event: 'note', level: 'warn', text: `A real run would stop here (${stops.length} STOP line(s)); the dry run goes on to show the plan.` });

    let startAt = 1;
    if (resumed && (journal || (sessions.GS && sessions.BS))) {
      checkSameServers(resumed.data.servers, sessions, journalPath);
      // The journal's positioning wins: a resumed run must finish the path it started on.
      const j = dry ? (structuredClone(resumed.data.state) as typeof resumed.data.state) : resumed.data.state;
      ctx.state = {
        ...j,
        positioning: j.positioning ?? ctx.state.positioning,
        importBinlog: j.importBinlog ?? ctx.state.importBinlog,
        fence: j.fence ?? [],
        killed: j.killed ?? [],
      };
      startAt = firstIncompleteStep(resumed, steps);
      if (journal) {
        if (deps.invocation) (journal.data.invocations ??= []).push({ at: new Date().toISOString(), ...deps.invocation, resume: true });
        journal.data.finished = false;
        journal.data.outcome = undefined;
        journal.data.stoppedAt = undefined;
      }
    } else if (!dry) {
      journal = Journal.create(journalPath, {
        method: settings.method,
        // GS and BS (both connected: a live run), a ring's D and the members after it (a --resume against another
        // ring is refused), the donor the copy reads (the report names it from the journal alone).
        servers: Object.fromEntries(
          procedure.journaled.flatMap((m) => {
            const s = sessions[m.label as Member];
            return s ? [[m.label, fingerprint(s, m.address)]] : [];
          }),
        ) as JournalData['servers'],
        steps: steps.map((s) => ({ id: s.id, title: s.title, status: 'pending', plan: [], executed: [] })),
        state: ctx.state,
        gsLocks: [],
        copies: [],
        ...(deps.invocation ? { invocations: [{ at: new Date().toISOString(), ...deps.invocation, resume: false }] } : {}),
      });
    }
    emit({ event: 'journal', path: journal?.path ?? null, ...(settings.resume ? { resumingAt: startAt } : {}) });
    // The control socket beside the journal (a Unix socket path is at most ~107 bytes: else in the temp directory,
    // named after the journal, so that the --resume of a run that was SIGKILLed, which could remove nothing, replaces
    // and then removes the socket it left).
    if (throttle && journal) {
      const beside = journal.path.replace(/\.json$/, '') + '.sock';
      const inTmp = join(tmpdir(), `mmrecover-ctl-${createHash('sha256').update(journal.path).digest('hex').slice(0, 12)}.sock`);
      control = await ControlSocket.listen(Buffer.byteLength(beside) < 100 ? beside : inTmp, throttle);
      emit({ event: 'control_socket', path: control.path });
    }
    const controlSocketPath = control?.path;

    const todo = steps.filter((s) => s.id >= startAt);
    const overview: StepSummary[] = [];
    for (const s of todo) {
      const p = await s.plan(ctx);
      overview.push({ step: s.id, title: s.title, on: p.on ?? s.on, lines: linesOf(p), question: p.question, confirmedBy: confirmedBy(s.id) });
    }
    const header = [...(await donorHeader(ctx)), ...throttleHeader(ctx, controlSocketPath)];
    emit({ event: 'plan', steps: overview, ...(header.length ? { header } : {}) });

    // BS may have restarted since the run stopped (read_only is not persistent): the fence step 1 set up goes back
    // on first, shown and journaled with the step the run resumes at.
    const preamble = resumed && settings.resume && startAt > 1 && startAt <= steps.length ? await refencePlan(ctx) : undefined;

    for (const step of todo) {
      if (signal.aborted) throw new Interrupted(`interrupted before step ${step.id}`);
      current = step;
      await runLock?.at(step.id);
      const plan = await step.plan(ctx);
      const actions = [...(step.id === startAt && preamble ? preamble.actions : []), ...plan.actions];
      const lines = actions.flatMap((a) => renderAction(a));
      emit({ event: 'step_start', step: step.id, title: step.title, on: plan.on ?? step.on, total: steps.length, lines });
      for (const text of plan.notes ?? []) emit({ event: 'note', level: 'info', step: step.id, text });
      if (plan.checklist?.length) emit({ event: 'checklist', step: step.id, items: plan.checklist });
      if (plan.question) {
        const covered = [step.id, ...(step.covers ?? [])];
        emit({ event: 'question', steps: covered, question: plan.question, dryRun: dry });
        if (!dry) {
          const yes = await prompter.confirm(plan.question);
          emit({ event: 'answer', steps: covered, question: plan.question, yes, automatic: !prompter.interactive });
          if (!yes) throw new Declined(`you answered No before step ${step.id}`);
        }
      }
      const started = Date.now();
      if (journal) {
        Object.assign(journal.step(step.id), { status: 'running', startedAt: new Date().toISOString(), on: plan.on ?? step.on, plan: lines, executed: [] });
        journal.data.state = ctx.state;
        journal.save();
      }
      const before = { gs: JSON.stringify(ctx.state.gsCoords), bs: JSON.stringify(ctx.state.bsCoords) };
      await exec.runAll(step.id, actions, ctx.state);
      await step.conclude?.(ctx);
      if (signal.aborted) throw new Interrupted(`interrupted during step ${step.id}`);
      const ms = Date.now() - started;
      if (JSON.stringify(ctx.state.gsCoords) !== before.gs && ctx.state.gsCoords)
        emit({ event: 'coordinates', role: 'GS', coordinates: ctx.state.gsCoords, from: step.title });
      if (JSON.stringify(ctx.state.bsCoords) !== before.bs && ctx.state.bsCoords)
        emit({ event: 'coordinates', role: 'BS', coordinates: ctx.state.bsCoords, from: step.title });
      if (journal) {
        Object.assign(journal.step(step.id), { status: 'done', endedAt: new Date().toISOString(), ms });
        journal.data.state = ctx.state;
        journal.save();
      }
      emit({ event: 'step_end', step: step.id, status: dry ? 'rehearsed' : 'done', ms });
      await deps.afterStep?.(step.id);
    }
    current = undefined;
    if (journal) {
      journal.data.finished = true;
      journal.data.outcome = 'completed';
      journal.save();
    }
    emit(summary(ctx, journal, dry, procedure));
    emit({
      event: 'result',
      status: dry ? 'dry-run-complete' : 'recovered',
      exitCode: 0,
      verified: ctx.state.verification?.verified ?? null,
      gsCoords: ctx.state.gsCoords,
      bsCoords: ctx.state.bsCoords,
      journal: journal?.path ?? null,
    });
    return { exitCode: 0, journalPath: journal?.path, executed, ctx };
  } catch (err) {
    if (await exec.releaseLock()) emit({ event: 'note', level: 'warn', text: 'GS read lock released: GS accepts writes again.' });
    // A server the run froze (the donor) is left so for --resume, or started again: the procedure says which.
    const care = dry ? undefined : procedure.atStop(ctx, { stoppedIn: current, declined: err instanceof Declined });
    if (care && 'keep' in care) emit({ event: 'note', level: 'warn', text: care.keep });
    else if (care) {
      try {
        await exec.run(current?.id ?? 0, care.release, ctx.state, {});
        emit({ event: 'note', level: 'warn', text: care.released });
      } catch (e) {
        emit({ event: 'note', level: 'warn', text: `${care.left} (${(e as Error).message})` });
      }
    }
    if (journal) closeSpans(journal.data);
    const reason = (err as Error).message;
    const outcome = err instanceof Interrupted ? 'interrupted' : err instanceof Declined ? 'declined' : 'failed';
    if (journal && current) {
      Object.assign(journal.step(current.id), { status: 'failed', endedAt: new Date().toISOString() });
      journal.data.stoppedAt = { step: current.id, reason };
      journal.data.outcome = outcome;
      journal.data.state = ctx.state;
      journal.save();
    }
    if (err instanceof UsageError) throw err;
    const code = exitCodeOf(err);
    const stoppedAt = current?.id ?? (err instanceof StepFailed ? err.stepId : undefined) ?? 0;
    emit({
      event: 'stop',
      step: stoppedAt,
      reason,
      next: err instanceof StepFailed ? err.nextAction : undefined,
      states: stoppedAt > 0 ? procedure.states(ctx, stoppedAt) : undefined,
      resume: journal && stoppedAt > 0 ? resumeCommand(settings, journal.path) : undefined,
      interrupted: err instanceof Interrupted,
    });
    emit({
      event: 'result',
      status: outcome === 'failed' ? 'failed' : outcome === 'declined' ? 'declined' : 'stopped',
      exitCode: code,
      step: stoppedAt,
      reason,
      journal: journal?.path ?? null,
    });
    return { exitCode: code, journalPath: journal?.path, executed, ctx };
  } finally {
    throttle?.close();
    await control?.close().catch(() => undefined);
    await exec.releaseLock();
    await runLock?.release();
    // A server that stopped answering must not hold the exit: a polite close gets a second, then the socket goes.
    await Promise.all(Object.values(sessions).map((s) => s && Promise.race([s.close().catch(() => undefined), delay(1000)]).finally(() => s.destroy())));
  }
}

/** Where a resumed run starts: the first step not known complete, or the step it must restart from (a copy: its lock). */
export function firstIncompleteStep(j: Journal, steps: readonly Step[] = STEPS): number {
  return resumeAt(j.data.steps.find((s) => s.status !== 'done')?.id ?? steps.length + 1);
}

function checkSameServers(servers: JournalData['servers'], sessions: Sessions, path: string): void {
  const differs = (f: ServerFingerprint, s: ServerSession) => f.serverId !== s.identity.serverId || f.serverUuid !== s.identity.serverUuid;
  // A ring's journal names D and the members after it; a pair's does not: resuming one as the other is refused too.
  const members = new Set([...Object.keys(servers), ...Object.keys(sessions)].filter((m) => m !== 'R')) as Set<Exclude<Member, 'R'>>;
  const other = [...members].some((m) => {
    const f = servers[m];
    const s = sessions[m];
    return !f || !s || differs(f, s);
  });
  if (other)
    throw new UsageError(
      `--resume: the journal ${path} belongs to other servers (GS server_id ${servers.GS.serverId}, BS server_id ${servers.BS.serverId}); refusing to continue it here`,
    );
}

function summary(ctx: RecoveryContext, journal: Journal | undefined, dry: boolean, procedure: Procedure): RunEvent {
  const s = ctx.state;
  return {
    event: 'summary',
    dryRun: dry,
    steps: journal
      ? journal.data.steps.map((x) => ({ step: x.id, title: x.title, status: x.status, ms: x.ms }))
      : procedure.steps.map((x) => ({ step: x.id, title: x.title, status: 'rehearsed' })),
    gsCoords: s.gsCoords,
    ...procedure.replicationFromBs(ctx),
    copy: s.copy?.complete ? { bytes: s.copy.bytes, seconds: s.copy.seconds } : undefined,
    ...procedure.copyReadFrom(ctx),
    // Absent when the journal began before mmrecover recorded the lock (an older version's run, resumed).
    ...(journal?.data.gsLocks ? { gsLockedSeconds: journal.data.gsLocks.reduce((t, x) => t + spanSeconds(x), 0) } : {}),
    ...(journal ? outOfService(journal.data) : {}),
    backup: s.backup,
    ...(s.physical?.kept
      ? {
          keptDatadir: {
            path: s.physical.kept,
            salvage: `mmrecover salvage --datadir ${shellQuote(s.physical.kept)} --against ${address(ctx.members.GS.address)}`,
          },
        }
      : {}),
    verification: s.verification,
    verify: ctx.settings.verify,
    journal: journal?.path,
  };
}

/** From step 1's start (BS fenced) to step 11's end (BS given back): how long BS served nothing. */
function outOfService(d: JournalData): { bsOutOfServiceSeconds?: number } {
  const first = d.steps.find((x) => x.id === 1)?.startedAt;
  const last = d.steps.at(-1);
  if (!first) return {};
  return { bsOutOfServiceSeconds: spanSeconds({ from: first, to: last?.endedAt }) };
}
