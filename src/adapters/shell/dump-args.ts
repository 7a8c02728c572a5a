// argv for the dump and the import. Pure, golden-tested. --defaults-extra-file must come first: the clients
// only honour it as their first argument.
import type { Clients } from './clients.js';

export interface DumpOptions {
  optionFile: string;
  method: 'classic' | 'online';
  /** MariaDB: also write the GTID position (--gtid) with the coordinates. */
  gtid?: boolean;
  /** Only these schemas (default: all). */
  databases?: string[];
}

export function dumpArgs(c: Clients, o: DumpOptions): string[] {
  const args = [`--defaults-extra-file=${o.optionFile}`];
  args.push(...(o.databases?.length ? ['--databases', ...o.databases] : ['--all-databases']));
  args.push('--quick', '--routines', '--events', '--triggers', '--hex-blob', '--max-allowed-packet=1G');
  // Accounts and grants travel with the mysql schema; reload them once imported.
  if (!o.databases?.length) args.push('--flush-privileges');
  if (o.method === 'classic') args.push('--lock-all-tables');
  else {
    args.push('--single-transaction');
    // Coordinates as a comment in the header, read as the stream passes (not executed on BS).
    args.push(c.dump.sourceData ? '--source-data=2' : '--master-data=2');
  }
  if (o.gtid && c.dump.gtid) args.push('--gtid');
  return args;
}

export function loadArgs(_c: Clients, o: { optionFile: string }): string[] {
  // No --force: the first error must stop the import, and the copy must count as failed.
  return [`--defaults-extra-file=${o.optionFile}`, '--max-allowed-packet=1G', '--batch'];
}
