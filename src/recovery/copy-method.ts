// How the copy keeps it consistent, as one value per method: the steps ask the method, never compare its name.
import type { Settings } from '../config/settings.js';
import { METHOD_TRAITS, type MethodTraits } from '../config/copy-methods.js';

/** A method's traits (config/copy-methods.ts) with how this run's copy keeps its state consistent. */
export interface CopyMethod extends MethodTraits {
  /**
   * Where GS's coordinates come from: recorded under the lock, read from the dump's own header, from the physical
   * copy's binlog info file (mariadb-backup), or from performance_schema.clone_status (MySQL CLONE).
   */
  coordinatesFrom: 'lock' | 'dump' | 'backup' | 'clone' | 'donor';
  /**
   * How the dump reads a consistent state (mysqldump --lock-all-tables, or --single-transaction with the coordinates,
   * or --single-transaction alone: a frozen donor, whose point step 3 recorded).
   */
  dump: 'lock-all-tables' | 'snapshot' | 'transaction';
  /** Consistent only when every copied table is transactional and no DDL runs on GS (checked by the preflight). */
  needsTransactionalTables: boolean;
  /** Step 3's line when GS is not locked: how the copy is consistent without it. */
  noLockNote?: string;
  /** What happens to BS that the question before steps 3–5 must say (it is restarted on the copy). */
  bsRestart?: string;
  /** BS's datadir is renamed aside, whole, by the copy: what BS held is kept by construction, with no read of its data. */
  keepsBsDatadir?: boolean;
  /**
   * --donor: the copy reads R, a replica of GS frozen by step 3 at a recorded point (GS's coordinates for BS), and R is
   * started again in step 5. A logical copy from R says `coordinatesFrom: 'donor'`; a physical one keeps 'backup'
   * (mariadb-backup's copy, whose slave info is checked against the recorded point).
   */
  fromDonor?: boolean;
  /** From the donor, GS is spared the read lock this method takes when it copies from GS (classic). */
  lockSpared?: boolean;
}

const METHODS: Record<CopyMethod['name'], CopyMethod> = {
  classic: { ...METHOD_TRAITS.classic, coordinatesFrom: 'lock', dump: 'lock-all-tables', needsTransactionalTables: false },
  online: {
    ...METHOD_TRAITS.online,
    coordinatesFrom: 'dump',
    dump: 'snapshot',
    needsTransactionalTables: true,
    noLockNote: 'Online method: no lock; the dump takes a consistent snapshot and carries GS coordinates.',
  },
  // mariadb-backup takes its own, short BACKUP STAGE locks and writes GS's coordinates into the copy.
  physical: {
    ...METHOD_TRAITS.physical,
    coordinatesFrom: 'backup',
    dump: 'snapshot',
    needsTransactionalTables: false,
    noLockNote:
      'Physical method: no read lock of the tool’s own; mariadb-backup blocks GS’s commits only for its BLOCK_COMMIT stage and writes GS’s coordinates into the copy.',
    bsRestart: 'BS is stopped and started on the copy, its datadir kept under a dated name',
    keepsBsDatadir: true,
  },
  // CLONE INSTANCE takes no lock that blocks DML on the donor; the coordinates come from clone_status.
  clone: {
    ...METHOD_TRAITS.clone,
    coordinatesFrom: 'clone',
    dump: 'snapshot',
    needsTransactionalTables: false,
    noLockNote:
      'Clone method: no read lock; CLONE INSTANCE copies GS’s InnoDB data while GS writes, and performance_schema.clone_status gives its coordinates.',
    bsRestart: 'BS replaces its data with the clone and restarts itself',
  },
};

/** From a donor the copy does not read GS: no snapshot is held on it, and the live line says so. */
const GS_NOT_READ = { snapshotOnGs: false, gsWhileCopying: 'GS not read (copy from R)' } as const;

/**
 * --donor (classic, online): the copy reads a replica of GS whose SQL thread step 3 stops at a recorded point; that point
 * is GS's coordinates for BS. GS is neither locked nor read by the copy, whatever the method.
 */
function fromDonor(m: CopyMethod): CopyMethod {
  return {
    ...m,
    locksGs: false,
    lockSpared: m.locksGs,
    ...GS_NOT_READ,
    coordinatesFrom: 'donor',
    fromDonor: true,
    dump: 'transaction',
    needsTransactionalTables: false,
    noLockNote: `${m.name[0].toUpperCase()}${m.name.slice(1)} method from the donor: GS is neither locked nor read; the donor’s SQL thread is stopped at GS’s position, so the donor is a snapshot that does not move, and its point is GS’s coordinates.`,
  };
}

/**
 * --donor --method physical: mariadb-backup --slave-info runs on R's host against R's datadir while R's SQL thread is
 * stopped at the point step 3 recorded; GS is neither locked nor read (no BACKUP STAGE on GS either).
 */
function physicalFromDonor(m: CopyMethod): CopyMethod {
  return {
    ...m,
    ...GS_NOT_READ,
    fromDonor: true,
    noLockNote:
      'Physical method from the donor: GS is neither locked nor read; the donor’s SQL thread is stopped at GS’s position, mariadb-backup copies the donor’s data files (its BACKUP STAGE locks are taken on the donor, not on GS), and the coordinates it writes of the donor’s source are checked against the recorded point.',
  };
}

export const copyMethod = (ctx: { settings: Pick<Settings, 'method' | 'donor'> }): CopyMethod => {
  const m = METHODS[ctx.settings.method];
  if (!ctx.settings.donor) return m;
  // --donor with clone is refused by the options (config/copy-methods.ts).
  return m.logical ? fromDonor(m) : physicalFromDonor(m);
};
