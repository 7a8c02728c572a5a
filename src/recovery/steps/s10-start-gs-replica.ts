// Step 10: GS starts replicating from BS; then the proof that both directions carry data and the data match.
import { StepFailed } from '../../base/errors.js';
import { waitForReplica } from '../replica-wait.js';
import { markerSetup, proveReplication } from '../proof.js';
import type { PlannedAction, Step } from './step.js';

export const startGsReplica: Step = {
  id: 10,
  title: 'Start replication on the good server and prove both directions',
  on: 'GS',
  question: (ctx) => `Run ${ctx.gsDialect.startReplica().shown} on GS ${ctx.settings.good.host}:${ctx.settings.good.port}${ctx.settings.verify && ctx.settings.marker ? ' and write the marker rows in schema mmrecover' : ''}?`,
  async plan(ctx) {
    const actions: PlannedAction[] = [
      { role: 'GS', shown: ctx.gsDialect.startReplica().shown },
      { role: 'GS', shown: ctx.gsDialect.showReplicaStatus().shown, note: 'until both threads run, no error, lag 0' },
    ];
    if (ctx.settings.verify && ctx.settings.marker) {
      actions.push(...markerSetup().map((s) => ({ role: 'GS' as const, shown: s.shown, note: 'proof: marker rows' })));
      actions.push({ role: 'GS', shown: 'REPLACE INTO mmrecover.proof …', note: 'must arrive on BS' });
      actions.push({ role: 'BS', shown: 'REPLACE INTO mmrecover.proof …', note: 'must arrive on GS (a replica that applies nothing for 10s meanwhile gets one STOP/START REPLICA)' });
    }
    if (ctx.settings.verify) actions.push({ role: 'GS', shown: 'CHECKSUM TABLE <every user table>', note: 'and the same on BS; must match' });
    return actions;
  },
  async run(ctx) {
    await ctx.exec.sql('GS', ctx.gsDialect.startReplica());
    await waitForReplica(ctx, 'GS', 10);
    if (!ctx.settings.verify) return;
    const v = await proveReplication(ctx);
    if (!v) return;
    ctx.state.verification = v;
    if (!v.verified) {
      throw new StepFailed(
        `replication runs both ways but the pair is NOT verified${v.mismatched.length ? `: tables differ: ${v.mismatched.join(', ')}` : ''}`,
        10,
        'Compare the listed tables by hand; BS stays fenced (step 11 not run).',
      );
    }
  },
};
