// `mmrecover [recover]`: flags → validated settings → the step engine. The default command.
import { Command, Option } from 'commander';
import { loadSettings, ENV, type RawFlags } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import { parseHostPort } from '../adapters/mysql/endpoint.js';
import { UsageError } from '../base/errors.js';
import { runRecovery } from '../engine/runner.js';
import { createRenderer } from './ui/render.js';
import { TerminalPrompter, YesPrompter, type Prompter } from './ui/prompter.js';
import { registerSecret } from '../base/redact.js';
import type { CliIo } from './io.js';

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-u, --user <name>', 'admin account on both servers (default root)')
    .option('--config <file>', 'read settings from a JSON file (same names as the flags, camelCase)')
    .option('--defaults-file <file>', 'a MySQL option file: user, password and ssl settings from its [client] and [mysqldump] groups')
    .option('--connect-timeout <seconds>', 'give up connecting after this long (default 10)')
    .option('--ssl-mode <mode>', 'TLS for the tool and its clients: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY')
    .option('--ssl-ca <file>', 'CA certificate (PEM)')
    .option('--ssl-cert <file>', 'client certificate (PEM)')
    .option('--ssl-key <file>', 'client key (PEM)');
}

export function registerRecoverCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('recover', { isDefault: true })
    .description('rebuild the bad server (BS) from the good server (GS) and restore master-master replication, step by step')
    .option('--good <host[:port]>', 'the good server (GS): kept, copied from')
    .option('--bad <host[:port]>', 'the bad server (BS): rebuilt from GS')
    .option('--good-address <host[:port]>', 'how BS reaches GS for replication, when it differs from --good')
    .option('--bad-address <host[:port]>', 'how GS reaches BS for replication, when it differs from --bad')
    .option('--good-socket <path>', 'connect to GS through this Unix socket')
    .option('--bad-socket <path>', 'connect to BS through this Unix socket')
    .option('--repl-user <name>', 'replication account used in CHANGE MASTER (default repl)')
    .addOption(new Option('--method <method>', 'classic: the seed procedure (GS locked during the copy)').choices(['classic', 'online']))
    .addOption(
      new Option('--backup <what>', 'before the copy, keep what only BS holds: auto (when there is any) or all (every schema)').choices(['auto', 'all']),
    )
    .option('--no-backup', 'do not keep a copy of what only BS holds (asks to confirm)')
    .option('--backup-dir <dir>', 'where backups go (default: beside the journal)')
    .addOption(
      new Option('--positioning <how>', 'resume replication by binary log file/position or by GTID (default auto: as the pair did)').choices([
        'auto',
        'file',
        'gtid',
      ]),
    )
    .option('--dry-run', 'rehearse: show every step and statement, change nothing')
    .option('-y, --yes', 'answer yes to every question (needs --confirm-bad)')
    .option('--confirm-bad <host[:port]>', 'with --yes: repeat the bad server, so a swapped pair cannot wipe the good one')
    .option('--json', 'one JSON event per line on stdout; human messages off')
    .option('--journal <file>', 'journal file (default under $XDG_STATE_HOME/mmrecover/)')
    .option('--resume', 'continue the run recorded in the journal')
    .option('--lock-wait-timeout <seconds>', 'longest wait for GS\u2019s global read lock before asking to retry (default 5)')
    .option('--replica-timeout <seconds>', 'longest wait for replication to start and catch up (default 120)')
    .option('--verify', 'prove the result after step 10 (default)')
    .option('--no-verify', 'skip the proof after step 10')
    .option('--marker', 'write marker rows in schema mmrecover as part of the proof (default)')
    .option('--no-marker', 'prove without writing marker rows')
    .option('--replication-ssl', 'configure replication with MASTER_SSL=1 and the --ssl-* files')
    .action(async (flags: RawFlags) => {
      io.setExitCode(await recover(flags, io));
    });
  addConnectionOptions(cmd);
}

async function recover(flags: RawFlags, io: CliIo): Promise<number> {
  // commander gives --no-backup as backup=false (and a bare default as true): the setting's own words are clearer.
  if (flags.backup === false) flags.backup = 'none';
  else if (flags.backup === true) delete flags.backup;
  const partial = loadSettings({ flags, env: io.env, cwd: io.cwd });
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
  const prompter: Prompter = partial.yes ? new YesPrompter() : new TerminalPrompter(io.signal);
  if (!partial.yes && !partial.dryRun && !interactive)
    throw new UsageError('no terminal to ask on: run mmrecover in a terminal, or pass --yes --confirm-bad <bad server> for automation');
  const password = partial.password ?? (interactive ? await prompter.secret(`Password for ${partial.user} on GS and BS`) : undefined);
  if (password === undefined) throw new UsageError(`${ENV.password} is not set (environment or .env), and there is no terminal to ask for it`);
  const replPassword = partial.replPassword ?? (interactive ? await prompter.secret(`Password of the replication account ${partial.replUser}`) : undefined);
  if (replPassword === undefined) throw new UsageError(`${ENV.replPassword} is not set (environment or .env), and there is no terminal to ask for it`);
  registerSecret(password);
  registerSecret(replPassword);
  const settings: Settings = { ...partial, password, replPassword };

  const renderer = createRenderer({ json: settings.json, env: io.env, stdout: process.stdout, stderr: process.stderr });
  const outcome = await runRecovery({ settings, emit: (e) => renderer.emit(e), prompter, signal: io.signal, env: io.env });
  return outcome.exitCode;
}
