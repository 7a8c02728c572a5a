// Renderers: the run's typed events drawn for a terminal (colours, spinners), as plain lines (logs, pipes, CI) or as
// JSON lines (--json: stdout holds events and nothing else). Chosen from the environment, as listr2 does; the
// engine and the steps know nothing of them.
import ora, { type Ora } from 'ora';
import type { ChalkInstance } from 'chalk';
import { formatBytes, formatDuration } from '../../base/format.js';
import { redact } from '../../base/redact.js';
import type { PlanLine } from '../../recovery/actions.js';
import type { Coordinates } from '../../recovery/state.js';
import type { RunEvent } from '../../recovery/events.js';
import type { Verdict } from '../../recovery/preflight.js';
import { makeChalk } from './colors.js';

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

export function createRenderer(o: RendererOptions): Renderer {
  if (o.json) return new JsonRenderer(o);
  const tty = Boolean((o.stderr as NodeJS.WriteStream).isTTY) && o.env.TERM !== 'dumb' && !o.env.CI;
  return new HumanRenderer(o, tty);
}

/** One JSON object per line on stdout; what must reach a person whatever happens (a stop) also goes to stderr. */
class JsonRenderer implements Renderer {
  private readonly human: HumanRenderer;
  constructor(private readonly o: RendererOptions) {
    this.human = new HumanRenderer({ ...o, json: false }, false);
  }
  emit(e: RunEvent): void {
    this.o.stdout.write(redact(JSON.stringify({ ...e, time: new Date().toISOString() })) + '\n');
    if (e.event === 'stop') this.human.emit(e);
  }
}

const coords = (c: Coordinates) => `${c.file} / ${c.position}${c.gtid !== undefined ? ` (GTID ${c.gtid})` : ''}`;

class HumanRenderer implements Renderer {
  private readonly c: ChalkInstance;
  private spinner?: Ora;
  private plainLast = new Map<string, number>();
  private live = false;
  private activityText = new Map<string, string>();

  constructor(
    private readonly o: RendererOptions,
    private readonly tty: boolean,
  ) {
    this.c = makeChalk({ stream: o.stderr, env: o.env, json: false });
  }

  private write(text = ''): void {
    const out = () => this.o.stderr.write(redact(text) + '\n');
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

  private planLine(l: PlanLine, indent: string): void {
    const extra = [l.when ? `only ${l.when}` : '', l.note ?? ''].filter(Boolean).join('; ');
    this.write(`${indent}${this.c.bold(l.role)}> ${l.text}${extra ? this.c.dim(`   -- ${extra}`) : ''}`);
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
      this.spinner = ora({ text: redact(text), stream: this.o.stderr, discardStdin: false }).start();
    } else if (state === 'update') {
      if (this.spinner) this.spinner.text = redact(text);
    } else {
      const s = this.spinner;
      this.spinner = undefined;
      if (s && state === 'succeed') s.succeed(redact(text));
      else if (s) s.fail(redact(text));
      else this.write(state === 'succeed' ? `${this.c.green('✔')} ${text}` : `${this.c.red('✖')} ${text}`);
    }
  }

