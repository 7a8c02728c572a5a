// Where a physical copy lands beside BS's datadir and where the datadir it replaces is kept (pure: names only), shared
// by the physical method's plan and by what step 2 says is kept.

/** Where the copy lands (beside the datadir, same filesystem, so the swap is a rename), and where the old one goes. */
export function physicalPaths(datadir: string, now = new Date()): { incoming: string; kept: string } {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return { incoming: `${datadir}.mmrecover-new`, kept: `${datadir}.mmrecover-kept-${stamp}` };
}
