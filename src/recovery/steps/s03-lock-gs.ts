// Step 3: GS stops replicating from BS, takes the global read lock on a dedicated session and records its binary
// log coordinates: the point BS will replicate from. Steps 3–5 are confirmed by one question, asked before the lock
// is taken, because nobody may be kept waiting for a person while production cannot write.
import { stmt } from '../../dialect/statement.js';
import type { Action } from '../actions.js';
import { serverName, type RecoveryContext } from '../context.js';
import { recordCoordinates } from '../coordinates.js';
import { bsOnlySources, compactBsOnly, hasBsOnly } from '../bs-only-text.js';
import type { Step } from '../step.js';
import { copyMethod } from '../copy-method.js';
import { parallelChoice } from '../parallel/streams-plan.js';
import { lockedLongerNotice } from '../throttle-plan.js';
import {
  donorKeptForResume,
  donorKeptText,
  donorLeftText,
  donorName,
  freezeDonorActions,
  physicalAgainText,
  physicalResumePoint,
  releaseDonorAction,
  resumingDonorCopy,
} from '../donor.js';
import { donorMovedText, point, resumeText, sameDonorPoint } from '../donor-resume.js';
import { parseReplicaStatus, type Coordinates } from '../../adapters/mysql/replication.js';
import { StepFailed } from '../../base/errors.js';
import { heading } from '../step-headings.js';
import { isRing } from '../ring-topology.js';

/** Attempts at the read lock without a person to ask (--yes): an endless retry would just be a slower stall. */
const UNATTENDED_LOCK_ATTEMPTS = 3;

/** What each source showed (BS's binary log, its data compared with GS's), said before the question. */
function sources(ctx: RecoveryContext): string {
  const b = ctx.state.bsOnly;
  return b ? `${bsOnlySources(b)} ` : '';
}

/** What the copy overwrites that only BS had, and whether it was kept: said in the question before the copy. */
function lossNotice(ctx: RecoveryContext): string {
  const b = ctx.state.bsOnly;
  if (!b || !hasBsOnly(b)) return '';
  const kept = ctx.state.backup;
  const where =
    kept?.skipped || (!kept && ctx.settings.backup === 'none')
      ? 'NOT kept (--no-backup)'
      : b.dataAt === 'datadir' && !kept?.rows
        ? 'kept in BS’s datadir, renamed aside whole'
        : 'kept by step 2';
  return ` (overwriting ${compactBsOnly(b)}, ${where})`;
}

/**
 * On --resume, why the copy starts again from zero: what it read is of a point that no longer exists (GS took writes
 * since, or the donor replicated on), so a new point is recorded and everything is copied from it.
 */
function restartNote(ctx: RecoveryContext, from: 'GS' | 'the donor'): string[] {
  if (!ctx.settings.resume) return [];
  return [
    from === 'GS'
      ? 'Resuming at step 3: the copy starts again from zero. GS accepted writes since the interrupted run stopped, so whatever it had copied is not of one point of GS; a new point is recorded and everything is copied from it.'
      : 'Resuming: the copy starts again from zero, from the donor frozen anew. The interrupted copy recorded no part it completed from a donor still stopped at its point (a physical copy, the donor started again, or a copy that never began), so everything is copied from the new point.',
  ];
}

/** What the donor is when a run stops: left frozen for --resume (a copy from it stopped part-way), or still stopped. */
const donorStopped = (ctx: RecoveryContext) => (donorKeptForResume(ctx, true) ? donorKeptText(ctx) : donorLeftText(ctx));

/** The donor read again as step 3 of a --resume runs: still stopped at `at`, or the step stops before anything is copied. */
function sameDonorPointAction(ctx: RecoveryContext, at: Coordinates, note: string): Action {
  return {
    kind: 'sql',
    role: 'R',
    statement: ctx.donor!.dialect.showReplicaStatus(),
    note,
    capture: (rows, state) => {
      const r = parseReplicaStatus(rows, ctx.donor!.dialect);
      const now = { sqlRunning: r.sqlRunning, execFile: r.execFile, execPos: r.execPos };
      if (!sameDonorPoint(now, { file: at.file, position: at.position }))
        throw new StepFailed(donorMovedText(donorName(ctx), now, at), 3, 'Nothing was copied by this run.');
      state.gsCoords = { ...at };
    },
  };
}

