// `mmrecover status`: the pair at a glance before acting. One screen (or one JSON object) on stdout;
// exit 0 when both directions are healthy, 1 when anything is not (the report is printed either way).
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { PASSWORD_ENV, type RawFlags } from '../config/load.js';
import { defaultOf, recommendedRecoverLine } from '../config/options.js';
import { loadPairSettings, loadRingSettings, pairEndpoints, ringEndpoints } from '../config/pair-settings.js';
import { gatherRingStatus, worstRingVerdict, type RingStatus } from '../inspect/ring-status.js';
import { shellQuote } from '../config/shell-quote.js';
import { UsageError } from '../base/errors.js';
import {
  gatherPairStatus,
  LAGGING_AFTER_SECONDS,
  worstVerdict,
  type Coordinates,
  type DirectionFacts,
  type PairStatus,
  type ServerFacts,
  type Side,
  type Verdict,
} from '../inspect/pair-status.js';
import { makeChalk } from './ui/colors.js';
import { gatherFenceStatus, renderFenceStatus } from '../inspect/traffic-status.js';
import { redact, registerSecret } from '../base/redact.js';
import { addOptions } from './options.js';
import type { CliIo } from './io.js';

const HELP_AFTER = `
With --ring a,b,c (a ring of masters in replication order, labelled A, B, C): every link with its verdict, the member
that broke, and the recover --ring line that rebuilds it from its upstream.
Verdict per direction (A→B: A is the source, B the replica):
  healthy  both threads run, no error, at most ${LAGGING_AFTER_SECONDS}s behind
  lagging  more than ${LAGGING_AFTER_SECONDS}s behind, or the SQL thread stopped without an error while the IO thread runs
  broken   a thread stopped on an error, the IO thread is not running, or no replication is configured
  unknown  the replica could not be reached
Lag is Seconds_Behind_Master while the SQL thread runs; when that is NULL (SQL thread stopped), it is the age of
the oldest event in the source's binary log that the replica has not executed.
When one direction is broken, the server that stopped replicating is named as the likely bad server (BS).
When both are, the evidence is gathered (transactions each side lacks, rows per schema, checksums of every
table, and the tables that differ row by row by primary key, within --compare-timeout) and one server is
recommended, with reasons. Nothing is changed: recover still asks before acting.`;

export function registerStatusCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('status')
    .description('show both servers and both replication directions side by side, with a verdict and, when broken, which server to rebuild')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: RawFlags) => {
      io.setExitCode(await status(flags, io));
    });
  addOptions(cmd, 'status');
}

async function status(flags: RawFlags, io: CliIo): Promise<number> {
  if (flags.ring !== undefined) return ringStatus(flags, io);
  const s = loadPairSettings({ flags, env: io.env, cwd: io.cwd });
  const json = Boolean(flags.json);
  let password = s.password;
  if (password === undefined && process.stdin.isTTY && !json)
    password = await new (await import('./ui/prompter.js')).TerminalPrompter(io.signal).secret(`Password for ${s.user} on A and B`);
  if (password === undefined) throw new UsageError(`${PASSWORD_ENV.password} is not set (environment or .env), and there is no terminal to ask for it`);
  registerSecret(password);

  const st = await gatherPairStatus(pairEndpoints(s, password), {
    connectTimeoutMs: s.connectTimeout * 1000,
    evidence: true,
    compareTimeoutMs: s.compareTimeout * 1000,
    chunkTimeMs: s.chunkTime * 1000,
    lockWaitSeconds: defaultOf('lockWaitTimeout'),
    // The pair as typed, and the connection options given here, repeated on the recover line it recommends.
    recoverCommand: (good) => recommendedRecoverLine({ ...flags, a: s.aText, b: s.bText }, good),
  });
  const fences = Array.isArray(flags.fence) ? await gatherFenceStatus(flags.fence as string[], s.connectTimeout * 1000) : [];
  if (json) io.out(redact(JSON.stringify(fences.length ? { ...st, fence: fences } : st)));
  else for (const line of [...renderStatus(st, makeChalk({ stream: process.stdout, env: io.env })), ...renderFenceStatus(fences)]) io.out(redact(line));
  return worstVerdict(st) === 'healthy' ? 0 : 1;
}

const fmt = (c: Coordinates | null | undefined) => (c ? `${c.file}:${c.position}` : '-');

function verdictText(v: Verdict, c: ChalkInstance): string {
  const word = v.toUpperCase();
  return v === 'healthy' ? c.green(word) : v === 'lagging' ? c.yellow(word) : v === 'broken' ? c.red.bold(word) : c.magenta(word);
}

