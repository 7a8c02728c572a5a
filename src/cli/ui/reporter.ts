// What the operator sees. Human lines go to stderr (colours and spinners on a TTY, plain lines otherwise);
// --json writes one event per line to stdout and nothing else there.
import ora, { type Ora } from 'ora';
import type { ChalkInstance } from 'chalk';
import { makeChalk } from './colors.js';
import { redact } from '../../base/redact.js';

export type StatementMode = 'run' | 'would-run' | 'read';

export interface Task {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

export interface ReporterOptions {
  json: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** Seconds between progress lines when there is no TTY. */
  plainProgressEvery?: number;
}

export class Reporter {
  readonly c: ChalkInstance;
  readonly json: boolean;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WriteStream | NodeJS.WritableStream;
  private readonly tty: boolean;
  private spinner?: Ora;
  private lastPlainProgress = 0;

  constructor(private readonly opts: ReporterOptions) {
    this.json = opts.json;
    this.out = opts.stdout ?? process.stdout;
    this.err = opts.stderr ?? process.stderr;
    this.tty = Boolean((this.err as NodeJS.WriteStream).isTTY) && !opts.json;
    this.c = makeChalk({ stream: this.err, env: opts.env ?? process.env, json: opts.json });
  }

  /** A machine-readable event (only in --json mode). */
  event(type: string, data: Record<string, unknown> = {}): void {
    if (!this.json) return;
    this.out.write(redact(JSON.stringify({ event: type, time: new Date().toISOString(), ...data })) + '\n');
  }

  /** A human line on stderr (suppressed in --json mode, where events carry the same facts). */
  line(text = ''): void {
    if (this.json) return;
    const write = () => this.err.write(redact(text) + '\n');
    if (this.spinner?.isSpinning) {
      this.spinner.clear();
      write();
      this.spinner.render();
    } else write();
  }

  /** Always shown, even in --json mode: errors the operator must see. */
  fatal(text: string): void {
    this.stopSpinner();
    this.err.write(redact(text) + '\n');
  }

  info(text: string): void {
    this.line(text);
  }
  ok(text: string): void {
    this.line(`${this.c.green('✔')} ${text}`);
  }
  warn(text: string): void {
    this.line(`${this.c.yellow('!')} ${this.c.yellow(text)}`);
    this.event('warning', { message: text });
  }
  heading(text: string): void {
    this.line();
    this.line(this.c.bold(text));
  }

  statement(server: string, shown: string, mode: StatementMode): void {
    const tag = mode === 'would-run' ? this.c.yellow('would run') : mode === 'read' ? this.c.dim('read') : this.c.cyan('run');
    this.line(`  ${tag} ${this.c.bold(server)}> ${shown}`);
    this.event('statement', { server, statement: shown, mode });
  }

  /** A spinner on a TTY; a start line and an end line otherwise. */
  task(text: string): Task {
    if (this.json) return { update: () => undefined, succeed: () => undefined, fail: () => undefined };
    if (!this.tty) {
      this.line(`  … ${text}`);
      return {
        update: (t) => this.plainProgress(t),
        succeed: (t) => this.ok(t ?? text),
        fail: (t) => this.line(`${this.c.red('✖')} ${t ?? text}`),
      };
    }
    this.stopSpinner();
    const spinner = ora({ text: redact(text), stream: this.err, discardStdin: false }).start();
    this.spinner = spinner;
    const done = () => {
      if (this.spinner === spinner) this.spinner = undefined;
    };
    return {
      update: (t) => {
        spinner.text = redact(t);
      },
      succeed: (t) => {
        spinner.succeed(redact(t ?? spinner.text));
        done();
      },
      fail: (t) => {
        spinner.fail(redact(t ?? spinner.text));
        done();
      },
    };
  }

  private plainProgress(text: string): void {
    const now = Date.now();
    if (now - this.lastPlainProgress < (this.opts.plainProgressEvery ?? 5) * 1000) return;
    this.lastPlainProgress = now;
    this.line(`    ${text}`);
  }

  stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }
}
