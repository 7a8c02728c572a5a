// Step 10: GS starts replicating from BS; then the proof that both directions carry data and the data match.
import { StepFailed } from '../../base/errors.js';
import { serverName } from '../context.js';
import { proofActions, verdict } from '../proof.js';
import { offlineModeLift } from '../fence.js';
import { describeReplica, replicaStatusOf, waitForReplica } from '../replica-wait.js';
import type { Step } from '../step.js';
import { heading } from '../step-headings.js';

export const startGsReplica: Step = {
  ...heading(10),
  after: () => ({ GS: 'replicating from BS' }),
  during: () => ({ GS: 'replicating from BS if step 10 started it (START REPLICA), otherwise configured and not started; --resume starts it' }),
  async plan(ctx) {
    const marker = ctx.settings.verify && ctx.settings.marker;
    return {
      actions: [
        ...(await offlineModeLift(ctx)),
        { kind: 'sql', role: 'GS', statement: ctx.dialect.GS.startReplica() },
        waitForReplica(ctx, 'GS', 10),
        ...(await proofActions(ctx)),
      ],
      question: `Start replication on ${serverName(ctx, 'GS')}${marker ? ' and prove the pair with marker rows in schema mmrecover' : ctx.settings.verify ? ' and prove the pair' : ''}?`,
    };
  },
  async conclude(ctx) {
    const v = verdict(ctx, ctx.state);
    if (!v) return; // not measured: a dry run, or --no-verify
    ctx.emit({ event: 'verification', verification: v });
    if (v.verified) return;
    // What each side's replication says now, so that the operator (and the journal) see why.
    for (const role of ['BS', 'GS'] as const) {
      const r = await replicaStatusOf(ctx, ctx, role).catch(() => undefined);
      if (r) ctx.emit({ event: 'note', level: 'warn', step: 10, text: `${role} replicating from ${role === 'BS' ? 'GS' : 'BS'}: ${describeReplica(r)}` });
    }
    throw new StepFailed(
      `replication runs both ways but the pair is NOT verified${v.mismatched.length ? `: the proof found: ${v.mismatched.join(', ')}` : ''}${v.caughtUp ? '' : ' (a marker row did not arrive)'}`,
      10,
      'Look into each finding listed: tables and objects by hand; the lines on BS’s gtid_slave_pos and accounts say what to do. BS stays fenced (step 11 not run).',
    );
  },
};
