// `mmrecover check`: a Nagios/Icinga plugin. Whatever happens (bad flags, a server down, a hang) it prints exactly
// one plugin line on stdout and exits 0/1/2/3; never a usage message, never a colour, never a question.
import type { Command } from 'commander';
import { loadPairSettings, loadRingSettings, pairEndpoints, ringEndpoints } from '../config/pair-settings.js';
import { gatherRingStatus } from '../inspect/ring-status.js';
import { PASSWORD_ENV } from '../config/load.js';
import { defaultOf } from '../config/options.js';
import { gatherPairStatus, type PairStatus } from '../inspect/pair-status.js';
import { prometheusText } from '../inspect/prometheus.js';
import {
  DEFAULT_THRESHOLDS,
  evaluate,
  evaluateRing,
  parseSeconds,
  unknownResult,
  validateThresholds,
  type PluginResult,
  type Thresholds,
} from '../inspect/nagios.js';
import { redact, registerSecret } from '../base/redact.js';
import { addOptions } from './options.js';
import type { CliIo } from './io.js';
import type { RawFlags } from '../config/load.js';

const DEFAULT_TIMEOUT_SECONDS = defaultOf('timeout');

const HELP_AFTER = `
States:
  CRITICAL  a direction is broken: a thread stopped on an error, the IO thread is not running, or
            no replication is configured; or the lag is above -c
  WARNING   the lag is above -w, or cannot be measured
  UNKNOWN   a server cannot be reached, the login fails, the flags are wrong, or --timeout ran out
Lag: Seconds_Behind_Master while the SQL thread runs. When the SQL thread is stopped without an error
  (IO still receiving), that figure is NULL; the lag is then the age of the oldest event in the source's
  binary log that the replica has not executed (0 when nothing waits), so -w/-c apply as for a running replica.
With --ring a,b,c: every link of the ring (members labelled A, B, C in the order given), the member that broke named.
Perfdata per direction or ring link (a_b = A replicating to B): <dir>_lag (s), <dir>_io_running, <dir>_sql_running (1/0).
The password comes from ${PASSWORD_ENV.password} (environment or .env) or --defaults-file; nothing is ever asked.`;

export function registerCheckCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('check')
    .description('monitoring plugin (Nagios conventions): one status line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .addHelpText('after', HELP_AFTER)
    // Unknown flags and extra words become an UNKNOWN line below instead of a usage error with exit 2.
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: RawFlags, self: Command) => {
      const { result, status } = await check(flags, self.args, io);
      // A textfile collector reads whatever was written: the state is a metric, and a non-zero exit would only stop
      // the usual `check > file.tmp && mv file.tmp file.prom` from publishing it.
      if (flags.format === 'prometheus') return io.out(redact(prometheusText(result, status, new Date()).trimEnd()));
      io.out(redact(result.line));
      io.setExitCode(result.exitCode);
    });
  // A flag given without its value, or with a value outside its choices, must also end as UNKNOWN: commander accepts
  // it and check validates it.
  addOptions(cmd, 'check', { lenient: true });
}

async function check(flags: RawFlags, extra: string[], io: CliIo): Promise<{ result: PluginResult; status?: PairStatus }> {
  let t: Thresholds = DEFAULT_THRESHOLDS;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  try {
    if (extra.length)
      throw new Error(`unexpected ${extra.some((a) => a.startsWith('-')) ? 'option' : 'argument'} ${extra.join(' ')} (see mmrecover check --help)`);
    t = {
      warning: flags.warning === undefined ? DEFAULT_THRESHOLDS.warning : parseSeconds(flags.warning, '-w/--warning'),
      critical: flags.critical === undefined ? DEFAULT_THRESHOLDS.critical : parseSeconds(flags.critical, '-c/--critical'),
    };
    validateThresholds(t);
    if (flags.timeout !== undefined) timeoutSeconds = parseSeconds(flags.timeout, '-t/--timeout');
    if (timeoutSeconds < 1) throw new Error('-t/--timeout must be at least 1 second');
    if (flags.format !== undefined && flags.format !== 'nagios' && flags.format !== 'prometheus')
      throw new Error(`--format must be nagios or prometheus, not "${String(flags.format)}"`);
  } catch (err) {
    return { result: unknownResult((err as Error).message, t) };
  }

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ result: PluginResult }>((resolve) => {
    timer = setTimeout(() => resolve({ result: unknownResult(`no answer within the ${timeoutSeconds}s timeout (-t)`, t) }), timeoutSeconds * 1000);
  });
  const measure = async (): Promise<{ result: PluginResult; status?: PairStatus }> => {
    try {
      if (flags.ring !== undefined) return await checkRing(flags, io, t, timeoutSeconds);
      const s = loadPairSettings({ flags, env: io.env, cwd: io.cwd });
      if (s.password === undefined)
        return { result: unknownResult(`${PASSWORD_ENV.password} is not set (environment or .env) and no --defaults-file gives a password`, t) };
      registerSecret(s.password);
      // Connection attempts must fail (with their own reason) before the whole check times out.
      const connectTimeoutMs = Math.max(500, Math.min(s.connectTimeout * 1000, timeoutSeconds * 600));
      const status = await gatherPairStatus(pairEndpoints(s, s.password), { connectTimeoutMs, evidence: false });
      return { result: evaluate(status, t), status };
    } catch (err) {
      return { result: unknownResult((err as Error).message ?? String(err), t) };
    }
  };
  try {
    // Whatever is still connecting when the deadline wins is dropped with the process (main exits with our code).
    return await Promise.race([measure(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** check --ring: the same line for every link of the ring. */
async function checkRing(flags: RawFlags, io: CliIo, t: Thresholds, timeoutSeconds: number): Promise<{ result: PluginResult }> {
  const s = loadRingSettings({ flags, env: io.env, cwd: io.cwd });
  if (s.password === undefined)
    return { result: unknownResult(`${PASSWORD_ENV.password} is not set (environment or .env) and no --defaults-file gives a password`, t) };
  registerSecret(s.password);
  const connectTimeoutMs = Math.max(500, Math.min(s.connectTimeout * 1000, timeoutSeconds * 600));
  const status = await gatherRingStatus(ringEndpoints(s, s.password), { connectTimeoutMs });
  return { result: evaluateRing(status, t) };
}
