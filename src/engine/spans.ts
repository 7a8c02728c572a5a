// When GS was locked and when the copy ran, kept in the journal from the executor's own events: the figures the
// summary gives (how long production could not write) and the post-incident report's timeline.
import type { JournalData, Span } from './journal.js';
import type { RunEvent } from '../recovery/events.js';

export function trackSpans(d: JournalData, e: RunEvent): void {
  const now = new Date().toISOString();
  if (e.event === 'gs_lock') {
    const locks = (d.gsLocks ??= []);
    const open = locks.find((x) => !x.to);
    if (e.state === 'held' && !open) locks.push({ from: e.at });
    if (e.state === 'released' && open) open.to = e.at;
  } else if (e.event === 'activity' && e.id === 'copy' && e.state !== 'update') {
    const copies = (d.copies ??= []);
    const open = copies.find((x) => !x.to);
    if (e.state === 'start' && !open) copies.push({ from: now });
    else if (open && e.state !== 'start') Object.assign(open, { to: now, complete: e.state === 'succeed' });
  } else if (e.event === 'copy_complete') {
    const last = d.copies?.at(-1);
    if (last) last.bytes = e.bytes;
  }
}

/** A run that stopped: whatever span was still open ends now (the lock is released before this is called). */
export function closeSpans(d: JournalData): void {
  const now = new Date().toISOString();
  for (const x of [...(d.gsLocks ?? []), ...(d.copies ?? [])]) if (!x.to) x.to = now;
  for (const c of d.copies ?? []) c.complete ??= false;
}

/** A span's length in seconds; one still open lasts until now. */
export function spanSeconds(x: Span, now = Date.now()): number {
  return Math.max(0, ((x.to ? Date.parse(x.to) : now) - Date.parse(x.from)) / 1000);
}