function serverRows(f: ServerFacts): Array<[string, string]> {
  if (!f.reachable)
    return [
      ['address', f.address],
      ['state', `UNREACHABLE: ${f.error ?? 'no answer'}`],
    ];
  const g = f.gtid;
  const gtid =
    g?.mode !== undefined
      ? `gtid_mode ${g.mode}${g.executed ? `, executed ${g.executed}` : ''}`
      : `binlog_pos ${g?.binlogPos || '(empty)'}, slave_pos ${g?.slavePos || '(empty)'}${g?.strict ? ', strict' : ''}`;
  return [
    ['address', f.address],
    ['state', 'up'],
    ['server', f.version ?? '-'],
    ['server_id', String(f.serverId ?? '-')],
    ['uuid', f.serverUuid ?? '-'],
    ['read_only', f.readOnly ? 'ON' : 'OFF'],
    ['binary log', f.binlog ? fmt(f.binlog) : 'OFF (cannot act as a master)'],
    ['GTID', gtid],
  ];
}

function sideBySide(a: ServerFacts, b: ServerFacts, c: ChalkInstance): string[] {
  const ra = serverRows(a);
  const rb = serverRows(b);
  const labels = [...new Set([...ra.map(([k]) => k), ...rb.map(([k]) => k)])];
  const get = (rows: Array<[string, string]>, k: string) => rows.find(([key]) => key === k)?.[1] ?? '-';
  const w0 = Math.max(...labels.map((l) => l.length)) + 2;
  const w1 = Math.max(20, ...labels.map((l) => get(ra, l).length)) + 3;
  const out = [`${' '.repeat(w0)}${c.bold('A'.padEnd(w1))}${c.bold('B')}`];
  for (const l of labels) {
    const [va, vb] = [get(ra, l), get(rb, l)];
    const paint = (v: string) => (v.startsWith('UNREACHABLE') ? c.red(v) : v);
    out.push(`${l.padEnd(w0)}${paint(va)}${' '.repeat(Math.max(1, w1 - va.length))}${paint(vb)}`);
  }
  return out;
}

function errorText(e: DirectionFacts<string>['sqlError']): string {
  return e ? `${e.errno}${e.time ? ` at ${e.time}` : ''}: ${e.message}` : 'none';
}

function lagLine(d: DirectionFacts<string>): string {
  if (d.lagSeconds === null) return 'unknown';
  if (d.lagFrom === 'oldest_unapplied') return `${d.lagSeconds}s (age of the oldest event ${d.replica} has not executed; Seconds_Behind_Master is NULL)`;
  if (d.lagFrom === 'caught_up') return `0s (nothing waiting)`;
  return `${d.lagSeconds}s (Seconds_Behind_Master)`;
}

function directionLines(d: DirectionFacts<string>, c: ChalkInstance): string[] {
  const out = [`${c.bold(d.name)}  ${verdictText(d.verdict, c)}  ${d.reason}`];
  if (d.io === undefined) return out;
  if (!d.configured) return out;
  out.push(`    replicates from  ${d.sourceAddress}${d.usingGtid ? ' (by GTID)' : ' (by file and position)'}`);
  out.push(`    threads          IO ${d.io}, SQL ${d.sql}`);
  out.push(`    last IO error    ${errorText(d.ioError)}`);
  out.push(`    last SQL error   ${errorText(d.sqlError)}`);
  out.push(`    lag              ${lagLine(d)}`);
  const behind = d.bytesBehind === undefined || d.bytesBehind === null ? '' : ` (${d.bytesBehind} bytes not executed by ${d.replica})`;
  out.push(`    ${`read by ${d.replica}`.padEnd(17)}${fmt(d.read)} of ${d.source}'s binary log`);
  out.push(`    ${`executed by ${d.replica}`.padEnd(17)}${fmt(d.executed)}`);
  out.push(`    ${`written by ${d.source}`.padEnd(17)}${d.written === undefined ? `unknown (${d.source} unreachable)` : fmt(d.written)}${behind}`);
  return out;
}

