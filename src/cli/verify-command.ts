// `mmrecover verify`: are the two servers of a live master-master pair the same, chunk by chunk? Exit 0 every chunk
// matched, 1 one differs, 2 bad usage, 3 could not tell (reasons printed), 130 interrupted (resume with --resume).
import type { Command } from 'commander';
import { z } from 'zod';
import { PASSWORD_ENV, type RawFlags } from '../config/load.js';
import { loadPairSettings, pairEndpoints, type PairSettings } from '../config/pair-settings.js';
import { shellLine } from '../config/shell-quote.js';
import { firstLine, UsageError } from '../base/errors.js';
import { redact, registerSecret } from '../base/redact.js';
import { CHECKSUM_DDL, CHECKSUM_TABLE, SESSION_SETTINGS } from '../recovery/verify/checksums.js';
import { verifyPair, type TableVerdict, type VerifyOptions, type VerifyResult } from '../engine/verify-run.js';
import type { JournalData } from '../engine/journal.js';
import { readFileSync } from 'node:fs';
import { addOptions } from './options.js';
import type { CliIo } from './io.js';

/** pt-table-checksum's --max-lag default. */
const DEFAULT_MAX_LAG = 1;
const TABLE_NAME = /^[^.\s,]+\.[^.\s,]+$/;

const HELP_AFTER = `
How: pt-table-checksum's method (https://docs.percona.com/percona-toolkit/pt-table-checksum.html). Each table is
cut into primary-key chunks sized to --chunk-time. For each chunk, A runs, in a session with binlog_format STATEMENT,
  REPLACE INTO ${CHECKSUM_TABLE} (…, this_cnt, this_crc) SELECT …, COUNT(*), SUM(CRC32(<row>)) FROM <table> WHERE <range>
which replicates as a statement, so B computes its own checksum of the same range at the same point of the
replication stream, with no table lock and replication left running (the statement holds shared row locks on its one
chunk while it runs, about --chunk-time; writers wait at most that, and verify's own wait is 1 s); then A records its own result in master_cnt/master_crc with an UPDATE (also
replicated). Once B has applied it, the chunks where B's this_* and master_* differ are the differences. A chunk that
differs is checked again from B and from A (writes in flight on one side settle), and reported only if it still differs.
Rows inserted past a table's largest integer key while verify runs are left to the next run.
Writes: only to ${CHECKSUM_TABLE} (created on A if missing, replicated to B); it holds the state --resume continues.
${CHECKSUM_DDL.map((s) => `  ${s.shown};`).join('\n')}
Session settings (verify's own sessions only):
${SESSION_SETTINGS.map((s) => `  ${s.shown};`).join('\n')}
Needs: replication A→B running (B replicates from A); A→B→A both running lets a differing chunk be checked from B too.
Exit: 0 every chunk matched; 1 a chunk or a table differs; 2 bad usage (nothing written); 3 could not tell (which and
why is printed: replication not running, a table without a primary key, a server unreachable); 130 interrupted.
The password comes from ${PASSWORD_ENV.password} (environment or .env), --defaults-file, or is asked on a terminal.`;

const verifyFlags = z.strictObject({
  maxLag: z.coerce
    .number({ error: '--max-lag must be a number of seconds' })
    .min(0, { error: '--max-lag must be 0 or more seconds' })
    .max(86_400, { error: '--max-lag must be at most 86400' })
    .optional(),
  tables: z.array(z.string().regex(TABLE_NAME, { error: '--tables must list schema.table names, comma-separated' })).optional(),
  ignoreTables: z.array(z.string().regex(TABLE_NAME, { error: '--ignore-tables must list schema.table names, comma-separated' })).optional(),
  chunkSize: z.coerce
    .number({ error: '--chunk-size must be a whole number of rows' })
    .int({ error: '--chunk-size must be a whole number of rows' })
    .min(1, { error: '--chunk-size must be at least 1' })
    .max(100_000_000, { error: '--chunk-size must be at most 100000000' })
    .optional(),
  format: z.enum(['text', 'json'], { error: '--format must be text or json' }).optional(),
  resume: z.boolean().optional(),
  journal: z.string().min(1, { error: '--journal must name a file' }).optional(),
});

const list = (v: string, prev: unknown) => [
  ...(Array.isArray(prev) ? (prev as string[]) : []),
  ...v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
];

