// `mmrecover salvage --datadir <kept> --against <host:port>`: what a kept data directory held that a server lacks.
// The physical method keeps BS's datadir whole and compares nothing before the copy; this reads it afterwards: a
// temporary mariadbd on the directory (socket only, no networking, no replication, its own temp dir), compared chunk
// by chunk with the named server (the comparison step 2 makes), and the same bs-only-rows.sql written. The temporary
// server is stopped whatever happens.
import type { Command } from 'commander';

import { join, resolve } from 'node:path';
import { UsageError } from '../base/errors.js';
import { redact, registerSecret } from '../base/redact.js';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { ServerSession } from '../adapters/mysql/session.js';
import { LazyTextFile } from '../adapters/shell/text-file.js';
import { notADatadir, startTempServer } from '../adapters/shell/temp-server.js';
import { PASSWORD_ENV } from '../config/load.js';
import { differingTables, listUserTables, type Query } from '../recovery/compare.js';
import { MARKER_SCHEMA } from '../recovery/proof.js';
import { ROWS_PREAMBLE, rowStatements } from '../recovery/bs-rows.js';
import { summarizeData } from '../recovery/bs-only.js';
import { bsSideTables, describeTable } from '../recovery/bs-only-text.js';
import type { CliIo } from './io.js';

interface SalvageFlags {
  datadir?: string;
  against?: string;
  user?: string;
  output?: string;
  compareTimeout?: string;
}

export function registerSalvageCommand(program: Command, io: CliIo): void {
  program
    .command('salvage')
    .description('what a kept data directory (the physical method’s) held that a server lacks: compared on a temporary mariadbd, written as bs-only-rows.sql')
    .option('--datadir <dir>', 'the kept data directory (e.g. the one the physical method renamed aside)')
    .option('--against <host:port>', 'the server to compare it with (the recovered pair’s GS)')
    .option('-u, --user <name>', `account on that server (default: MMRECOVER_USER or root); its password from ${PASSWORD_ENV.password}`)
    .option('--output <dir>', 'where bs-only-rows.sql goes (default: salvage-<time> in the current directory)')
    .option('--compare-timeout <seconds>', 'longest time telling differing tables apart row by row (default 600)')
    .action(async (flags: SalvageFlags) => {
      io.setExitCode(await salvage(flags, io));
    });
}

async function salvage(flags: SalvageFlags, io: CliIo): Promise<number> {
  if (!flags.datadir) throw new UsageError('salvage: --datadir <kept data directory> is required');
  if (!flags.against) throw new UsageError('salvage: --against <host:port> is required');
  const datadir = resolve(io.cwd, flags.datadir);
  const why = notADatadir(datadir);
  if (why) throw new UsageError(`salvage: --datadir ${why}`);
  let address: { host: string; port: number };
  try {
    address = parseHostPort(flags.against);
  } catch (err) {
    throw new UsageError(`salvage: --against ${flags.against}: ${(err as Error).message}`);
  }
  const bound = flags.compareTimeout === undefined ? 600 : Number(flags.compareTimeout);
  if (!Number.isFinite(bound) || bound < 0) throw new UsageError(`salvage: --compare-timeout ${flags.compareTimeout}: not a number of seconds`);
  const password = io.env[PASSWORD_ENV.password];
  registerSecret(password);
  const user = flags.user ?? io.env.MMRECOVER_USER ?? 'root';
  const name = `${address.host}:${address.port}`;
  const against = await ServerSession.connect({ label: 'GS', host: address.host, port: address.port, user, password: password ?? '' }).catch((err: Error) => {
    throw new UsageError(`salvage: --against ${name}: ${redact(err.message.split('\n')[0])}`);
  });
  io.err(`Starting a temporary mariadbd on ${datadir} (socket only, no networking, replication not started)…`);
  let temp;
  try {
    temp = await startTempServer(datadir);
  } catch (err) {
    await against.close().catch(() => undefined);
    throw err;
  }
  // Whatever ends this process, the temporary server goes with it.
  const server = temp;
  const onSignal = (sig: NodeJS.Signals) => {
    server.kill();
    // The CLI's own handlers (SIGINT, SIGTERM) abort the comparison; a signal nobody else handles ends the process.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.once(sig, onSignal);
  process.once('exit', server.kill);
  try {
    const [first, second]: Query[] = [(s) => against.query(s), (s) => temp.session.query(s)];
    io.err(`Comparing every user table of ${datadir} with ${name}, chunk by chunk by primary key…`);
    // The tool's own markers (mmrecover.proof) are rewritten by every recovery's proof: not data the kept directory lost.
    const tables = [...new Set([...(await listUserTables(first)), ...(await listUserTables(second))])].filter((t) => !t.startsWith(`${MARKER_SCHEMA}.`));
    const cmp = await differingTables(first, second, { only: tables, rowsWithinMs: bound * 1000, keys: true, signal: io.signal });
    const data = summarizeData(cmp, bound);
    const mine = bsSideTables(data);
    const dir = resolve(io.cwd, flags.output ?? `salvage-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
    const path = join(dir, 'bs-only-rows.sql');
    let file: LazyTextFile | undefined;
    const counts = { inserts: 0, replaces: 0, tables: [] as string[] };
    for (const t of mine) {
      const k = cmp.keys?.get(t.table);
      if (!k || (k.onlyOnSecond.length === 0 && k.differ.length === 0)) continue;
      if (!file) {
        file = new LazyTextFile(path);
        await file.write(
          [
            `-- mmrecover salvage: rows of the kept data directory ${datadir} that ${name} lacks (INSERT) or holds otherwise`,
            `-- (REPLACE: the kept version), found at ${new Date().toISOString()} by comparing every user table by primary key.`,
            '-- Review, then apply what you want to keep to the pair (mariadb/mysql < this file, on one server: it replicates).',
            ROWS_PREAMBLE,
          ].join('\n'),
        );
      }
      counts.tables.push(t.table);
      await file.write(`\n-- ${describeTable(t, bound)}\n`);
      for await (const s of rowStatements(second, t.table, k)) {
        counts[s.verb === 'INSERT' ? 'inserts' : 'replaces'] += s.rows;
        await file.write(s.text);
      }
    }
    await file?.close();
    for (const t of data.tables) io.out(describeTable(t, bound));
    const unlisted = mine.filter((t) => !counts.tables.includes(t.table));
    if (unlisted.length)
      io.out(
        `Not listed row by row (no primary key, other columns, only in the kept directory, or out of time): ${unlisted.map((t) => t.table).join(', ')}; read them on a server started on ${datadir}`,
      );
    io.out(
      file
        ? `Kept ${path}: ${counts.inserts} row(s) only in the kept directory (INSERT), ${counts.replaces} that differ (REPLACE), in ${counts.tables.join(', ')}`
        : `Nothing to keep by key: no row of ${datadir} that ${name} lacks or holds otherwise (${data.compared} tables compared)`,
    );
    return 0;
  } finally {
    for (const sig of signals) process.removeListener(sig, onSignal);
    process.removeListener('exit', server.kill);
    await temp.stop();
    await against.close().catch(() => undefined);
    io.err('The temporary mariadbd is stopped.');
  }
}