export function renderStatus(st: PairStatus, c: ChalkInstance): string[] {
  const out: string[] = [`Pair status at ${st.checkedAt}`, ''];
  out.push(...sideBySide(st.servers.A, st.servers.B, c), '');
  for (const d of st.directions) out.push(...directionLines(d, c), '');
  for (const n of st.notes) out.push(`${c.yellow('!')} ${n}`);
  if (st.notes.length) out.push('');

  const ev = st.evidence;
  if (ev) {
    const both = st.directions.every((d) => d.verdict === 'broken');
    out.push(
      c.bold(
        both ? 'Both directions are broken. Evidence for choosing the good server:' : 'What each side holds that the other does not (a rebuild overwrites it):',
      ),
    );
    for (const s of ['A', 'B'] as Side[]) out.push(`  ${s} has what ${s === 'A' ? 'B' : 'A'} lacks: ${ev.lacking[s].detail}`);
    if (ev.error) out.push(`  ${c.yellow(ev.error)}`);
    if (ev.schemas.length) {
      const w = Math.max(8, ...ev.schemas.map((x) => x.schema.length)) + 2;
      out.push(`  rows per schema:  ${'schema'.padEnd(w)}${'A'.padStart(12)}${'B'.padStart(12)}`);
      for (const x of ev.schemas)
        out.push(
          `                    ${x.schema.padEnd(w)}${String(x.rows.A).padStart(12)}${String(x.rows.B).padStart(12)}${x.rows.A !== x.rows.B ? c.yellow('  differs') : ''}`,
        );
    }
    if (ev.differing.length === 0) out.push(`  checksums: all ${ev.tablesCompared} tables present on both sides match`);
    else {
      out.push(`  checksums: ${ev.differing.length} table(s) differ (of ${ev.tablesCompared} on both sides):`);
      const w = Math.max(...ev.differing.map((t) => t.table.length)) + 2;
      for (const t of ev.differing) {
        const where = t.presentOn.length === 1 ? `, only on ${t.presentOn[0]}` : '';
        const newest = t.newest ? `; newest ${t.newest.column}: A ${t.newest.A ?? '-'}, B ${t.newest.B ?? '-'}` : '';
        const k = t.byKey;
        const byKey = k
          ? `; by key: ${[k.onlyOn.A ? `${k.onlyOn.A} only on A` : '', k.onlyOn.B ? `${k.onlyOn.B} only on B` : '', k.differ ? `${k.differ} differ` : ''].filter(Boolean).join(', ') || 'no row differs'}`
          : t.notByKey
            ? `; not by key: ${t.notByKey}`
            : '';
        out.push(`    ${c.red(t.table.padEnd(w))}rows A ${t.rows.A ?? '-'}, B ${t.rows.B ?? '-'}${where}${newest}${byKey}`);
      }
    }
    out.push('');
  }

  const r = st.recommendation;
  if (r) {
    const bothBroken = st.directions.every((d) => d.verdict === 'broken');
    out.push(c.bold(bothBroken ? `Recommendation: keep ${r.good}, rebuild ${r.bad}` : `Likely bad server (BS): ${r.bad}; the good server (GS) is ${r.good}`));
    for (const why of r.reasons) out.push(`  - ${why}`);
    for (const n of r.caveats) out.push(`  ${c.yellow('!')} ${n}`);
    out.push(`  To rebuild ${r.bad} from ${r.good}:`);
    out.push(`    ${c.cyan(r.command)}`);
    out.push('  (recover shows every step and asks before it changes anything)');
  } else if (worstVerdict(st) === 'healthy') {
    out.push(c.green('Both directions are healthy: nothing to recover.'));
  }
  return out;
}

/** status --ring: every link of the ring, which member broke, and the recover line that rebuilds it. */
async function ringStatus(flags: RawFlags, io: CliIo): Promise<number> {
  const s = loadRingSettings({ flags, env: io.env, cwd: io.cwd });
  const json = Boolean(flags.json);
  let password = s.password;
  if (password === undefined && process.stdin.isTTY && !json)
    password = await new (await import('./ui/prompter.js')).TerminalPrompter(io.signal).secret(`Password for ${s.user} on every member`);
  if (password === undefined) throw new UsageError(`${PASSWORD_ENV.password} is not set (environment or .env), and there is no terminal to ask for it`);
  registerSecret(password);
  const typed = s.text.split(',').map((x) => x.trim());
  const st = await gatherRingStatus(ringEndpoints(s, password), {
    connectTimeoutMs: s.connectTimeout * 1000,
    recoverCommand: (bad) => `${recommendedRecoverLine({ ...flags, ring: s.text }, 'A')} --bad ${shellQuote(typed[bad])}`,
  });
  if (json) io.out(redact(JSON.stringify(st)));
  else for (const line of renderRingStatus(st, makeChalk({ stream: process.stdout, env: io.env }))) io.out(redact(line));
  return worstRingVerdict(st) === 'healthy' ? 0 : 1;
}

export function renderRingStatus(st: RingStatus, c: ChalkInstance): string[] {
  const out: string[] = [`Ring status at ${st.checkedAt}: ${[...st.members.map((m) => m.side), st.members[0].side].join(' → ')}`, ''];
  for (const m of st.members)
    out.push(
      `${c.bold(m.side)}  ${m.address}  ${m.reachable ? `${m.version ?? ''}, server_id ${m.serverId ?? '-'}, read_only ${m.readOnly ? 'ON' : 'OFF'}, binary log ${fmt(m.binlog)}` : c.red(`UNREACHABLE: ${m.error ?? 'no answer'}`)}`,
    );
  out.push('');
  for (const d of st.links) out.push(...directionLines(d, c), '');
  for (const n of st.notes) out.push(`${c.yellow('!')} ${n}`);
  if (st.notes.length) out.push('');
  const r = st.recommendation;
  if (r) {
    out.push(c.bold(`Broken member: ${r.bad} (the link ${r.upstream}→${r.bad}); rebuild it from its upstream ${r.upstream}`));
    for (const why of r.reasons) out.push(`  - ${why}`);
    for (const n of r.caveats) out.push(`  ${c.yellow('!')} ${n}`);
    if (r.command) {
      out.push(`  To rebuild ${r.bad} from ${r.upstream}:`);
      out.push(`    ${c.cyan(r.command)}`);
      out.push('  (recover shows every step and asks before it changes anything)');
    }
  } else if (worstRingVerdict(st) === 'healthy') out.push(c.green('Every link of the ring is healthy: nothing to recover.'));
  return out;
}
