// Steps 7 and 10: START REPLICA, then watch SHOW REPLICA STATUS until both threads run with no error and no lag
// (or, under heavy writes, keep applying for a few seconds).
import { setTimeout as delay } from 'node:timers/promises';
import { readReplicaStatus, replicaRunning, type ReplicaStatus } from '../adapters/mysql/replication.js';
import type { RecoveryContext, Role } from './context.js';
import { dialect, session } from './context.js';
import { StepFailed } from '../base/errors.js';

export function describeReplica(r: ReplicaStatus): string {
  const err = r.lastIoErrno ? ` IO error ${r.lastIoErrno}: ${r.lastIoError}` : r.lastSqlErrno ? ` SQL error ${r.lastSqlErrno}: ${r.lastSqlError}` : '';
  return `IO ${r.ioRunning || '-'}, SQL ${r.sqlRunning || '-'}, lag ${r.lagSeconds ?? 'NULL'}s, read ${r.readFile}:${r.readPos}, executed ${r.execFile}:${r.execPos}${err}`;
}

// timers/promises removes its abort listener when the timer fires (a hand-made one leaked one per poll).
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

const CATCH_UP_GRACE_MS = 5000;

/** Wait until `role`'s replica threads both run, without error, with zero lag. Throws StepFailed on timeout or a persistent error. */
export async function waitForReplica(ctx: RecoveryContext, role: Role, stepId: number): Promise<ReplicaStatus | undefined> {
  const s = session(ctx, role);
  await ctx.exec.sql(role, dialect(ctx, role).showReplicaStatus());
  if (!ctx.exec.live || !s) {
    ctx.ui.info(`  (dry run: would wait until ${role}'s IO and SQL threads run with no error and no lag)`);
    return undefined;
  }
  const deadline = Date.now() + ctx.settings.replicaTimeout * 1000;
  const task = ctx.ui.task(`${role}: waiting for replication to run`);
  let status = await readReplicaStatus(s);
  let errorSince: number | undefined;
  let firstExec: { file: string; position: number; at: number } | undefined;
  while (!ctx.signal.aborted) {
    status = await readReplicaStatus(s);
    task.update(`${role}: ${describeReplica(status)}`);
    const erroring = status.lastIoErrno !== 0 || status.lastSqlErrno !== 0 || status.sqlRunning === 'No';
    // Healthy: caught up (lag 0). Under heavy production writes a replica may stay behind for long; once it has been
    // running without error and applying for a few seconds, go on: the proof after step 10 waits for the catch-up.
    const applying = firstExec !== undefined && (status.execFile !== firstExec.file || status.execPos !== firstExec.position);
    if (replicaRunning(status) && !erroring) firstExec ??= { file: status.execFile, position: status.execPos, at: Date.now() };
    else firstExec = undefined;
    const behindButApplying = applying && Date.now() - firstExec!.at >= CATCH_UP_GRACE_MS;
    if (replicaRunning(status) && !erroring && (status.lagSeconds === 0 || behindButApplying)) {
      if (status.lagSeconds !== 0) ctx.ui.info(`  ${role} is ${status.lagSeconds ?? '?'}s behind and applying; the proof after step 10 waits for it to catch up.`);
      task.succeed(`${role}: replication running: ${describeReplica(status)}`);
      ctx.ui.event('replica_status', { server: role, ...summary(status) });
      return status;
    }
    // An error that persists for a few seconds will not heal by waiting (wrong password, wrong coordinates, duplicate key).
    if (erroring) errorSince ??= Date.now();
    else errorSince = undefined;
    if ((errorSince !== undefined && Date.now() - errorSince > 8000) || Date.now() > deadline) {
      task.fail(`${role}: replication is not healthy: ${describeReplica(status)}`);
      throw new StepFailed(
        `${role} replication did not start cleanly within ${Math.round((Date.now() - (deadline - ctx.settings.replicaTimeout * 1000)) / 1000)}s: ${describeReplica(status)}`,
        stepId,
        `Inspect ${dialect(ctx, role).showReplicaStatus().shown} on ${role}, fix the cause, then resume with --resume.`,
      );
    }
    await sleep(200, ctx.signal);
  }
  task.fail();
  return status;
}

export function summary(r: ReplicaStatus) {
  return {
    ioRunning: r.ioRunning,
    sqlRunning: r.sqlRunning,
    lagSeconds: r.lagSeconds,
    readFile: r.readFile,
    readPos: r.readPos,
    execFile: r.execFile,
    execPos: r.execPos,
    lastIoErrno: r.lastIoErrno,
    lastIoError: r.lastIoError,
    lastSqlErrno: r.lastSqlErrno,
    lastSqlError: r.lastSqlError,
    sslAllowed: r.sslAllowed,
  };
}