export const lockGs: Step = {
  ...heading(3),
  covers: [4, 5],
  // In a ring GS (BS's upstream U) replicates from its own upstream, which step 3 stops all the same.
  after: (ctx) => ({ GS: `replication from ${isRing(ctx.members) ? 'its upstream' : 'BS'} stopped${ctx.state.donor?.frozen ? `; ${donorStopped(ctx)}` : ''}` }),
  during: (ctx) => ({ GS: `not locked (the read lock was released)${ctx.state.donor?.frozen ? `; ${donorStopped(ctx)}` : ''}` }),
  async plan(ctx) {
    const gs = serverName(ctx, 'GS');
    const bs = serverName(ctx, 'BS');
    const actions: Action[] = [{ kind: 'sql', role: 'GS', statement: ctx.dialect.GS.stopReplica() }];
    const resumed = copyMethod(ctx).coordinatesFrom === 'donor' ? resumingDonorCopy(ctx) : undefined;
    const at = ctx.state.donor?.at;
    if (resumed && at && ctx.donor) {
      // The donor is still frozen where the interrupted copy read it (the preflight checked): no new point, GS's
      // coordinates for BS stay the recorded ones, and step 4 copies only what did not complete.
      const text = resumeText(resumed, at);
      return {
        actions: [...actions, sameDonorPointAction(ctx, at, `${text}; GS’s coordinates for BS stay ${point(at)}`)],
        notes: [`${text[0].toUpperCase()}${text.slice(1)}.`],
        on: 'GS, R',
        question: `${sources(ctx)}Stop replication on ${gs} and, ${text}, copy them over ${bs} from the donor ${donorName(ctx)}, without locking or reading GS; the donor’s SQL thread is started again after the copy (steps 3–5)?`,
      };
    }
    const again = copyMethod(ctx).fromDonor ? await physicalResumePoint(ctx) : undefined;
    if (again && ctx.donor) {
      // A physical copy has no units: it starts over, from the point where the donor is still stopped (no new freeze).
      const text = physicalAgainText(ctx, again);
      return {
        actions: [...actions, sameDonorPointAction(ctx, again, text)],
        notes: [`${text[0].toUpperCase()}${text.slice(1)}.`],
        on: 'GS, R',
        question: `${sources(ctx)}Stop replication on ${gs} and copy all the donor ${donorName(ctx)}’s data over ${bs}${lossNotice(ctx)} again from the point where it is still stopped (${point(again)}), without locking or reading GS${copyMethod(ctx).bsRestart ? `; ${copyMethod(ctx).bsRestart}` : ''}; the donor’s SQL thread is started again after the copy (steps 3–5)?`,
      };
    }
    if (copyMethod(ctx).fromDonor && ctx.donor) {
      const streams = (await parallelChoice(ctx)).streams;
      // A donor left frozen by a run killed before it recorded what it copied: it replicates again, then is frozen anew.
      const thaw = ctx.settings.resume && ctx.state.donor?.frozen ? [releaseDonorAction(ctx)] : [];
      return {
        actions: [...actions, ...thaw, ...freezeDonorActions(ctx)],
        notes: [copyMethod(ctx).noLockNote ?? '', ...restartNote(ctx, 'the donor')].filter(Boolean),
        on: 'GS, R',
        question: `${sources(ctx)}Stop replication on ${gs}, stop the donor ${donorName(ctx)}’s SQL thread once it has reached GS’s position, and copy all its data over ${bs}${lossNotice(ctx)}${streams > 1 ? ` in ${streams} streams` : ''}, without locking or reading GS${copyMethod(ctx).bsRestart ? `; ${copyMethod(ctx).bsRestart}` : ''}; the donor’s SQL thread is started again after the copy (steps 3–5)?`,
      };
    }
    if (!copyMethod(ctx).locksGs) {
      // --parallel: the streams open their snapshots under a read lock of a moment (step 4); one stream takes none.
      const streams = (await parallelChoice(ctx)).streams;
      return {
        actions,
        notes: [
          streams > 1
            ? `Online method, --parallel ${streams}: no lock here; step 4 locks GS only while its streams open their consistent snapshots, and records GS coordinates under that lock.`
            : (copyMethod(ctx).noLockNote ?? ''),
          ...restartNote(ctx, 'GS'),
        ],
        question: `${sources(ctx)}Stop replication on ${gs} and copy all its data over ${bs}${lossNotice(ctx)} from a consistent snapshot, ${streams > 1 ? `locking GS only while the ${streams} copy streams open their snapshots` : 'without locking GS'}${copyMethod(ctx).bsRestart ? `; ${copyMethod(ctx).bsRestart}` : ''} (steps 3–5)?`,
      };
    }
    actions.push({
      kind: 'lock',
      role: 'GS',
      // Short lock_wait_timeout: while FTWRL waits it blocks every new writer, so it must give up quickly; a long
      // wait_timeout: the server must not reap the lock session while a long copy runs.
      statements: [
        stmt(`SET SESSION lock_wait_timeout = ${ctx.settings.lockWaitTimeout}`),
        stmt('SET SESSION wait_timeout = 86400'),
        stmt('FLUSH TABLES WITH READ LOCK'),
      ],
      timeoutSeconds: ctx.settings.lockWaitTimeout,
      unattendedAttempts: UNATTENDED_LOCK_ATTEMPTS,
      note: 'on a dedicated session, held until step 5',
    });
    actions.push(...recordCoordinates(ctx, 'GS', 'gsCoords', { onLockSession: true, note: 'record File and Position under the lock' }));
    return {
      actions,
      ...(ctx.settings.resume ? { notes: restartNote(ctx, 'GS') } : {}),
      question: `${sources(ctx)}Lock ${gs}, copy all its data over ${bs}${lossNotice(ctx)}, then unlock${await lockedLongerNotice(ctx)} (steps 3–5, no question in between)?`,
    };
  },
};
