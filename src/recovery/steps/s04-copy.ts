// Step 4: copy everything from GS into BS through `dump | load`, streamed (no temp file, bounded memory),
// checked for completeness before anything may replicate from it. Credentials reach the clients in 0600 option files.
import { findClients, type Clients } from '../../adapters/shell/clients.js';
import { endpointCredentials, writeOptionFile, type OptionFile } from '../../adapters/shell/option-file.js';
import { dumpArgs, loadArgs } from '../../adapters/shell/dump-args.js';
import { runCopyPipe, CopyFailed } from '../../adapters/shell/pipe.js';
import { DumpHeaderWatcher } from '../../adapters/shell/dump-header.js';
import { endpointFor } from '../../config/endpoints.js';
import { ident, stmt } from '../../dialect/statement.js';
import type { RecoveryContext } from '../context.js';
import { StepFailed, Interrupted } from '../../base/errors.js';
import { dataSizeBytes, listUserSchemas } from '../compare.js';
import { formatBytes, formatDuration } from '../../base/format.js';
import type { PlannedAction, Step } from './step.js';
import { mariadbGtid, mysqlGtid, usesGtidPositioning } from '../positioning.js';
import { describeBsOnly, hasBsOnly } from '../bs-only.js';

const OPTION_FILE_SHOWN = '<0600 option file>';

let clientsCache: Promise<Clients> | undefined;
export function clients(): Promise<Clients> {
  clientsCache ??= findClients();
  return clientsCache;
}

/** Schemas only BS has: --all-databases from GS would leave them behind, so the copy would not match. */
async function bsOnlySchemas(ctx: RecoveryContext): Promise<string[]> {
  const [gs, bs] = await Promise.all([
    listUserSchemas((s) => ctx.exec.sql('GS', s, { quiet: true })),
    listUserSchemas((s) => ctx.exec.sql('BS', s, { quiet: true })),
  ]);
  const onGs = new Set(gs);
  return bs.filter((x) => !onGs.has(x));
}

const dropSchema = (name: string) => stmt(`DROP DATABASE ${ident(name)}`);

function superReadOnlyLifted(ctx: RecoveryContext): boolean {
  // MySQL's super_read_only blocks even our import; read_only alone does not stop an admin account.
  return ctx.state.fence.some((f) => f.variable === 'super_read_only');
}

function commandLine(c: Clients, ctx: RecoveryContext, gsFile: string, bsFile: string): { dump: string[]; load: string[]; shown: string } {
  const dump = dumpArgs(c, { optionFile: gsFile, method: ctx.settings.method, gtid: usesGtidPositioning(ctx) });
  const load = loadArgs(c, { optionFile: bsFile });
  const show = (cmd: string, args: string[]) => [cmd, ...args.map((a) => a.replace(gsFile, OPTION_FILE_SHOWN).replace(bsFile, OPTION_FILE_SHOWN))].join(' ');
  return { dump, load, shown: `${show(c.dump.command, dump)} | ${show(c.load.command, load)}` };
}

export async function copyPlan(ctx: RecoveryContext): Promise<PlannedAction[]> {
  const actions: PlannedAction[] = [];
  const bsOnly = ctx.bs && ctx.gs ? await bsOnlySchemas(ctx) : [];
  for (const s of bsOnly) actions.push({ role: 'BS', shown: dropSchema(s).shown, note: 'exists only on BS; the copy would leave it behind' });
  if (superReadOnlyLifted(ctx)) actions.push({ role: 'BS', shown: 'SET GLOBAL super_read_only = OFF', note: 'during the import only; read_only stays on' });
  if (mysqlGtid(ctx)) actions.push({ role: 'BS', shown: ctx.bsDialect.resetBinlogs().shown, note: 'discards BS’s binary logs and GTID history, so that the import can set gtid_purged to GS’s' });
  const c = await clients();
  actions.push({
    role: 'BS',
    shown: '$ ' + commandLine(c, ctx, 'GS', 'BS').shown,
    note: `replaces all data on BS, including the mysql schema (accounts and grants become GS\u2019s)${ctx.state.bsOnly && hasBsOnly(ctx.state.bsOnly) ? `; ${describeBsOnly(ctx.state.bsOnly)}` : ''}`,
  });
  if (superReadOnlyLifted(ctx)) actions.push({ role: 'BS', shown: 'SET GLOBAL super_read_only = ON' });
  return actions;
}

export const copyData: Step = {
  id: 4,
  title: 'Copy all data from the good server to the bad server',
  on: 'GS → BS',
  plan: copyPlan,
  async run(ctx) {
    for (const s of ctx.bs && ctx.gs ? await bsOnlySchemas(ctx) : []) {
      ctx.ui.warn(`Schema ${s} exists only on BS; it is dropped so that BS matches GS.`);
      await ctx.exec.sql('BS', dropSchema(s));
    }
    const lift = superReadOnlyLifted(ctx);
    if (lift) await ctx.exec.sql('BS', stmt('SET GLOBAL super_read_only = OFF'));
    // MySQL GTID: gtid_purged can only be set on an empty GTID history. The plan and the question before steps 3–5 said so.
    if (mysqlGtid(ctx)) await ctx.exec.sql('BS', ctx.bsDialect.resetBinlogs());
    try {
      await copy(ctx);
    } finally {
      if (lift) await ctx.exec.sql('BS', stmt('SET GLOBAL super_read_only = ON')).catch(() => undefined);
    }
  },
};

