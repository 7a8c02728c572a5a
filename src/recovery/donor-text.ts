// The donor's sentences (pure), shared by the plan, the summary and the post-incident report.

/**
 * Which server the copy reads and what that means for GS, for the overview before step 1 (will), the summary at the
 * end and the report (did). `address` is "host:port"; `lockSpared`: the method otherwise locks GS for the copy.
 */
export function donorCopyText(address: string, lockSpared: boolean, tense: 'will' | 'did'): string {
  const [reads, isNot] = tense === 'will' ? ['reads', 'is'] : ['read', 'was'];
  return `the copy ${reads} the donor R ${address}, a replica of GS, not GS: GS ${isNot} not read by the copy${lockSpared ? ` and not locked (the classic method locks GS only when it copies from GS)` : ''}`;
}

/** Where GS's coordinates for BS come from with --donor, beside them (summary, report). */
export const DONOR_POINT =
  'the donor’s recorded point: where step 3 stopped its SQL thread (Relay_Master_Log_File / Exec_Master_Log_Pos of SHOW SLAVE STATUS on R), not read from GS';
