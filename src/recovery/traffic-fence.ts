// The fence at the traffic layer, wrapped around steps 1, 3 and 11 (their own actions untouched):
//   step 1: --fence-command first (a failing hook stops the run before anything changes), each --fence HAProxy entry
//           into drain then maint (its state before recorded, read back after), then step 1's own fence, then a
//           watch of BS's client connections (--fence-watch);
//   step 3: the same watch again, before anything else in the step (GS is not locked yet): just before the copy;
//   step 11: step 11's own undo, each HAProxy entry given back exactly the state it had, then --unfence-command.
// A stop leaves the fence in place (as step 1's read_only): the stop report says each entry's state, and --resume
// puts the entries back into maint first (HAProxy may have been restarted or reloaded meanwhile).
import { fenceText, parseFence, type HaproxyFence } from '../config/traffic-fence.js';
import type { Action, FenceWatchAction, HaproxyAction, HaproxyTrafficAction, HookAction } from './actions.js';
import { foreignConnectionsQuery } from './connections.js';
import { serverName, type RecoveryContext } from './context.js';
import type { ServerStates, Step, StepPlan } from './step.js';

type Entry = NonNullable<import('./state.js').RecoveryState['traffic']>[number];

const same = (e: Entry, f: HaproxyFence) => e.socket === f.socket && e.backend === f.backend && e.server === f.server;
const fencesOf = (ctx: RecoveryContext): HaproxyFence[] => (ctx.settings.fence ?? []).map(parseFence);

export function haproxyAction(f: HaproxyFence, state: HaproxyAction['state'], extra: Partial<HaproxyAction> = {}): HaproxyAction {
  return { kind: 'haproxy', role: 'BS', socket: f.socket, backend: f.backend, server: f.server, state, ...extra };
}

function hookAction(ctx: RecoveryContext, option: HookAction['option'], command: string, step: number): HookAction {
  const s = ctx.settings;
  const [gs, bs] = [ctx.members.GS.address, ctx.members.BS.address];
  return {
    kind: 'hook',
    role: 'BS',
    option,
    command,
    // Addresses and the step, never a password (the child's environment has none either: see client-env.ts).
    env: {
      MMRECOVER_HOOK: option === '--fence-command' ? 'fence' : 'unfence',
      MMRECOVER_STEP: String(step),
      MMRECOVER_BS_HOST: bs.host,
      MMRECOVER_BS_PORT: String(bs.port),
      MMRECOVER_GS_HOST: gs.host,
      MMRECOVER_GS_PORT: String(gs.port),
    },
    timeoutSeconds: s.stallTimeout,
    ...(option === '--fence-command' ? { effect: (st) => void (st.fenceHookRan = true) } : { effect: (st) => void (st.fenceHookRan = false) }),
  };
}

/** Long enough for a busy backend to show whether BS is in the rotation again (or the fence watch's time, if longer). */
const TRAFFIC_BACK_SECONDS = 3;

function trafficBackAction(ctx: RecoveryContext, e: Entry): HaproxyTrafficAction {
  return {
    kind: 'haproxy-traffic',
    role: 'BS',
    socket: e.socket,
    backend: e.backend,
    server: e.server,
    seconds: Math.max(TRAFFIC_BACK_SECONDS, ctx.settings.fenceWatch ?? 0),
  };
}

function watchAction(ctx: RecoveryContext, when: string): FenceWatchAction[] {
  const seconds = ctx.settings.fenceWatch;
  if (!seconds) return [];
  return [{ kind: 'fence-watch', role: 'BS', seconds, list: foreignConnectionsQuery(ctx.ownThreadIds.BS), when }];
}

/** Step 1's traffic fence: the hook, then each HAProxy entry into drain then maint (its state before recorded once). */
function fenceActions(ctx: RecoveryContext): Action[] {
  const out: Action[] = [];
  if (ctx.settings.fenceCommand) out.push(hookAction(ctx, '--fence-command', ctx.settings.fenceCommand, 1));
  for (const f of fencesOf(ctx)) {
    out.push(
      haproxyAction(f, 'drain', {
        note: 'no new connection to BS; step 11 gives back the state it has now',
        // A rerun of step 1 (--resume) finds the state step 1 set: the first one read is kept.
        capture: (found, st) => {
          const list = (st.traffic ??= []);
          if (!list.some((e) => same(e, f))) list.push({ ...f, before: found });
        },
      }),
      haproxyAction(f, 'maint', { note: 'read back before the run goes on' }),
    );
  }
  return out;
}