export function registerVerifyCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('verify')
    .description('compare the data of a live master-master pair chunk by chunk, at the same point of replication on both sides, without locking')
    .addHelpText('after', HELP_AFTER)
    .option('--max-lag <seconds>', `pause while B is more than this many seconds behind A (default ${DEFAULT_MAX_LAG}, as pt-table-checksum)`)
    .option('--tables <list>', 'only these tables: schema.table (or schema.*), comma-separated, repeatable', list)
    .option('--ignore-tables <list>', 'skip these tables: schema.table (or schema.*), comma-separated, repeatable', list)
    .option('--chunk-size <rows>', 'every chunk this many rows, not sized by --chunk-time (as pt-table-checksum\u2019s --chunk-size)')
    .option('--format <format>', 'text or json (one JSON object)')
    .option('--resume', `continue the last run from the chunk after the last one compared (its state is in ${CHECKSUM_TABLE})`)
    .option(
      '--journal <file>',
      'with --resume: go on where that recovery’s proof stopped (--verify-time): the tables it left, from the key it reached (the recovery prints this line)',
    )
    .action(async (flags: RawFlags) => {
      io.setExitCode(await verify(flags, io));
    });
  addOptions(cmd, 'verify');
}

async function verify(flags: RawFlags, io: CliIo): Promise<number> {
  const own = verifyFlags.safeParse({
    maxLag: flags.maxLag,
    tables: flags.tables,
    ignoreTables: flags.ignoreTables,
    chunkSize: flags.chunkSize,
    format: flags.format,
    resume: flags.resume,
    journal: flags.journal,
  });
  if (!own.success) throw new UsageError(own.error.issues[0]?.message ?? 'bad option');
  const s = loadPairSettings({ flags, env: io.env, cwd: io.cwd });
  const fromProof = own.data.journal !== undefined ? proofLeft(own.data.journal, Boolean(own.data.resume), s) : undefined;
  const json = own.data.format === 'json';
  let password = s.password;
  if (password === undefined && process.stdin.isTTY && !json)
    password = await new (await import('./ui/prompter.js')).TerminalPrompter(io.signal).secret(`Password for ${s.user} on A and B`);
  if (password === undefined) throw new UsageError(`${PASSWORD_ENV.password} is not set (environment or .env), and there is no terminal to ask for it`);
  registerSecret(password);

  const maxLag = own.data.maxLag ?? DEFAULT_MAX_LAG;
  let lastLine = 0;
  const r = await verifyPair(pairEndpoints(s, password), {
    tables: own.data.tables,
    ignoreTables: own.data.ignoreTables,
    chunkTimeMs: s.chunkTime * 1000,
    chunkRows: own.data.chunkSize,
    maxLagSeconds: maxLag,
    resume: Boolean(own.data.resume),
    ...(fromProof ? { fromProof } : {}),
    connectTimeoutMs: s.connectTimeout * 1000,
    signal: io.signal,
    progress: (t) => {
      if (/^(note|waiting|--resume)/.test(t)) io.err(`mmrecover: ${t}`);
    },
    // Progress on stderr (stdout keeps the result alone): every chunk as a JSON event, or a line at most every 2 s.
    onChunk: (p) => {
      if (json) return io.err(JSON.stringify({ event: 'verify-progress', ...p }));
      if (Date.now() - lastLine < 2000) return;
      lastLine = Date.now();
      io.err(
        `mmrecover: progress: table ${p.tableIndex}/${p.tables} ${p.table} · ${p.chunks} chunk(s) · ${p.rows} of ~${p.rowsEstimated} rows · ${p.elapsedSeconds} s${p.etaSeconds === null ? '' : ` · ETA ${p.etaSeconds} s`}`,
      );
    },
  });
  const exitCode = r.outcome === 'matched' ? 0 : r.outcome === 'differs' ? 1 : r.outcome === 'unknown' ? 3 : 130;
  const resumeCommand = shellLine([
    'mmrecover',
    'verify',
    '--a',
    s.aText,
    '--b',
    s.bText,
    ...(own.data.tables?.length ? ['--tables', own.data.tables.join(',')] : []),
    ...(own.data.ignoreTables?.length ? ['--ignore-tables', own.data.ignoreTables.join(',')] : []),
    ...(own.data.chunkSize ? ['--chunk-size', String(own.data.chunkSize)] : []),
    ...(flags.chunkTime !== undefined ? ['--chunk-time', String(s.chunkTime)] : []),
    ...(own.data.maxLag !== undefined ? ['--max-lag', String(own.data.maxLag)] : []),
    '--resume',
  ]);
  if (json) io.out(redact(JSON.stringify({ ...r, exitCode, ...(r.outcome === 'interrupted' ? { resumeCommand } : {}) })));
  else for (const line of renderVerify(r, resumeCommand)) io.out(redact(line));
  return exitCode;
}

