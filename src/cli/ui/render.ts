// Renderers: the run's typed events drawn for a terminal (colours, spinners), as plain lines (logs, pipes, CI) or as
// JSON lines (--json: stdout holds events and nothing else). Chosen from the environment, as listr2 does; the
// engine and the steps know nothing of them.
import type { Ora } from 'ora';

/** ora's spinner factory: loaded only for a terminal (a run logged or in JSON never needs it). */
type Spinners = (typeof import('ora'))['default'];
import type { ChalkInstance } from 'chalk';
import { formatBytes, formatDuration } from '../../base/format.js';
import { redact } from '../../base/redact.js';
import type { PlanLine } from '../../recovery/actions.js';
import { unverifiedText, type Coordinates } from '../../recovery/state.js';
import type { RunEvent } from '../../recovery/events.js';
import { DONOR_POINT, donorCopyText } from '../../recovery/donor-text.js';
import type { Verdict } from '../../recovery/preflight.js';
import { makeChalk } from './colors.js';
import { fitLine, stringWidth, wrapHanging } from './layout.js';

/** A clause as a sentence: its first letter upper case. */
const sentence = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

export interface Renderer {
  emit(e: RunEvent): void;
}

export interface RendererOptions {
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Seconds between progress lines when there is no terminal. */
  plainProgressEvery?: number;
}

export async function createRenderer(o: RendererOptions): Promise<Renderer> {
  if (o.json) return new JsonRenderer(o);
  const tty = Boolean((o.stderr as NodeJS.WriteStream).isTTY) && o.env.TERM !== 'dumb' && !o.env.CI;
  return new HumanRenderer(o, tty ? (await import('ora')).default : undefined);
}

/** One JSON object per line on stdout; what must reach a person whatever happens (a stop) also goes to stderr. */
class JsonRenderer implements Renderer {
  private readonly human: HumanRenderer;
  constructor(private readonly o: RendererOptions) {
    this.human = new HumanRenderer({ ...o, json: false });
  }
  emit(e: RunEvent): void {
    this.o.stdout.write(redact(JSON.stringify({ ...e, time: new Date().toISOString() })) + '\n');
    if (e.event === 'stop') this.human.emit(e);
  }
}

// An empty GTID position is said as such: BS's binary log began after the copy (the physical method), nothing precedes it.
const coords = (c: Coordinates) =>
  `${c.file} / ${c.position}${c.gtid !== undefined ? ` (GTID ${c.gtid || 'position empty: from the start of its binary log'})` : ''}`;

class HumanRenderer implements Renderer {
  private readonly c: ChalkInstance;
  private spinner?: Ora;
  private plainLast = new Map<string, number>();
  private live = false;
  private gsWhileCopying = '';
  private activityText = new Map<string, string>();
  /** The current step's lines as numbered in its header: a run line that would repeat one refers to its number. */
  private shown = new Map<string, number>();
  /** When GS's read lock was taken (ms), while it is held. */
  private lockedAt?: number;

  /** A terminal: the live line is a spinner redrawn in place; otherwise plain lines, for a log. */
  private readonly tty: boolean;

  constructor(
    private readonly o: RendererOptions,
    private readonly spinners?: Spinners,
  ) {
    this.c = makeChalk({ stream: o.stderr, env: o.env, json: false });
    this.tty = spinners !== undefined;
  }

  /** The terminal's width now (it may be resized), or none when the output is not a terminal (logs keep whole lines). */
  private get width(): number | undefined {
    if (!this.tty) return undefined;
    const cols = (this.o.stderr as NodeJS.WriteStream).columns;
    return cols && cols > 0 ? cols : 80;
  }

  /** A line, wrapped at the terminal's width with a hanging indent (`hang` columns, or the indent plus two). */
  private write(text = '', hang?: number): void {
    const lead = /^\s*/.exec(text)![0];
    const lines = wrapHanging(lead, text.slice(lead.length), this.width, hang ?? lead.length + 2);
    const out = () => this.o.stderr.write(redact(lines.join('\n')) + '\n');
    if (this.spinner?.isSpinning) {
      this.spinner.clear();
      out();
      this.spinner.render();
    } else out();
  }

  private heading(text: string): void {
    this.write();
    this.write(this.c.bold(text));
  }

