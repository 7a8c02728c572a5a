// What runs beside a copy: the throttle's state on the live line and in the JSON events ("throttled: max-rate
// 10 MB/s"), and the watchers of GS that pause the copy (--max-load) or stop it (a metadata lock pile-up).
import type { Throttle, ThrottleState } from '../adapters/shell/throttle.js';
import type { Emit, RunEvent } from '../recovery/events.js';
import { ServerSession } from '../adapters/mysql/session.js';
import { pollUntil } from '../base/poll.js';
import type { Members } from '../config/members.js';
import type { Settings } from '../config/settings.js';
import { attribute, parseHolders, parseWaiters, pileUpShort, pileUpText, truncateStatement, type MdlPileUp, type MdlWatchPlan } from '../recovery/mdl-watch.js';

export interface CopyWatch {
  /** The executor's emit for the copy: progress events carry `throttled` while the throttle holds or caps the copy. */
  emit: Emit;
  /** Stop listening (the copy ended, whichever way). */
  stop(): void;
}

/** Say the throttle's state once at the start, then at every change, and on every progress event. */
function watchThrottle(throttle: Throttle | undefined, step: number, emit: Emit): CopyWatch {
  if (!throttle) return { emit, stop: () => undefined };
  const say = (s: ThrottleState) => {
    emit({ event: 'throttle', step, reason: s.reason ?? null, ...(s.maxRate !== undefined ? { maxRate: s.maxRate } : {}), paused: s.pauses.length > 0 });
    emit({ event: 'activity', id: 'copy', state: 'update', text: s.reason ? `throttled: ${s.reason}` : 'not throttled' });
  };
  const initial = throttle.state();
  if (initial.reason) say(initial);
  const off = throttle.onChange(say);
  return {
    emit: (e: RunEvent) => {
      if (e.event === 'progress') {
        const reason = throttle.state().reason;
        emit(reason ? { ...e, throttled: reason } : e);
      } else emit(e);
    },
    stop: () => off(),
  };
}

/**
 * What watches every copy stream: the throttle said on the copy's events and, where the copy may pause for it
 * (`load`: the online and physical methods), --max-load; stopped together when the copy ends.
 */
export function watchCopy(
  throttle: Throttle | undefined,
  step: number,
  emit: Emit,
  load?: { settings: Settings; members: Members; ownRunning: number; onSession?: (threadId: number) => void },
): CopyWatch {
  const said = watchThrottle(throttle, step, emit);
  const paused = load ? watchLoad(load.settings, load.members, throttle, load.ownRunning, load.onSession) : undefined;
  return {
    emit: said.emit,
    stop: () => {
      said.stop();
      paused?.stop();
    },
  };
}

/**
 * --max-load (gh-ost's model): once a second, on a session of its own on the server the copy reads (GS, or the donor R
 * with --donor: GS is not read then, and R may serve reads of its own), read the global status variables; while
 * one exceeds its maximum the throttle pauses the copy (the dump is not read: backpressure), resuming when none does.
 * Threads_running leaves out the tool's own running threads: this session (running the SHOW) and the copy's dumps.
 */
