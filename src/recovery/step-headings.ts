// The eleven steps of the seed's procedure, by number: what each is called and whom it acts on. Pure data, so that the
// post-incident report names steps a run never reached without loading the steps' runtime code. A ring's steps 9 and
// 10 carry titles of their own (ring/steps.ts), and a plan may name the member it acts on (a donor: StepPlan.on).

export interface StepHeading {
  id: number;
  title: string;
  /** Who it acts on, for the header. */
  on: string;
}

export const STEP_HEADINGS: readonly StepHeading[] = [
  { id: 1, title: 'Isolate the bad server', on: 'BS' },
  { id: 2, title: 'Stop replication on the bad server', on: 'BS' },
  { id: 3, title: 'Lock the good server and record its coordinates', on: 'GS' },
  { id: 4, title: 'Copy all data from the good server to the bad server', on: 'GS → BS' },
  { id: 5, title: 'Unlock the good server', on: 'GS' },
  { id: 6, title: 'Point the bad server at the good server', on: 'BS' },
  { id: 7, title: 'Start replication on the bad server', on: 'BS' },
  { id: 8, title: 'Record the bad server coordinates', on: 'BS' },
  { id: 9, title: 'Point the good server at the bad server', on: 'GS' },
  { id: 10, title: 'Start replication on the good server and prove both directions', on: 'GS' },
  { id: 11, title: 'Put the bad server back into production', on: 'BS' },
];

/** Step `id`'s heading (1 to 11). */
export function heading(id: number): StepHeading {
  const h = STEP_HEADINGS[id - 1];
  if (h?.id !== id) throw new Error(`internal: no step ${id}`);
  return h;
}