  private planLine(l: PlanLine, indent: string, n?: number): void {
    const extra = [l.when ? `only ${l.when}` : '', l.note ?? ''].filter(Boolean).join('; ');
    const prefix = `${indent}${n !== undefined ? `${String(n).padStart(2)} ` : ''}${this.c.bold(l.role)}> `;
    const lines = wrapHanging(prefix, `${l.text}${extra ? this.c.dim(`   -- ${extra}`) : ''}`, this.width);
    for (const line of lines) this.write(line, 0);
  }

  /** The table the metadata-lock watch last said sessions wait on (said once, not at every check). */
  private mdlTable?: string;

  /** How GS stands during the copy, first on the live line: locked for how long, or as the method says (online: writable). */
  private gsState(): string {
    if (this.lockedAt !== undefined) return `GS locked ${Math.round((Date.now() - this.lockedAt) / 1000)} s`;
    return this.gsWhileCopying;
  }

  private mark(v: Verdict): string {
    return v === 'ok' ? this.c.green(' ok ') : v === 'warn' ? this.c.yellow('warn') : v === 'stop' ? this.c.red('STOP') : this.c.dim('n/a ');
  }

  private activity(id: string, state: 'start' | 'update' | 'succeed' | 'fail', text: string): void {
    if (!this.tty) {
      if (state === 'start') this.write(`  … ${text}`);
      else if (state === 'update') {
        const now = Date.now();
        if (now - (this.plainLast.get(id) ?? 0) < (this.o.plainProgressEvery ?? 5) * 1000) return;
        this.plainLast.set(id, now);
        this.write(`    ${text}`);
      } else this.write(state === 'succeed' ? `${this.c.green('✔')} ${text}` : `${this.c.red('✖')} ${text}`);
      return;
    }
    if (state === 'start') {
      this.spinner?.stop();
      this.spinner = this.spinners!({ text: this.live1(text), stream: this.o.stderr, discardStdin: false }).start();
    } else if (state === 'update') {
      if (this.spinner) this.spinner.text = this.live1(text);
    } else {
      const s = this.spinner;
      this.spinner = undefined;
      if (s && state === 'succeed') s.succeed(this.live1(text));
      else if (s) s.fail(this.live1(text));
      else this.write(state === 'succeed' ? `${this.c.green('✔')} ${text}` : `${this.c.red('✖')} ${text}`);
    }
  }

  /** A spinner's text: one line beside its symbol, redrawn in place, so it must never wrap. */
  private live1(text: string): string {
    const w = this.width;
    return fitLine(redact(text), w ? w - 3 : undefined);
  }

