// `mmrecover [recover]`: flags → validated settings → the step engine. The default command.
import type { Command } from 'commander';
import { loadSettings, maxLoadRefusal, PASSWORD_ENV, type RawFlags } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { UsageError } from '../base/errors.js';
import type { Prompter } from './ui/prompter.js';
import { registerSecret } from '../base/redact.js';
import type { CliIo } from './io.js';
import { addOptions } from './options.js';
import { hostname, userInfo } from 'node:os';

export function registerRecoverCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('recover', { isDefault: true })
    .description('rebuild the bad server (BS) from the good server (GS) and restore master-master replication, step by step')
    .action(async (flags: RawFlags) => {
      io.setExitCode(await recover(flags, io));
    });
  addOptions(cmd, 'recover');
  cmd.addHelpText('after', RECOVER_EXAMPLES);
}

const RECOVER_EXAMPLES = `
Examples:
  Rehearse:                mmrecover --good db1:3306 --bad db2:3306 --dry-run
  Recover interactively:   mmrecover --good db1:3306 --bad db2:3306
  Automate:                mmrecover --good db1:3306 --bad db2:3306 --yes --confirm-bad db2:3306 --json`;

async function recover(flags: RawFlags, io: CliIo): Promise<number> {
  const partial = loadSettings({ flags, env: io.env, cwd: io.cwd });
  const noMaxLoad = maxLoadRefusal(partial);
  if (noMaxLoad) throw new UsageError(noMaxLoad);
  if (partial.yes && !partial.dryRun) {
    if (!partial.confirmBad)
      throw new UsageError(
        `--yes needs --confirm-bad ${partial.bad.host}:${partial.bad.port}: repeat the bad server, so that a swapped pair cannot wipe the good one`,
      );
    let confirmed: { host: string; port: number };
    try {
      confirmed = parseHostPort(partial.confirmBad);
    } catch (err) {
      throw new UsageError(`--confirm-bad ${(err as Error).message}`);
    }
    if (confirmed.host !== partial.bad.host || confirmed.port !== partial.bad.port)
      throw new UsageError(`--confirm-bad ${partial.confirmBad} is not the bad server (--bad is ${partial.bad.host}:${partial.bad.port}); nothing was changed`);
  }
  const interactive = Boolean(process.stdin.isTTY) && !partial.json;
  // The engine, the terminal prompter and the renderers load only for a recovery: `check` (a monitoring plugin run
  // every minute) and `status` start without them.
  const [{ runRecovery }, { createRenderer }, { TerminalPrompter, YesPrompter }] = await Promise.all([
    import('../engine/runner.js'),
    import('./ui/render.js'),
    import('./ui/prompter.js'),
  ]);
  const prompter: Prompter = partial.yes ? new YesPrompter() : new TerminalPrompter(io.signal);
  if (!partial.yes && !partial.dryRun && !interactive)
    throw new UsageError('no terminal to ask on: run mmrecover in a terminal, or pass --yes --confirm-bad <bad server> for automation');
  // An offline rehearsal (--assume) reaches no server: it asks for no password and uses none (the plan shows *****).
  const offline = partial.assume !== undefined;
  const password = partial.password ?? (offline ? '' : interactive ? await prompter.secret(`Password for ${partial.user} on GS and BS`) : undefined);
  if (password === undefined) throw new UsageError(`${PASSWORD_ENV.password} is not set (environment or .env), and there is no terminal to ask for it`);
  const replPassword =
    partial.replPassword ?? (offline ? '' : interactive ? await prompter.secret(`Password of the replication account ${partial.replUser}`) : undefined);
  if (replPassword === undefined) throw new UsageError(`${PASSWORD_ENV.replPassword} is not set (environment or .env), and there is no terminal to ask for it`);
  registerSecret(password);
  registerSecret(replPassword);
  const settings: Settings = { ...partial, password, replPassword };

  const renderer = await createRenderer({ json: settings.json, env: io.env, stdout: process.stdout, stderr: process.stderr });
  const outcome = await runRecovery({ settings, emit: (e) => renderer.emit(e), prompter, signal: io.signal, env: io.env, invocation: invocation(io) });
  return outcome.exitCode;
}

/** Who runs it (the account behind sudo when there is one), on which host, with which arguments: none is a secret. */
function invocation(io: CliIo): { user: string; host: string; argv: string[] } {
  let user = io.env.SUDO_USER ?? '';
  try {
    user ||= userInfo().username;
  } catch {
    user ||= io.env.USER ?? 'unknown';
  }
  return { user, host: hostname(), argv: process.argv.slice(2) };
}