async function copy(ctx: RecoveryContext): Promise<void> {
  const c = await clients();
  if (!ctx.exec.live) {
    await ctx.exec.command('BS', commandLine(c, ctx, 'GS', 'BS').shown, async () => undefined);
    return;
  }
  const estimate = await dataSizeBytes((s) => ctx.exec.sql('GS', s, { quiet: true }));
  const files: OptionFile[] = [];
  try {
    files.push(await writeOptionFile(endpointCredentials(endpointFor(ctx.settings, 'GS')), c.dump.flavor));
    files.push(await writeOptionFile(endpointCredentials(endpointFor(ctx.settings, 'BS')), c.load.flavor));
    const cmd = commandLine(c, ctx, files[0].path, files[1].path);

    // The copy is only consistent while GS's read lock holds: losing that session aborts the copy.
    const lockLost = new AbortController();
    let lostReason: string | undefined;
    ctx.lock?.onLost((err) => {
      lostReason = err.message;
      lockLost.abort();
    });
    const signal = AbortSignal.any([ctx.signal, lockLost.signal]);
    const header = ctx.settings.method === 'online' ? new DumpHeaderWatcher() : undefined;
    const started = Date.now();
    const task = ctx.ui.task(`Copying GS → BS (about ${formatBytes(estimate)} of data)`);
    let lastEvent = 0;
    const onProgress = (bytes: number) => {
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? bytes / elapsed : 0;
      const eta = rate > 0 && estimate > bytes ? (estimate - bytes) / rate : undefined;
      task.update(`Copying GS → BS: ${formatBytes(bytes)} at ${formatBytes(rate)}/s, ${formatDuration(elapsed)} elapsed${eta !== undefined ? `, about ${formatDuration(eta)} left` : ''}`);
      if (Date.now() - lastEvent >= 1000) {
        lastEvent = Date.now();
        ctx.ui.event('progress', { step: 4, bytes, estimateBytes: estimate, rateBytesPerSecond: Math.round(rate), elapsedSeconds: elapsed, etaSeconds: eta ?? null });
      }
    };
    try {
      const result = await ctx.exec.command('BS', cmd.shown, () =>
        runCopyPipe({
          dump: { command: c.dump.command, args: cmd.dump },
          load: { command: c.load.command, args: cmd.load },
          onProgress,
          onChunk: header ? (chunk) => header.push(chunk) : undefined,
          signal,
        }),
      );
      if (header) {
        const coords = header.finish();
        if (!coords) throw new CopyFailed('the dump carried no CHANGE MASTER coordinates in its header (was --master-data honoured?)');
        if (mariadbGtid(ctx) && coords.gtidSlavePos === undefined) throw new CopyFailed('the dump carried no gtid_slave_pos line (was --gtid honoured?)');
        ctx.state.gsCoords = { file: coords.file, position: coords.position, ...(mariadbGtid(ctx) ? { gtid: coords.gtidSlavePos } : {}) };
        ctx.ui.ok(`GS coordinates from the dump's consistent snapshot: ${coords.file} / ${coords.position}${mariadbGtid(ctx) ? ` (GTID ${coords.gtidSlavePos})` : ''}`);
      }
      const seconds = (Date.now() - started) / 1000;
      ctx.state.copy = { bytes: result?.bytes ?? 0, seconds, complete: true, dump: c.dump.command, load: c.load.command };
      ctx.ui.event('copy_complete', { step: 4, bytes: result?.bytes ?? 0, seconds });
      task.succeed(`Copy complete: ${formatBytes(result?.bytes ?? 0)} in ${formatDuration(seconds)}; both programs exited 0 and the dump ended with its completion marker.`);
    } catch (err) {
      task.fail('Copy failed');
      ctx.state.copy = { bytes: 0, seconds: (Date.now() - started) / 1000, complete: false, dump: c.dump.command, load: c.load.command };
      if (lostReason) throw new StepFailed(`the GS session holding the read lock was lost during the copy (${lostReason}); the copy is not consistent`, 4, 'Run again with --resume: it restarts from step 3.');
      if (ctx.signal.aborted) throw new Interrupted('interrupted during the copy (step 4)');
      const msg = err instanceof CopyFailed ? err.message : (err as Error).message;
      throw new StepFailed(`the copy did not complete: ${msg}. BS holds a partial copy; replication was NOT configured on it.`, 4, 'Fix the cause, then run again with --resume: it restarts from step 3.');
    }
  } finally {
    await Promise.all(files.map((f) => f.dispose()));
  }
}