function watchLoad(
  settings: Settings,
  members: Members,
  throttle: Throttle | undefined,
  ownRunning: number,
  onSession?: (threadId: number) => void,
): { stop(): void } {
  const limits = settings.maxLoad;
  if (!throttle || !limits?.length) return { stop: () => undefined };
  let stopped = false;
  let session: ServerSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  const names = limits.map((l) => `'${l.variable.replace(/'/g, '')}'`).join(', ');
  const poll = async () => {
    try {
      if (!session) {
        session = await ServerSession.connect((members.R ?? members.GS).endpoint, {
          connectTimeoutMs: settings.connectTimeout * 1000,
          queryTimeoutMs: 5000,
        });
        // A session on R is not one of GS's: GS's own-thread list would hide a client of GS with the same id.
        if (!members.R) onSession?.(session.threadId);
      }
      if (stopped) return;
      const rows = await session.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names})`);
      const values = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), Number(r.Value)]));
      const over = limits
        .map((l) => {
          const raw = values.get(l.variable.toLowerCase());
          if (raw === undefined) return undefined;
          const v = l.variable.toLowerCase() === 'threads_running' ? Math.max(0, raw - 1 - ownRunning) : raw;
          return v > l.max ? `${l.variable}=${v} > ${l.max}` : undefined;
        })
        .filter((x): x is string => x !== undefined);
      if (over.length) throttle.pause('max-load', `${members.R ? 'the donor R: ' : ''}${over.join(', ')}`);
      else throttle.resume('max-load');
    } catch {
      // A check that could not be made does not pause the copy; the next second tries again.
    } finally {
      if (!stopped) timer = setTimeout(() => void poll(), 1000);
    }
  };
  void poll();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      throttle.resume('max-load');
      session?.destroy();
    },
  };
}

export interface MdlWatch {
  /** The pile-up that stopped the copy, once it has; undefined while none has. */
  readonly stopped: MdlPileUp | undefined;
  /** After the copy's programs ended: wait at most `timeoutMs` until the session the stop names no longer waits for the lock. */
  released(timeoutMs: number): Promise<boolean>;
  /** The copy's emit, its progress events carrying `mdlWait` while sessions wait (the live line says it beside the progress). */
  progress(emit: Emit): Emit;
  stop(): void;
}

/**
 * The metadata-lock watch (issue 28): every plan.pollMs, on a session of its own on GS, the sessions waiting for a
 * table metadata lock, attributed to the copy as far as GS shows it (src/recovery/mdl-watch.ts), said in the events
 * and on the live line; once one has waited plan.maxWaitSeconds, `onPileUp` ends the copy. The session connects and
 * notes the account's connections before the copy starts (awaited): any connection of the account that appears after
 * is the copy's. A watch that cannot start, or a check that cannot be made, does not stop the copy: it is said.
 */
export async function watchMetadataLocks(
  plan: MdlWatchPlan | undefined,
  o: {
    settings: Settings;
    members: Members;
    step: number;
    emit: Emit;
    onSession?: (threadId: number) => void;
    ownIds: () => number[];
    onPileUp: (p: MdlPileUp) => void;
  },
): Promise<MdlWatch | undefined> {
  if (!plan) return undefined;
  const { emit, step } = o;
  let session: ServerSession;
  let baseline: Set<number>;
  let holdersReadable: boolean;
  try {
    session = await ServerSession.connect(o.members.GS.endpoint, { connectTimeoutMs: o.settings.connectTimeout * 1000, queryTimeoutMs: 5000 });
    o.onSession?.(session.threadId);
    baseline = new Set((await session.query(plan.ownAccount)).map((r) => Number(r.id)));
    holdersReadable = await session.query(plan.holders).then(
      () => true,
      () => false,
    );
  } catch (err) {
    emit({
      event: 'note',
      level: 'warn',
      step,
      text: `The metadata-lock watch on GS could not start (${(err as Error).message}): the copy goes on unwatched; a DDL on GS during the copy would wait for it.`,
    });
    return undefined;
  }
  emit({
    event: 'note',
    level: 'info',
    step,
    text: holdersReadable
      ? `Metadata-lock watch on GS: every ${plan.pollMs / 1000} s; GS shows who holds metadata locks, so only a wait on the copy’s own lock stops the copy (after ${plan.maxWaitSeconds} s).`
      : `Metadata-lock watch on GS: every ${plan.pollMs / 1000} s; GS does not show who holds metadata locks (no METADATA_LOCK_INFO plugin / performance_schema.metadata_locks), so a wait on a table of the copied schemas is taken as the copy’s; the copy stops after ${plan.maxWaitSeconds} s.`,
  });
  const copyIds = async () => {
    const own = new Set([session.threadId, ...o.ownIds()]);
    return new Set((await session.query(plan.ownAccount)).map((r) => Number(r.id)).filter((id) => !baseline.has(id) && !own.has(id)));
  };
  let stopped: MdlPileUp | undefined;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let saying: string | undefined;
  let short: string | undefined;
  const waitedSince = new Map<number, number>();
  const poll = async () => {
    try {
      const waiters = parseWaiters(await session.query(plan.waiters));
      const now = Date.now();
      for (const id of [...waitedSince.keys()]) if (!waiters.some((w) => w.id === id)) waitedSince.delete(id);
      for (const w of waiters) if (!waitedSince.has(w.id)) waitedSince.set(w.id, now);
      const piles = waiters.length
        ? attribute(waiters, holdersReadable ? parseHolders(await session.query(plan.holders)) : undefined, await copyIds(), now, waitedSince)
        : [];
      if (ended) return;
      if (!piles.length) {
        short = undefined;
        if (saying)
          emit({
            event: 'mdl_wait',
            step,
            table: null,
            waiting: 0,
            longestSeconds: 0,
            maxWaitSeconds: plan.maxWaitSeconds,
            text: `no session on GS waits on ${saying} any more`,
          });
        saying = undefined;
        return;
      }
      const p = piles[0];
      saying = p.table;
      const text = pileUpText(p, plan.maxWaitSeconds);
      short = pileUpShort(p, plan.maxWaitSeconds);
      emit({
        event: 'mdl_wait',
        step,
        table: p.table,
        waiting: p.waiting,
        longestSeconds: p.longestSeconds,
        attribution: p.attribution,
        maxWaitSeconds: plan.maxWaitSeconds,
        session: { id: p.first.id, user: p.first.user, host: p.first.host, statement: truncateStatement(p.first.info) },
        text,
      });
      emit({ event: 'activity', id: 'copy', state: 'update', text: short });
      if (p.longestSeconds >= plan.maxWaitSeconds) {
        stopped = p;
        ended = true;
        o.onPileUp(p);
      }
    } catch {
      // A check that could not be made does not stop the copy; the next one tries again.
    } finally {
      if (!ended) timer = setTimeout(() => void poll(), plan.pollMs);
    }
  };
  void poll();
  return {
    get stopped() {
      return stopped;
    },
    async released(timeoutMs: number) {
      // Measured by the waiter, not by the copy's connections: the tool's account may well be the application's too.
      const first = stopped?.first.id;
      if (first === undefined) return true;
      const released = await pollUntil(
        async () => {
          const waits = await session.query(plan.waiters).then(
            (rows) => parseWaiters(rows).some((w) => w.id === first),
            () => undefined,
          );
          return waits === false ? true : undefined;
        },
        { everyMs: 100, timeoutMs },
      );
      return released ?? false;
    },
    progress(inner: Emit): Emit {
      return (e) => inner(e.event === 'progress' && short ? { ...e, mdlWait: short } : e);
    },
    stop() {
      ended = true;
      if (timer) clearTimeout(timer);
      session.destroy();
    },
  };
}
