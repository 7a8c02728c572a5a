// The only place that touches process.*: argv, environment, signals, exit codes.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError, exitCodeOf } from '../base/errors.js';
import { setHost } from '../base/host.js';
import { redact } from '../base/redact.js';
import { registerRecoverCommand } from './recover-command.js';
import { registerLabCommand } from './lab-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerCheckCommand } from './check-command.js';
import { registerReportCommand } from './report-command.js';
import { registerVerifyCommand } from './verify-command.js';
import { registerSalvageCommand } from './salvage-command.js';
import { disposeAllOptionFilesSync, sweepStaleOptionFiles } from '../adapters/shell/option-file.js';
import type { CliIo } from './io.js';

/** Set by the bundler for the single executable (scripts/package.mjs), which has no package.json beside it. */
declare const __MMRECOVER_VERSION__: string | undefined;

function version(): string {
  if (typeof __MMRECOVER_VERSION__ === 'string') return __MMRECOVER_VERSION__;
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The end of --help: the three ways the tool is used, in the order a team meets them. */
export const EXAMPLES = `
Examples:
  Rehearse: changes nothing, shows all eleven steps with the real statements
    mmrecover --good db1:3306 --bad db2:3306 --dry-run
  Recover interactively: asks before each step (passwords from the environment
  or asked: MMRECOVER_PASSWORD, MMRECOVER_REPL_PASSWORD)
    mmrecover --good db1:3306 --bad db2:3306
  Automate (Ansible, Rundeck): no question, the bad server repeated, JSON lines
    mmrecover --good db1:3306 --bad db2:3306 --yes --confirm-bad db2:3306 --json`;

export async function main(argv: string[]): Promise<void> {
  setHost({ env: process.env, kill: (pid, signal) => void process.kill(pid, signal), uid: process.getuid?.(), pid: process.pid });
  sweepStaleOptionFiles();
  const controller = new AbortController();
  let exitCode = 0;
  const io: CliIo = {
    env: process.env,
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(redact(t) + '\n'),
    signal: controller.signal,
    setExitCode: (c) => {
      exitCode = c;
    },
  };
  // Ctrl-C / SIGTERM: abort everything (the read lock on GS is released by its own abort listener at once),
  // let the engine report where it stopped, and exit 130. A second signal, or a hang, exits at once.
  let signalled = 0;
  const onSignal = (name: string) => {
    signalled++;
    if (signalled > 1) {
      disposeAllOptionFilesSync();
      process.exit(130);
    }
    process.stderr.write(`\nmmrecover: ${name} received: stopping safely…\n`);
    controller.abort();
    setTimeout(() => {
      disposeAllOptionFilesSync();
      process.exit(130);
    }, 10_000).unref();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('exit', () => disposeAllOptionFilesSync());

  const program = new Command('mmrecover')
    .description('Recover a broken MySQL/MariaDB master-master pair: rebuild the bad server from the good one, step by step.')
    .version(version())
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s.replace(/^error: /, 'mmrecover: ')) });
  program.addHelpText('after', EXAMPLES);
  registerRecoverCommand(program, io);
  registerLabCommand(program, io);
  registerStatusCommand(program, io);
  registerCheckCommand(program, io);
  registerReportCommand(program, io);
  registerVerifyCommand(program, io);
  registerSalvageCommand(program, io);
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, 'mmrecover: ')) });

  try {
    await program.parseAsync(argv);
    if (signalled && exitCode === 0) exitCode = 130;
  } catch (err) {
    if (err instanceof CommanderError) {
      exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    } else if (err instanceof UsageError) {
      io.err(`mmrecover: ${err.message}`);
      exitCode = 2;
    } else {
      // Errors an operator can act on carry one line; anything else is a bug, still reported in one line.
      io.err(`mmrecover: ${(err as Error).message ?? String(err)}`);
      if (process.env.MMRECOVER_DEBUG) io.err(String((err as Error).stack));
      exitCode = exitCodeOf(err);
    }
  }
  disposeAllOptionFilesSync();
  process.exit(exitCode);
}
