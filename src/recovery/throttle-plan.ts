// What the plan says about the throttle and the metadata locks of an online copy: lines in the plan's header, and
// the warning in step 3's question when a rate cap lengthens GS's read lock (classic method).
import { formatRate } from '../adapters/shell/throttle.js';
import { formatBytes } from '../base/format.js';
import { reachable, type RecoveryContext } from './context.js';
import { dataSizeBytes } from './compare.js';
import { copyReadsGsOnline, mdlWatchPlan, watchHeaderLine } from './mdl-watch.js';
import { copyMethod } from './copy-method.js';

/** The plan's header lines: the cap, the load threshold, the metadata-lock watch, the control socket. */
export function throttleHeader(ctx: RecoveryContext, controlSocket: string | undefined): string[] {
  const s = ctx.settings;
  const out: string[] = [];
  if (controlSocket) out.push(`Control socket: ${controlSocket} (status, throttle, no-throttle, max-rate=<n>), removed at the end of the run`);
  if (s.maxRate !== undefined)
    out.push(
      `Throttle: --max-rate ${formatRate(s.maxRate)} caps the copy stream${copyMethod(ctx).locksGs ? '; with the classic method GS stays locked for the whole copy, so the cap lengthens GS’s lock' : ''}`,
    );
  if (s.maxLoad?.length)
    out.push(
      `Throttle: --max-load ${s.maxLoad.map((x) => `${x.variable}=${x.max}`).join(',')}: the copy pauses while ${ctx.members.R ? 'the donor R (the server it reads; GS is not read)' : 'GS'} exceeds it (checked every second)`,
    );
  // The copy reads GS without locking it (online, no donor): the watch, and what a DDL on GS meets meanwhile. With
  // --donor the copy reads R, not GS: a DDL on GS does not wait for the copy's metadata locks.
  const watch = mdlWatchPlan(s, ctx.dialect.GS.version.flavor);
  if (watch) out.push(watchHeaderLine(watch));
  if (copyReadsGsOnline(s))
    out.push(
      `Metadata locks: the online copy holds a metadata lock on each table it has read until its snapshot ends; a DDL on GS during the copy (ALTER TABLE …) waits for it and every query on that table queues behind the DDL. ${
        watch
          ? `The copy stops after --max-mdl-wait ${watch.maxWaitSeconds} s of such a wait (GS released; --resume copies again)`
          : 'Not watched (--max-mdl-wait 0): they wait as long as the copy holds the lock'
      }. Run DDL on GS after the recovery, or use --donor (GS is then not read)`,
    );
  return out;
}

/** Classic method with --max-rate: how long GS stays locked at least, for step 3's question ("" when no cap). */
export async function lockedLongerNotice(ctx: RecoveryContext): Promise<string> {
  const rate = ctx.settings.maxRate;
  if (rate === undefined) return '';
  const bytes = reachable(ctx, 'GS') ? await dataSizeBytes((q) => ctx.read('GS', q)) : 0;
  const seconds = bytes > 0 ? Math.ceil(bytes / rate) : undefined;
  return `; --max-rate ${formatRate(rate)} keeps GS locked for the whole throttled copy${seconds ? ` (about ${seconds} s or more for GS’s ~${formatBytes(bytes)} of data)` : ''}`;
}
