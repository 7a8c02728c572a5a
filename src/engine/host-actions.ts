// The executor's part for commands on the servers' hosts (--method physical): a command on one host, a stream between
// two, and BS's datadir swap. Each is shown with the host it runs on; credentials reach mariadb-backup in a 0600
// option file created on that host (through ssh's standard input when remote) and removed on every exit path.
import { pollUntil } from '../base/poll.js';
import { ServerSession } from '../adapters/mysql/session.js';
import { optionFileText, endpointCredentials, writeOptionFile } from '../adapters/shell/option-file.js';
import { checkOnHost, describeHost, onHost, runOnHost, writePrivateFile, type HostAccess, type PrivateFile } from '../adapters/shell/host-exec.js';
import { runCopyPipe } from '../adapters/shell/pipe.js';
import { streamProgress } from './copy-progress.js';
import { memberOf } from '../config/members.js';
import { Interrupted, StepFailed } from '../base/errors.js';
import {
  argvWith,
  optionFileRoles,
  renderAction,
  type CloneAction,
  type CommandLine,
  type FileRole,
  type HostAction,
  type Role,
  type StreamAction,
  type SwapDatadirAction,
  type SwapOutcome,
} from '../recovery/actions.js';
import type { RecoveryState } from '../recovery/state.js';
import type { ActionDeps } from './action-deps.js';
import { watchCopy } from './copy-watch.js';
import type { Throttle } from '../adapters/shell/throttle.js';

export interface HostDeps extends ActionDeps<Role> {
  /** A new session the tool opened on a server (BS after its restart). */
  onSession?: (role: Role, threadId: number) => void;
  /** The run's throttle: it caps and pauses the stream between the hosts too. */
  throttle?: Throttle;
}

const argvOf = (c: CommandLine, files: Partial<Record<Role, string>>) => [c.program, ...argvWith(c, files)];

export class HostActions {
  constructor(private readonly d: HostDeps) {}

  private get secrets(): string[] {
    return [this.d.settings.password];
  }

  /** Option files for the roles `c` needs, on the host it runs on. */
  private async optionFiles(c: CommandLine, host: HostAccess, files: PrivateFile[]): Promise<Partial<Record<FileRole, string>>> {
    const out: Partial<Record<FileRole, string>> = {};
    for (const role of optionFileRoles(c)) {
      const endpoint = memberOf(this.d.members, role).endpoint;
      // A socket path is this machine's: over ssh the server is reached by its address.
      const creds = endpointCredentials(host.kind === 'ssh' ? { ...endpoint, socket: undefined } : endpoint);
      // Here: the tool's own option files (swept on every exit, even a forced one). There: through ssh's stdin.
      const f =
        host.kind === 'local'
          ? await writeOptionFile(creds, 'mariadb')
          : await writePrivateFile(host, optionFileText(creds, 'mariadb'), 'client.cnf', this.secrets);
      files.push(f);
      out[role] = f.path;
    }
    return out;
  }