const entryText = (e: Entry) => `HAProxy ${e.backend}/${e.server} in maint (was ${e.before}; step 11 gives that back)`;

function withStates(states: ServerStates | undefined, extra: string[]): ServerStates {
  if (!extra.length) return states ?? {};
  return { ...states, BS: [states?.BS, ...extra].filter(Boolean).join('; ') };
}

function trafficFacts(ctx: RecoveryContext): string[] {
  return [...(ctx.state.traffic ?? []).map(entryText), ...(ctx.state.fenceHookRan ? ['--fence-command ran (traffic moved away outside the tool)'] : [])];
}

function wrapIsolate(step: Step): Step {
  return {
    ...step,
    after: (ctx) => withStates(step.after?.(ctx), trafficFacts(ctx)),
    during: (ctx) =>
      withStates(
        step.during?.(ctx),
        trafficFacts(ctx).map((t) => t.replace(' in maint ', ' in drain or maint ')),
      ),
    async plan(ctx): Promise<StepPlan> {
      const inner = await step.plan(ctx);
      const fences = fencesOf(ctx);
      const notes = [...(inner.notes ?? [])];
      if (fences.length) notes.push(`HAProxy: ${fences.map(fenceText).join(', ')} go into maint before BS is fenced.`);
      return {
        ...inner,
        notes,
        actions: [...fenceActions(ctx), ...inner.actions, ...watchAction(ctx, 'after step 1')],
      };
    },
  };
}

function wrapBeforeCopy(step: Step): Step {
  return {
    ...step,
    async plan(ctx) {
      const inner = await step.plan(ctx);
      return { ...inner, actions: [...watchAction(ctx, 'just before the copy'), ...inner.actions] };
    },
  };
}

function wrapRestore(step: Step): Step {
  return {
    ...step,
    async plan(ctx): Promise<StepPlan> {
      const inner = await step.plan(ctx);
      const restore: Action[] = (ctx.state.traffic ?? []).flatMap((e) => [
        haproxyAction(e, e.before, {
          note: 'the state step 1 found',
          effect: (st) => void (st.traffic = (st.traffic ?? []).filter((x) => !same(x, e))),
        }),
        ...(e.before === 'ready' ? [trafficBackAction(ctx, e)] : []),
      ]);
      const hook = ctx.settings.unfenceCommand ? [hookAction(ctx, '--unfence-command', ctx.settings.unfenceCommand, 11)] : [];
      const extra = [...restore, ...hook];
      if (!extra.length) return inner;
      return {
        ...inner,
        actions: [...inner.actions, ...extra],
        // Step 11's own plan may have nothing to undo on BS: giving traffic back is still a question.
        question:
          inner.question ??
          `Send traffic to ${serverName(ctx, 'BS')} again (${restore.length ? 'HAProxy as before step 1' : '--unfence-command'})? Do it only when you are ready.`,
        notes: (inner.notes ?? []).filter((n) => !/nothing to undo/.test(n)),
      };
    },
  };
}

/** Steps 1, 3 and 11 with the traffic fence around them; the others as they are. */
export function withTrafficFence(step: Step): Step {
  if (step.id === 1) return wrapIsolate(step);
  if (step.id === 3) return wrapBeforeCopy(step);
  if (step.id === 11) return wrapRestore(step);
  return step;
}

/** On --resume: each recorded HAProxy entry back into maint (HAProxy may have restarted), before anything else. */
export function refenceTraffic(ctx: RecoveryContext): Action[] {
  return (ctx.state.traffic ?? []).map((e) => haproxyAction(e, 'maint', { note: 'step 1 put it there; set again in case HAProxy restarted' }));
}