  emit(e: RunEvent): void {
    const c = this.c;
    switch (e.event) {
      case 'run_start':
        this.live = e.mode === 'live';
        this.gsWhileCopying = e.gsWhileCopying ?? '';
        return this.heading(`mmrecover ${this.live ? 'recovery' : 'DRY RUN (nothing will be changed)'}: rebuild BS ${e.bad} from GS ${e.good}`);
      case 'server':
        return this.write(`  ${e.role} ${e.address}: ${e.reachable ? `${e.version}, server_id ${e.serverId}` : `not reachable; ${e.reason}`}`);
      case 'preflight': {
        this.heading('Preflight (read-only)');
        const width = Math.max(0, ...e.checks.map((x) => x.check.length));
        // A detail that wraps stays in its column.
        for (const x of e.checks) this.write(`  ${this.mark(x.verdict)}  ${x.check.padEnd(width)}  ${x.detail}`, Math.min(10 + width, 40));
        return;
      }
      case 'journal':
        if (e.resumingAt !== undefined) this.heading(`Resuming from step ${e.resumingAt} (journal ${e.path})`);
        else if (e.path) this.write(`  Journal: ${e.path}`);
        return;
      case 'plan': {
        for (const line of e.header ?? []) this.write(`  ${line}`);
        if (!this.live) return; // a dry run shows every step in full below
        // An overview: one line per step with the statement that matters; each step shows all of its lines when it comes.
        this.heading('The plan (each step shows its statements in full before it runs)');
        for (const s of e.steps) {
          // One line per step: its title, then the statement that matters, cut to the width (its count of others kept).
          const key = keyLine(s.lines);
          const more = s.lines.length > 1 ? c.dim(` (+${s.lines.length - 1} more)`) : '';
          const ask = s.question || s.confirmedBy ? '' : c.dim(' (no question)');
          const what = key ? `${c.bold(key.role)}> ${key.text}` : c.dim('decided when its turn comes');
          const room = this.width ? Math.max(20, this.width - stringWidth(more)) : undefined;
          this.write(fitLine(`  ${String(s.step).padStart(2)}. ${s.title}${ask}: ${what}`, room) + more, 0);
        }
        return;
      }
      case 'step_start':
        this.heading(`Step ${e.step}/${e.total} ${e.title} (${e.on})`);
        this.shown.clear();
        e.lines.forEach((l, i) => {
          const key = `${l.role}\u0000${l.text}`;
          if (!this.shown.has(key)) this.shown.set(key, i + 1);
          this.planLine(l, this.live ? '  ' : '    ', this.live ? i + 1 : undefined);
        });
        return;
      case 'checklist':
        this.write('  Checklist, outside this tool (it cannot reach these):');
        for (const item of e.items) this.write(`    - ${item}`);
        return;
      case 'question':
        if (e.dryRun) this.write(`  ${c.yellow('would ask:')} ${e.question}`);
        return;
      case 'answer':
        if (e.automatic) this.write(`  ${e.question} ${e.yes ? 'yes' : 'no'} (--yes)`);
        return;
      case 'action': {
        if (e.mode === 'ask' || e.mode === 'would-ask') return;
        const tag = { run: c.cyan('run'), 'would-run': c.yellow('would run'), read: c.dim('read'), wait: c.cyan('wait'), 'would-wait': c.yellow('would wait') }[
          e.mode
        ];
        // Live, a statement shown in the step's header is referred to by its number there, not printed again; one
        // whose values were filled in as it ran (coordinates, a connection id) is printed in full.
        const n = this.live ? this.shown.get(`${e.role}\u0000${e.text}`) : undefined;
        if (n !== undefined) return this.write(`  ${tag} #${n} on ${c.bold(e.role)}`);
        return this.write(`  ${tag} ${c.bold(e.role)}> ${e.text}`, 4 + e.mode.length + e.role.length);
      }
      case 'note':
        return this.write(e.level === 'ok' ? `${c.green('✔')} ${e.text}` : e.level === 'warn' ? `${c.yellow('!')} ${c.yellow(e.text)}` : `  ${e.text}`);
      case 'activity': {
        this.activityText.set(e.id, e.text);
        // A stall approaching the guard during the copy: said with GS's state first, as on every copy line.
        const gs = e.id === 'copy' && e.state === 'update' ? this.gsState() : '';
        return this.activity(e.id, e.state, gs ? `${gs} · ${e.text}` : e.text);
      }
      case 'gs_lock': {
        const since = this.lockedAt;
        this.lockedAt = e.state === 'held' ? Date.parse(e.at) : undefined;
        // The moment production can write again, how long it could not.
        if (e.state === 'released' && since !== undefined)
          this.write(`  GS was locked for ${formatDuration(Math.max(0, Date.parse(e.at) - since) / 1000)}: production could not write for that long.`);
        return;
      }
      case 'progress': {
        const eta = e.etaSeconds !== null ? ` · ETA ${formatDuration(e.etaSeconds)}` : '';
        const share = e.estimateBytes ? ` (${Math.min(100, Math.round((e.bytes / e.estimateBytes) * 100))}% of GS’s ~${formatBytes(e.estimateBytes)})` : '';
        const gs = this.gsState();
        return this.activity(
          'copy',
          'update',
          `${gs ? `${gs} · ` : ''}copied ${formatBytes(e.bytes)}${share} · ${formatBytes(e.rateBytesPerSecond)}/s · ${formatDuration(e.elapsedSeconds)}${eta}${streamsText(e)}${e.throttled ? ` · throttled: ${e.throttled}` : ''}${e.mdlWait ? ` · ${e.mdlWait}` : ''}`,
        );
      }
      case 'copy_unit':
        return this.write(`  ${c.green('✔')} ${e.label}: copied from the donor, recorded (a --resume does not copy it again)`);
      case 'copy_complete':
        return this.write(`${c.green('✔')} Copied ${formatBytes(e.bytes)} in ${formatDuration(e.seconds)}.`);
      case 'coordinates':
        return this.write(`${c.green('✔')} ${e.role} coordinates recorded: ${coords(e.coordinates)}`);
      case 'foreign_connections':
        this.write(`${c.yellow('!')} ${c.yellow(`${e.connections.length} client connection(s) on ${e.role} could still write:`)}`);
        for (const x of e.connections)
          this.write(`    #${x.id} ${x.user}@${x.host}${x.db ? ` db=${x.db}` : ''} ${x.command} ${x.time}s${x.info ? ` "${x.info}"` : ''}`);
        return;
      case 'backup':
        return;
      case 'verification': {
        const v = e.verification;
        const markers = v.ringMarkers
          ? `, markers ${Object.entries(v.ringMarkers)
              .map(([k, ok]) => `${k} ${ok ? 'arrived' : 'MISSING'}`)
              .join(', ')}`
          : v.markerGsToBs !== undefined
            ? `, marker GS→BS ${v.markerGsToBs ? 'arrived' : 'MISSING'}, BS→GS ${v.markerBsToGs ? 'arrived' : 'MISSING'}`
            : '';
        const left = unverifiedText(v);
        const line = `caught up: ${v.caughtUp ? 'yes' : 'NO'}${markers}, ${v.tablesCompared} tables compared, ${v.mismatched.length} differ${v.mismatched.length ? `: ${v.mismatched.join(', ')}` : ''}${left ? `; ${left}` : ''}`;
        const what = v.ringMarkers ? 'Ring' : 'Pair';
        if (v.verified && left) this.write(`${c.yellow('✔')} ${what} verified in part: ${line}`);
        else this.write(v.verified ? `${c.green('✔')} ${what} verified: ${line}` : `${c.red('✖')} ${what} NOT verified: ${line}`);
        for (const said of v.said ?? []) this.write(`    ${said}`);
        return;
      }
      case 'step_end':
        return;
      case 'summary': {
        this.heading(e.dryRun ? 'Dry run complete: nothing was changed.' : 'Recovery complete.');
        const pad = Math.min(64, Math.max(...e.steps.map((s) => s.title.length)));
        for (const s of e.steps)
          this.write(`  ${String(s.step).padStart(2)}. ${s.title.padEnd(pad)} ${s.status}${s.ms !== undefined ? ` in ${formatDuration(s.ms / 1000)}` : ''}`, 6);
        if (e.donor) this.write(`  ${sentence(donorCopyText(e.donor.address, e.donor.lockSpared, e.dryRun ? 'will' : 'did'))}.`);
        if (e.gsCoords) this.write(`  BS replicates from GS starting at ${coords(e.gsCoords)}${e.donor ? ` (${DONOR_POINT})` : ''}`);
        if (e.bsCoords) this.write(`  GS replicates from BS starting at ${coords(e.bsCoords)}`);
        if (e.ring)
          this.write(`  D ${e.ring.downstream} replicates from BS${e.ring.dFromBs ? ` starting at ${coords(e.ring.dFromBs)}` : ''}; GS from its own upstream`);
        if (e.gsLockedSeconds === 0) this.write('  GS was never locked by this run.');
        else if (e.gsLockedSeconds !== undefined) this.write(`  GS locked (production could not write): ${formatDuration(e.gsLockedSeconds)}`);
        if (e.bsOutOfServiceSeconds !== undefined) this.write(`  BS out of service (fenced until step 11): ${formatDuration(e.bsOutOfServiceSeconds)}`);
        if (e.copy)
          this.write(
            `  Copy${e.donor ? ' R → BS' : ''}: ${formatBytes(e.copy.bytes)} in ${formatDuration(e.copy.seconds)}${e.copy.seconds > 0 ? ` (${formatBytes(e.copy.bytes / e.copy.seconds)}/s)` : ''}`,
          );
        const k = e.backup;
        if (k?.events) this.write(`  Kept BS’s own events (${k.events.transactions} transactions): ${k.events.file}`);
        if (k?.dump) this.write(`  Kept BS’s data before the copy (${k.dump.schemas.join(', ')}): ${k.dump.file}`);
        for (const t of k?.tables ?? [])
          this.write(`  Kept BS’s tables whole (no comparison by key): ${t.names.map((n) => `${t.schema}.${n}`).join(', ')}: ${t.file}`);
        if (k?.rows)
          this.write(`  Kept BS’s rows that GS lacked (${k.rows.inserts}) or held otherwise (${k.rows.replaces}), to replay on the pair: ${k.rows.file}`);
        if (k?.skipped) this.write(c.yellow('  What only BS held was not kept (--no-backup).'));
        if (e.keptDatadir) this.write(`  BS’s previous datadir, kept whole: ${e.keptDatadir.path}; what it held that GS lacks: ${e.keptDatadir.salvage}`);
        const v = e.verification;
        if (v?.verified && unverifiedText(v))
          this.write(
            c.yellow(
              `  VERIFIED IN PART: both directions carry data and ${v.tablesCompared} tables match; ${unverifiedText(v)}. Continue with: ${v.verifyCommand ?? 'mmrecover verify'}`,
            ),
          );
        else if (v)
          this.write(
            v.verified
              ? c.green(
                  `  VERIFIED: ${v.ringMarkers || e.ring ? 'every link of the ring carries data' : 'both directions carry data'} and ${v.tablesCompared} tables match.`,
                )
              : c.red(`  NOT VERIFIED: ${v.mismatched.join(', ')}`),
          );
        else if (!e.dryRun) this.write(c.yellow(`  Not verified${e.verify ? '' : ' (--no-verify)'}.`));
        else this.write('  Not verified: a rehearsal proves nothing about the pair.');
        if (e.journal) this.write(`  Journal: ${e.journal}`);
        return;
      }
      case 'stop': {
        this.spinner?.stop();
        this.spinner = undefined;
        const out = (t: string, hang = 4) => {
          const lead = /^\s*/.exec(t)![0];
          this.o.stderr.write(redact(wrapHanging(lead, t.slice(lead.length), this.width, hang).join('\n')) + '\n');
        };
        out('');
        out(c.red(`Stopped${e.step ? ` at step ${e.step}` : ' before step 1'}: ${e.reason}`));
        if (e.states) {
          out(`  GS: ${e.states.GS}`);
          out(`  BS: ${e.states.BS}`);
          // A ring: D, then the members after it (E, F, …).
          for (const [m, state] of Object.entries(e.states)) if (m !== 'GS' && m !== 'BS') out(`  ${`${m}:`.padEnd(3)} ${state}`);
        }
        if (e.next) out(`  Next: ${e.next}`);
        if (e.resume) {
          // Wrapped as a shell would read it (a backslash before each line break), so that it pastes as one command.
          const lines = shellWrap(e.resume, this.width ? this.width - 6 : undefined);
          out(`  To continue: ${lines.length > 1 ? '' : lines[0]}`);
          if (lines.length > 1) lines.forEach((l, i) => out(`    ${l}${i < lines.length - 1 ? ' \\' : ''}`));
        }
        return;
      }
      case 'result':
        return;
      case 'throttle':
        return;
      case 'mdl_wait': {
        // Said once per table on its own line (the live line follows the wait), and once when nobody waits any more.
        const was = this.mdlTable;
        this.mdlTable = e.table ?? undefined;
        if (e.table === null) return this.write(`  ${e.text}`);
        if (e.table !== was) this.write(`${c.yellow('!')} ${c.yellow(e.text)}`);
        return;
      }
      case 'control_socket':
        return this.write(`  Control socket: ${e.path} (status, throttle, no-throttle, max-rate=<n>; e.g. echo status | nc -U ${e.path})`);
    }
  }
}