  emit(e: RunEvent): void {
    const c = this.c;
    switch (e.event) {
      case 'run_start':
        this.live = e.mode === 'live';
        return this.heading(`mmrecover ${this.live ? 'recovery' : 'DRY RUN (nothing will be changed)'}: rebuild BS ${e.bad} from GS ${e.good}`);
      case 'server':
        return this.write(`  ${e.role} ${e.address}: ${e.reachable ? `${e.version}, server_id ${e.serverId}` : `not reachable; ${e.reason}`}`);
      case 'preflight': {
        this.heading('Preflight (read-only)');
        const width = Math.max(0, ...e.checks.map((x) => x.check.length));
        for (const x of e.checks) this.write(`  ${this.mark(x.verdict)}  ${x.check.padEnd(width)}  ${x.detail}`);
        return;
      }
      case 'journal':
        if (e.resumingAt !== undefined) this.heading(`Resuming from step ${e.resumingAt} (journal ${e.path})`);
        else if (e.path) this.write(`  Journal: ${e.path}`);
        return;
      case 'plan':
        if (!this.live) return; // a dry run shows every step in full below
        this.heading('The plan');
        for (const s of e.steps) {
          this.write(`  ${String(s.step).padStart(2)}. ${s.title} (${s.on})${s.question || s.confirmedBy ? '' : c.dim(' — no question')}`);
          for (const l of s.lines) this.planLine(l, '        ');
        }
        return;
      case 'step_start':
        this.heading(`Step ${e.step}/${e.total} ${e.title} (${e.on})`);
        for (const l of e.lines) this.planLine(l, '    ');
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
        return this.write(`  ${tag} ${c.bold(e.role)}> ${e.text}`);
      }
      case 'note':
        return this.write(e.level === 'ok' ? `${c.green('✔')} ${e.text}` : e.level === 'warn' ? `${c.yellow('!')} ${c.yellow(e.text)}` : `  ${e.text}`);
      case 'activity':
        this.activityText.set(e.id, e.text);
        return this.activity(e.id, e.state, e.text);
      case 'progress': {
        const eta = e.etaSeconds !== null ? `, about ${formatDuration(e.etaSeconds)} left` : '';
        const of = e.estimateBytes ? ` of ~${formatBytes(e.estimateBytes)}` : '';
        return this.activity(
          'copy',
          'update',
          `Copying GS → BS: ${formatBytes(e.bytes)}${of} at ${formatBytes(e.rateBytesPerSecond)}/s, ${formatDuration(e.elapsedSeconds)} elapsed${eta}${streamsText(e)}`,
        );
      }
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
        const markers =
          v.markerGsToBs !== undefined ? `, marker GS→BS ${v.markerGsToBs ? 'arrived' : 'MISSING'}, BS→GS ${v.markerBsToGs ? 'arrived' : 'MISSING'}` : '';
        const line = `caught up: ${v.caughtUp ? 'yes' : 'NO'}${markers}, ${v.tablesCompared} tables compared, ${v.mismatched.length} differ${v.mismatched.length ? `: ${v.mismatched.join(', ')}` : ''}`;
        return this.write(v.verified ? `${c.green('✔')} Pair verified: ${line}` : `${c.red('✖')} Pair NOT verified: ${line}`);
      }
      case 'step_end':
        return;
      case 'summary': {
        this.heading(e.dryRun ? 'Dry run complete: nothing was changed.' : 'Recovery complete.');
        for (const s of e.steps)
          this.write(`  ${String(s.step).padStart(2)}. ${s.title.padEnd(64)} ${s.status}${s.ms !== undefined ? ` in ${formatDuration(s.ms / 1000)}` : ''}`);
        if (e.gsCoords) this.write(`  BS replicates from GS starting at ${coords(e.gsCoords)}`);
        if (e.bsCoords) this.write(`  GS replicates from BS starting at ${coords(e.bsCoords)}`);
        if (e.copy) this.write(`  Copy: ${formatBytes(e.copy.bytes)} in ${formatDuration(e.copy.seconds)}`);
        const k = e.backup;
        if (k?.events) this.write(`  Kept BS’s own events (${k.events.transactions} transactions): ${k.events.file}`);
        if (k?.dump) this.write(`  Kept BS’s data before the copy (${k.dump.schemas.join(', ')}): ${k.dump.file}`);
        if (k?.rows)
          this.write(`  Kept BS’s rows that GS lacked (${k.rows.inserts}) or held otherwise (${k.rows.replaces}), to replay on the pair: ${k.rows.file}`);
        if (k?.skipped) this.write(c.yellow('  What only BS held was not kept (--no-backup).'));
        const v = e.verification;
        if (v)
          this.write(
            v.verified
              ? c.green(`  VERIFIED: both directions carry data and ${v.tablesCompared} tables match.`)
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
        const out = (t: string) => this.o.stderr.write(redact(t) + '\n');
        out('');
        out(c.red(`Stopped${e.step ? ` at step ${e.step}` : ' before step 1'}: ${e.reason}`));
        if (e.states) {
          out(`  GS: ${e.states.GS}`);
          out(`  BS: ${e.states.BS}`);
        }
        if (e.next) out(`  Next: ${e.next}`);
        if (e.resume) out(`  To continue: ${e.resume}`);
        return;
      }
      case 'result':
        return;
    }
  }
}

/** A parallel copy's extra facts: rows against the estimate, streams, the slowest one, GS's lock so far. */
function streamsText(e: Extract<RunEvent, { event: 'progress' }>): string {
  if (!e.streams) return '';
  const done = e.streams.filter((x) => x.done).length;
  const rows = e.rows !== undefined ? `; ${e.rows} rows of ~${e.estimateRows ?? '?'}` : '';
  const slowest = e.slowest ? `, slowest ${e.slowest}` : '';
  const locked = e.gsLockedSeconds !== undefined ? `; GS locked ${formatDuration(e.gsLockedSeconds)}` : '';
  return `${rows}; ${done}/${e.streams.length} streams done${slowest}${locked}`;
}
