// Issue 26: how many times a run read all of each server's data, and where its time outside the copy went, from its
// journal alone. A "full read" is one pass over every user table on that server: a comparison of BS's data with GS's
// (the preflight's, when one was recorded, and step 2's once BS is fenced), a dump of BS kept whole (--backup all),
// the copy itself, and the proof's comparison at step 10. A proof cut short by --verify-time counts as the share of
// rows it read. The copy is counted on its own: the targets are about the reads around it.
import type { JournalData } from '../engine/journal.js';

export interface FullReads {
  /** Before the copy: at most one of each server (none for the physical method). */
  beforeCopy: { GS: number; BS: number };
  /** The copy's read of its source: GS, or the donor R with --donor. */
  copy: { GS: number; R?: number };
  /** The proof (step 10): one of each. */
  proof: { GS: number; BS: number };
  /** What was counted, in order, for the reader of the figures. */
  counted: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function fullReads(d: JournalData): FullReads {
  const st = d.state;
  const out: FullReads = { beforeCopy: { GS: 0, BS: 0 }, copy: { GS: 0 }, proof: { GS: 0, BS: 0 }, counted: [] };
  if (st.bsOnly?.data) {
    out.beforeCopy.GS++;
    out.beforeCopy.BS++;
    out.counted.push(`preflight comparison (${st.bsOnly.data.compared} tables, ${st.bsOnly.data.seconds} s)`);
  }
  if (st.bsOnly?.afterFence) {
    out.beforeCopy.GS++;
    out.beforeCopy.BS++;
    out.counted.push(`step 2 comparison (${st.bsOnly.afterFence.compared} tables, ${st.bsOnly.afterFence.seconds} s)`);
  }
  if (st.backup?.dump) {
    out.beforeCopy.BS++;
    out.counted.push(`step 2 dump of BS (${st.backup.dump.schemas.join(', ')})`);
  }
  for (const t of st.backup?.tables ?? []) out.counted.push(`step 2 kept ${t.names.length} table(s) of BS whole (not counted: part of BS)`);
  if (d.copies?.length) {
    const n = d.copies.length;
    if (d.servers.R) out.copy.R = n;
    else out.copy.GS = n;
    out.counted.push(`copy from ${d.servers.R ? 'the donor R' : 'GS'}${n > 1 ? ` (${n} attempts)` : ''}`);
  }
  const v = st.verification;
  if (v && v.tablesCompared > 0) {
    const share = v.unverified?.length && v.rowsEstimated ? Math.min(1, (v.rowsRead ?? 0) / v.rowsEstimated) : 1;
    out.proof.GS += round2(share);
    out.proof.BS += round2(share);
    out.counted.push(`proof comparison (${v.tablesCompared} tables${share < 1 ? `, ${Math.round(share * 100)} % of rows` : ''})`);
  }
  return out;
}

/**
 * The time outside the copy, in parts (seconds): before step 1 (process start, connections, preflight, plans, minus
 * nothing: it is the run's total less its steps), step 2's comparison and the rest of step 2, step 4 besides the copy,
 * the proof's comparison (its wait, from the journal's timestamps) and the rest of step 10, and every other step.
 */
export function outsideCopy(d: JournalData, totalSeconds: number, copySeconds: number): Record<string, number> {
  const ms = (id: number) => d.steps.find((s) => s.id === id)?.ms ?? 0;
  const stepsSeconds = d.steps.reduce((t, s) => t + (s.ms ?? 0), 0) / 1000;
  const step2Compare = d.state.bsOnly?.afterFence?.seconds ?? 0;
  const proofCompare = proofCompareSeconds(d);
  const counted = [2, 4, 10];
  const other = d.steps.filter((s) => !counted.includes(s.id)).reduce((t, s) => t + (s.ms ?? 0), 0) / 1000;
  return {
    beforeStep1AndAfterLast: round2(totalSeconds - stepsSeconds),
    step2Compare: round2(step2Compare),
    step2Other: round2(ms(2) / 1000 - step2Compare),
    step4NotCopy: round2(ms(4) / 1000 - copySeconds),
    step10Compare: round2(proofCompare),
    step10Other: round2(ms(10) / 1000 - proofCompare),
    otherSteps: round2(other),
  };
}

/** The proof's comparison: from its wait line's start to the next line's (BS reaching the snapshot included). */
function proofCompareSeconds(d: JournalData): number {
  const ten = d.steps.find((s) => s.id === 10);
  if (!ten) return 0;
  const i = ten.executed.findIndex((x) => x.mode === 'wait' && /compared chunk by chunk/.test(x.text));
  if (i < 0) return 0;
  const end = ten.executed[i + 1]?.at ?? ten.endedAt;
  return end ? Math.max(0, (Date.parse(end) - Date.parse(ten.executed[i].at)) / 1000) : 0;
}