/**
 * What a recovery's proof left to compare (--resume --journal): read from its journal, which must be of this pair (A its
 * GS, B its BS) and hold a proof cut short by --verify-time. Any other case is bad usage: one line, nothing written.
 */
function proofLeft(path: string, resume: boolean, s: PairSettings): NonNullable<VerifyOptions['fromProof']> {
  if (!resume) throw new UsageError(`--journal ${path} goes on where that recovery's proof stopped: give --resume too`);
  let data: JournalData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as JournalData;
  } catch (err) {
    throw new UsageError(`--journal ${path}: not a readable mmrecover journal (${firstLine(err)})`);
  }
  const v = data.state?.verification;
  const [gs, bs] = [data.servers?.GS, data.servers?.BS];
  if (!gs || !bs || !v) throw new UsageError(`--journal ${path}: no proof recorded in it (did that recovery reach step 10?)`);
  const same = (x: { host: string; port: number }, y: { host: string; port: number }) => x.host === y.host && x.port === y.port;
  if (!same(gs, s.a) || !same(bs, s.b))
    throw new UsageError(
      `--journal ${path} is the recovery of GS ${gs.host}:${gs.port} and BS ${bs.host}:${bs.port}: give them as --a and --b (here --a ${s.aText} --b ${s.bText})`,
    );
  if (!v.unverified?.length)
    throw new UsageError(`--journal ${path}: its proof compared every table; nothing is left to go on with (run verify without --journal)`);
  const after = v.resumeAfter;
  return { tables: v.unverified, ...(after ? { after: { table: after.table, key: after.after } } : {}) };
}

function range(t: TableVerdict, d: TableVerdict['differing'][number]): string {
  const k = d.key.join(', ');
  const v = (x: unknown[] | null) => (x === null ? null : x.length === 1 ? String(x[0]) : `(${x.join(', ')})`);
  const [lo, hi] = [v(d.lower), v(d.upper)];
  const span = lo === null && hi === null ? 'the whole table' : lo === null ? `${k} up to ${hi}` : hi === null ? `${k} from ${lo}` : `${k} from ${lo} to ${hi}`;
  return `${t.table} chunk ${d.chunk}: ${span} (A ${d.rows.A} rows, B ${d.rows.B} rows)`;
}

export function renderVerify(r: VerifyResult, resumeCommand: string): string[] {
  const out = [`Verify ${r.servers.A} ↔ ${r.servers.B}${r.resumed ? ' (resumed)' : ''}: ${r.tables.length} table(s) in ${r.seconds.toFixed(1)} s`];
  const w = Math.max(8, ...r.tables.map((t) => t.table.length)) + 2;
  for (const t of r.tables) {
    const what =
      t.status === 'matched'
        ? 'matched'
        : t.status === 'interrupted'
          ? `INTERRUPTED after chunk ${t.comparedNow.at(-1) ?? 0}`
          : t.status === 'differs'
            ? `DIFFERS${t.reason ? `: ${t.reason}` : `: ${t.differing.length} chunk(s)`}`
            : `NOT COMPARED: ${t.reason}`;
    out.push(`  ${t.table.padEnd(w)}${String(t.chunks).padStart(6)} chunks ${String(t.rows.A).padStart(10)} rows  ${what}`);
    for (const d of t.differing) out.push(`      ${range(t, d)}`);
  }
  for (const why of r.reasons) out.push(`Could not tell: ${why}`);
  if (r.outcome === 'matched') out.push('Every chunk matched on A and B.');
  else if (r.outcome === 'differs') out.push('A and B differ: the chunks above hold rows that are not the same on both sides.');
  else if (r.outcome === 'unknown') out.push('Could not tell whether A and B hold the same data (see above).');
  else out.push(`Interrupted; the chunks compared so far are recorded. Continue with: ${resumeCommand}`);
  return out;
}
