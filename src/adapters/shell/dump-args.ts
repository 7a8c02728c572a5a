// argv for the dump and the import. Pure, golden-tested. --defaults-extra-file must come first: the clients only
// honour it as their first argument (anywhere else it is an error).
import type { Clients } from './clients.js';

export interface DumpOptions {
  optionFile: string;
  /** The seed's --lock-all-tables, or a consistent snapshot with the coordinates in its header. */
  consistency: 'lock-all-tables' | 'snapshot';
  /**
   * GTID positioning: MariaDB's client writes the GTID position with the coordinates (--gtid); MySQL's sets
   * gtid_purged on the import (--set-gtid-purged=ON), so that auto-positioning knows what BS already holds.
   */
  gtid?: boolean;
  /** Only these schemas (default: all). */
  databases?: string[];
}

export function dumpArgs(c: Pick<Clients, 'dump'>, o: DumpOptions): string[] {
  const some = (o.databases?.length ?? 0) > 0;
  const args = [`--defaults-extra-file=${o.optionFile}`];
  args.push(...(some ? ['--databases', ...o.databases!] : ['--all-databases']));
  // --quick: row by row, never a whole table in the dump's memory.
  args.push('--quick');
  if (o.consistency === 'lock-all-tables') args.push('--lock-all-tables');
  else {
    args.push('--single-transaction');
    // =2: the coordinates as a comment in the header, read as the stream passes (never executed on BS).
    args.push(c.dump.sourceData ? '--source-data=2' : '--master-data=2');
  }
  args.push('--routines', '--events', '--triggers');
  // Accounts and grants travel with the mysql schema; reload them once imported.
  if (!some) args.push('--flush-privileges');
  args.push('--hex-blob', '--max-allowed-packet=1G');
  if (o.gtid) args.push(c.dump.flavor === 'mariadb' ? '--gtid' : '--set-gtid-purged=ON');
  return args;
}

export function loadArgs(_c: Pick<Clients, 'load'>, o: { optionFile: string }): string[] {
  // No --force: the first error must stop the import, and the copy must count as failed.
  return [`--defaults-extra-file=${o.optionFile}`, '--max-allowed-packet=1G', '--batch'];
}
