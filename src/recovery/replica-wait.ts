// Steps 7 and 10: after START REPLICA, watch SHOW REPLICA STATUS until both threads run with no error and no lag
// (or, under heavy writes, keep applying for a few seconds). A wait only reads.
import { setTimeout as delay } from 'node:timers/promises';
import { parseReplicaStatus, replicaRunning, type ReplicaStatus } from '../adapters/mysql/replication.js';
import { StepFailed } from '../base/errors.js';
import { backoffTo, pollUntil } from '../base/poll.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Member, Role, WaitAction } from './actions.js';
import type { Read, RecoveryContext } from './context.js';

export function describeReplica(r: ReplicaStatus): string {
  const err = r.lastIoErrno ? ` IO error ${r.lastIoErrno}: ${r.lastIoError}` : r.lastSqlErrno ? ` SQL error ${r.lastSqlErrno}: ${r.lastSqlError}` : '';
  return `IO ${r.ioRunning || '-'}, SQL ${r.sqlRunning || '-'}, lag ${r.lagSeconds ?? 'NULL'}s, read ${r.readFile}:${r.readPos}, executed ${r.execFile}:${r.execPos}${err}`;
}

// timers/promises removes its abort listener when the timer fires (a hand-made one leaked one per poll).
export const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

const CATCH_UP_GRACE_MS = 5000;
/** An error that persists this long will not heal by waiting (wrong password, wrong coordinates, duplicate key). */
const PERSISTENT_ERROR_MS = 8000;

/** A replica's status through a wait's read-only access. */
export async function replicaStatusOf(ctx: RecoveryContext, io: { read: Read }, role: Role): Promise<ReplicaStatus> {
  return parseReplicaStatus(await io.read(role, ctx.dialect[role].showReplicaStatus()), ctx.dialect[role]);
}

/**
 * Wait until a member's replica threads both run, without error, with zero lag (or applying steadily). One judgement
 * for every replica the procedure starts: BS (step 7), GS (step 10), and a ring's D (step 10), whose dialect is its own.
 */
export function waitForReplica(ctx: RecoveryContext, role: Role, stepId: number): WaitAction;
export function waitForReplica(ctx: RecoveryContext, role: Member, stepId: number, dialect: Dialect): WaitAction;
export function waitForReplica(ctx: RecoveryContext, role: Member, stepId: number, dialect?: Dialect): WaitAction {
  const d = dialect ?? ctx.dialect[role as Role];
  const show = d.showReplicaStatus();
  return {
    kind: 'wait',
    role,
    condition: `${role}'s IO and SQL threads run with no error and no lag (at most ${ctx.settings.replicaTimeout}s)`,
    polls: show,
    async probe(io) {
      const started = Date.now();
      let errorSince: number | undefined;
      let firstExec: { file: string; position: number; at: number } | undefined;
      let last: ReplicaStatus | undefined;
      const fail = (status: ReplicaStatus) =>
        new StepFailed(
          `${role} replication did not start cleanly within ${Math.round((Date.now() - started) / 1000)}s: ${describeReplica(status)}`,
          stepId,
          `Inspect ${show.shown} on ${role}, fix the cause, then resume with --resume.`,
        );
      const done = await pollUntil(
        async () => {
          const status = (last = parseReplicaStatus(await io.read(role, show), d));
          io.progress(`${role}: ${describeReplica(status)}`);
          const erroring = status.lastIoErrno !== 0 || status.lastSqlErrno !== 0 || status.sqlRunning === 'No';
          // Under heavy production writes a replica may stay behind for long; once it has been running without error
          // and applying for a few seconds, go on: the proof after step 10 waits for the catch-up.
          const applying = firstExec !== undefined && (status.execFile !== firstExec.file || status.execPos !== firstExec.position);
          if (replicaRunning(status) && !erroring) firstExec ??= { file: status.execFile, position: status.execPos, at: Date.now() };
          else firstExec = undefined;
          const behindButApplying = applying && Date.now() - firstExec!.at >= CATCH_UP_GRACE_MS;
          if (replicaRunning(status) && !erroring && (status.lagSeconds === 0 || behindButApplying)) {
            if (status.lagSeconds !== 0)
              io.warn(`${role} is ${status.lagSeconds ?? '?'}s behind and applying; the proof after step 10 waits for it to catch up.`);
            return true;
          }
          if (erroring) errorSince ??= Date.now();
          else errorSince = undefined;
          if (errorSince !== undefined && Date.now() - errorSince > PERSISTENT_ERROR_MS) throw fail(status);
          return undefined;
        },
        { ...backoffTo(200), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
      );
      if (!done && !io.signal.aborted && last) throw fail(last);
    },
  };
}
