// How the copy keeps it consistent, as one value per method: the steps ask the method, never compare its name.
import type { RecoveryContext } from './context.js';

export interface CopyMethod {
  name: 'classic' | 'online';
  /** GS is under FLUSH TABLES WITH READ LOCK from step 3 to step 5 (the seed's procedure). */
  locksGs: boolean;
  /** Where GS's coordinates come from: recorded under the lock, or read from the dump's own header. */
  coordinatesFrom: 'lock' | 'dump';
  /** How the dump reads a consistent state (mysqldump --lock-all-tables, or --single-transaction). */
  dump: 'lock-all-tables' | 'snapshot';
  /** Consistent only when every copied table is transactional and no DDL runs on GS (checked by the preflight). */
  needsTransactionalTables: boolean;
}

const METHODS: Record<CopyMethod['name'], CopyMethod> = {
  classic: { name: 'classic', locksGs: true, coordinatesFrom: 'lock', dump: 'lock-all-tables', needsTransactionalTables: false },
  online: { name: 'online', locksGs: false, coordinatesFrom: 'dump', dump: 'snapshot', needsTransactionalTables: true },
};

export const copyMethod = (ctx: Pick<RecoveryContext, 'settings'>): CopyMethod => METHODS[ctx.settings.method];