  async host(step: number, a: HostAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step}`);
    const files: PrivateFile[] = [];
    try {
      const paths = await this.optionFiles(a.command, a.host, files);
      this.d.record(step, a.role, text, 'run');
      const r = await checkOnHost(a.host, argvOf(a.command, paths), { signal: this.d.signal, timeoutMs: a.timeoutSeconds * 1000, secrets: this.secrets });
      a.capture?.(r.stdout, state);
    } catch (err) {
      if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step} (${a.command.program} on ${a.role}’s host)`);
      if (err instanceof StepFailed) throw err;
      throw new StepFailed(
        `${a.role}’s host: ${(err as Error).message}. BS was not stopped; it runs on its own datadir as before.`,
        step,
        'Fix the cause, then run again with --resume: it restarts from step 3.',
      );
    } finally {
      await Promise.all(files.map((f) => f.dispose()));
    }
  }

  async stream(step: number, a: StreamAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    const files: PrivateFile[] = [];
    // mariadb-backup reads GS's files, not through a running query: only the watcher's own thread is left out.
    const watch = watchCopy(this.d.throttle, step, this.d.emit, {
      settings: this.d.settings,
      members: this.d.members,
      ownRunning: 0,
      onSession: (id) => this.d.onSession?.('GS', id),
    });
    const emit = watch.emit;
    const started = Date.now();
    const estimate = a.estimateBytes ?? 0;
    // The server whose files are read: GS, or with --donor the donor R (GS is not read then).
    const r = this.d.members.R;
    const source = a.from.role === 'R' && r ? `the donor ${r.name}` : a.from.role;
    try {
      const fromPaths = await this.optionFiles(a.from.command, a.from.host, files);
      const toPaths = await this.optionFiles(a.to.command, a.to.host, files);
      this.d.record(step, a.role, text, 'run');
      emit({ event: 'activity', id: 'copy', state: 'start', text: `Streaming ${source}’s data files to BS’s host (${describeHost(a.to.host)})` });
      const result = await runCopyPipe({
        dump: onHost(a.from.host, argvOf(a.from.command, fromPaths)),
        load: onHost(a.to.host, argvOf(a.to.command, toPaths)),
        // The stream has no text marker: completion is mariadb-backup's own last line (checked below).
        endMarker: /(?:)/,
        onProgress: streamProgress(step, estimate, emit),
        signal: this.d.signal,
        secrets: this.secrets,
        stallTimeoutMs: this.d.settings.stallTimeout * 1000,
        servers: { dump: `${source} (${a.from.command.program} on ${describeHost(a.from.host)})`, load: `BS’s host (${describeHost(a.to.host)})` },
        throttle: this.d.throttle,
      });
      if (!a.fromCompleted.test(result.dumpStderr.trimEnd()))
        throw new Error(`${a.from.command.program} exited 0 but did not report completion ("completed OK!")`);
      const seconds = (Date.now() - started) / 1000;
      a.capture?.({ bytes: result.bytes, seconds }, state);
      emit({
        event: 'activity',
        id: 'copy',
        state: 'succeed',
        text: `Stream complete: ${a.from.command.program} reported completed OK! and both ends exited 0.`,
      });
      emit({ event: 'copy_complete', step, bytes: result.bytes, seconds });
    } catch (err) {
      emit({ event: 'activity', id: 'copy', state: 'fail', text: 'Stream failed' });
      state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false };
      if (this.d.signal.aborted) throw new Interrupted(`interrupted during the copy (step ${step}); BS was not stopped: it runs on its own datadir as before`);
      throw new StepFailed(
        `the copy did not complete: ${(err as Error).message}. BS was not stopped: it runs on its own datadir as before; the partial copy beside it is removed by the next run.`,
        step,
        'Fix the cause, then run again with --resume: it restarts from step 3.',
      );
    } finally {
      watch.stop();
      await Promise.all(files.map((f) => f.dispose()));
    }
  }

  /** BS accepts connections again (within the bound): the executor's BS session is replaced by a new one. */
  private async reconnectBs(deadline: number): Promise<void> {
    const endpoint = this.d.members.BS.endpoint;
    const opts = { connectTimeoutMs: 2000, queryTimeoutMs: this.d.settings.stallTimeout * 1000 };
    let last: Error | undefined;
    // null: a refused login will not heal by waiting.
    const s = await pollUntil<ServerSession | null>(
      async () => {
        try {
          return await ServerSession.connect(endpoint, opts);
        } catch (err) {
          last = err as Error;
          return (err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' ? null : undefined;
        }
      },
      { everyMs: 250, timeoutMs: Math.max(0, deadline - Date.now()) },
    );
    if (!s) throw new Error(`BS did not accept connections${last ? ` (${last.message})` : ''}`);
    const old = this.d.sessions.BS;
    this.d.sessions.BS = s;
    this.d.onSession?.('BS', s.threadId);
    old?.destroy();
  }

  /** Run one of the swap's commands on BS's host, shown as it runs; never aborted half-way (BS must come back). */
  private async bsCommand(step: number, host: HostAccess, c: CommandLine, timeoutSeconds: number): Promise<void> {
    this.d.record(step, 'BS', renderAction({ kind: 'host', role: 'BS', host, command: c, timeoutSeconds })[0].text, 'run');
    await checkOnHost(host, argvOf(c, {}), { timeoutMs: timeoutSeconds * 1000, secrets: this.secrets, detached: true });
  }

  async swapDatadir(step: number, a: SwapDatadirAction, state: RecoveryState): Promise<void> {
    if (this.d.signal.aborted) throw new Interrupted(`interrupted before BS was stopped (step ${step}); BS runs on its own datadir as before`);
    const emit = this.d.emit;
    const started = Date.now();
    const t = a.timeoutSeconds;
    const cmd = (...argv: string[]): CommandLine => ({ program: argv[0], args: argv.slice(1) });
    const outcome = (running: SwapOutcome['running'], kept?: string): SwapOutcome => ({ running, kept, seconds: (Date.now() - started) / 1000 });
    const done = (o: SwapOutcome) => {
      a.capture?.(o, state);
      state.physical = { ...(state.physical ?? { datadir: a.datadir, incoming: a.incoming, prepared: true }), running: o.running, kept: o.kept };
    };
    // From the stop on, an interrupt waits until BS runs again on a complete datadir (each command bounded).
    try {
      await this.bsCommand(step, a.host, a.stop, t);
    } catch (err) {
      // BS may still be up (the command failed before stopping it), or down: either way on its own datadir.
      const up = await this.reconnectBs(Date.now() + 3000).then(
        () => true,
        () => false,
      );
      if (!up) await this.startAndWait(step, a, t).catch(() => undefined);
      done(outcome('previous'));
      throw new StepFailed(
        `BS’s stop command failed: ${(err as Error).message}; BS ${up ? 'still runs' : 'was started again'} on its own datadir ${a.datadir}`,
        step,
        'Fix --bad-stop-command/--bad-service, then run again with --resume: it restarts from step 3.',
      );
    }
    this.d.sessions.BS?.destroy();
    emit({ event: 'note', level: 'info', step, text: `BS stopped on ${describeHost(a.host)}.` });
    try {
      await this.bsCommand(step, a.host, cmd('mv', a.datadir, a.kept), 60);
      await this.bsCommand(step, a.host, cmd('mv', a.incoming, a.datadir), 60);
      await this.bsCommand(step, a.host, cmd('chown', '-R', `--reference=${a.kept}`, a.datadir), t);
      await this.startAndWait(step, a, t);
      done(outcome('copy', a.kept));
      emit({
        event: 'note',
        level: 'ok',
        step,
        text: `BS runs on the copy of GS (${a.datadir}); its previous datadir is kept at ${a.kept} (${describeHost(a.host)}).`,
      });
    } catch (err) {
      const why = (err as Error).message;
      emit({ event: 'note', level: 'warn', step, text: `BS did not come back on the copy (${why}); putting its previous datadir back.` });
      const back = await this.rollback(step, a, t);
      done(outcome(back ? 'previous' : 'none', back ? undefined : a.kept));
      throw new StepFailed(
        back
          ? `BS did not start on the copy (${why}); it runs again on its previous datadir ${a.datadir}, as before the copy (the copy is at ${a.incoming}.failed)`
          : `BS did not start on the copy (${why}) and not on its previous datadir either: BS IS DOWN. Its previous datadir ${existsNote(a)}`,
        step,
        back
          ? 'Fix the start command (or the cause in BS’s error log), then run again with --resume: it restarts from step 3.'
          : 'Start BS by hand on its previous datadir, then run again with --resume.',
      );
    }
    if (this.d.signal.aborted)
      throw new Interrupted(
        `interrupted during step ${step}; BS runs on the copy of GS (its previous datadir is kept at ${a.kept}); replication is not configured yet`,
      );
  }

  /**
   * CLONE INSTANCE on its own session (bounded by the action, not by the statement timeout: a clone streams GS's whole
   * data). BS restarts itself when it is done: the session ending is expected. ERROR 3707 means it could not.
   * Not run against a real MySQL here (none can be installed): the manual's behaviour, see rules/clone-rules.ts.
   */
  async clone(step: number, a: CloneAction): Promise<void> {
    const text = renderAction(a)[0].text;
    if (this.d.signal.aborted) throw new Interrupted(`interrupted before the clone (step ${step}); BS was not touched`);
    const endpoint = this.d.members.BS.endpoint;
    const session = await ServerSession.connect(endpoint, { connectTimeoutMs: this.d.settings.connectTimeout * 1000, queryTimeoutMs: a.timeoutSeconds * 1000 });
    this.d.record(step, a.role, text, 'run');
    this.d.emit({ event: 'activity', id: 'clone', state: 'start', text: 'BS: cloning GS (CLONE INSTANCE)' });
    try {
      await session.query(a.statement);
    } catch (err) {
      const e = err as { errno?: number; code?: string; message: string };
      if (e.errno === 3707)
        throw new StepFailed(
          'the clone completed but BS could not restart itself (ERROR 3707: it runs under no supervisor)',
          step,
          'Start BS by hand (it starts on the cloned data), then run again with --resume.',
        );
      const lost = /PROTOCOL_CONNECTION_LOST|ECONNRESET|EPIPE|closed/i.test(`${e.code ?? ''} ${e.message}`) || e.errno === 2013;
      if (!lost) {
        this.d.emit({ event: 'activity', id: 'clone', state: 'fail', text: 'BS: the clone failed' });
        throw new StepFailed(
          `CLONE INSTANCE failed: ${e.message}. The manual: a failure after the recipient's data was removed leaves BS without user data`,
          step,
          'Fix the cause, then run again with --resume: it restarts from step 3.',
        );
      }
    } finally {
      session.destroy();
    }
    this.d.sessions.BS?.destroy();
    this.d.record(step, 'BS', renderAction(a)[1].text, 'wait');
    await this.reconnectBs(Date.now() + a.timeoutSeconds * 1000);
    this.d.emit({ event: 'activity', id: 'clone', state: 'succeed', text: 'BS: cloned from GS and restarted' });
  }

  private async startAndWait(step: number, a: SwapDatadirAction, t: number): Promise<void> {
    await this.bsCommand(step, a.host, a.start, t);
    this.d.record(step, 'BS', `wait until BS accepts connections (at most ${t} s)`, 'wait');
    await this.reconnectBs(Date.now() + t * 1000);
  }

  /** BS's previous datadir back in place, and BS started on it; true once BS accepts connections. */
  private async rollback(step: number, a: SwapDatadirAction, t: number): Promise<boolean> {
    const cmd = (...argv: string[]): CommandLine => ({ program: argv[0], args: argv.slice(1) });
    // A half-started server must not hold the files: stop it (it may not be running at all).
    await this.bsCommand(step, a.host, a.stop, t).catch(() => undefined);
    const exists = async (p: string) => (await runOnHost(a.host, ['test', '-e', p], { timeoutMs: 30_000 }).catch(() => undefined))?.code === 0;
    try {
      if (await exists(a.kept)) {
        if (await exists(a.datadir)) await this.bsCommand(step, a.host, cmd('mv', a.datadir, `${a.incoming}.failed`), 60);
        await this.bsCommand(step, a.host, cmd('mv', a.kept, a.datadir), 60);
      }
      await this.startAndWait(step, a, t);
      return true;
    } catch (err) {
      this.d.emit({ event: 'note', level: 'warn', step, text: `putting BS’s previous datadir back failed: ${(err as Error).message}` });
      return false;
    }
  }
}

function existsNote(a: SwapDatadirAction): string {
  return `is at ${a.kept} or back at ${a.datadir}`;
}