/** The line of a step that says what it is for: the lock, the copy, a change of source, else its first write. */
export function keyLine(lines: PlanLine[]): PlanLine | undefined {
  const important = /FLUSH TABLES WITH READ LOCK|UNLOCK TABLES|^CHANGE (MASTER|REPLICATION SOURCE) TO|^\$ \S*(dump|xtrabackup|mariabackup|clone)/i;
  const read = /^(SELECT|SHOW|SET SESSION|wait until|compare|ask:)/i;
  return lines.find((l) => important.test(l.text)) ?? lines.find((l) => !read.test(l.text) && !l.when) ?? lines[0];
}

/** A shell command cut between its words (quoted words kept whole) into lines of about `width` columns. */
export function shellWrap(command: string, width: number | undefined): string[] {
  if (!width || command.length <= width) return [command];
  const words = command.match(/(?:[^\s'\\]+|\\.|'[^']*')+/g) ?? [command];
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + w.length <= width) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  return lines;
}

/** A parallel copy's extra facts: rows against the estimate, streams, the slowest one (GS's lock is said first). */
function streamsText(e: Extract<RunEvent, { event: 'progress' }>): string {
  if (!e.streams) return '';
  const done = e.streams.filter((x) => x.done).length;
  const rows = e.rows !== undefined ? `; ${e.rows} rows of ~${e.estimateRows ?? '?'}` : '';
  const slowest = e.slowest ? `, slowest ${e.slowest}` : '';
  return `${rows}; ${done}/${e.streams.length} streams done${slowest}`;
}
