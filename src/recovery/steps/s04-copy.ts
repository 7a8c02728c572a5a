// Step 4: copy everything from GS into BS through `dump | load`, streamed (no temp file, bounded memory), checked
// for completeness before anything may replicate from it. Credentials reach the clients in 0600 option files.
import { dumpArgs, loadArgs, serverStateTables } from '../../adapters/shell/dump-args.js';
import { ident, stmt } from '../../dialect/statement.js';
import { dumpCommand, optionFileSlot, type Action, type CommandLine, type SqlAction } from '../actions.js';
import { aroundOwnWrites, unmeasured } from '../fence.js';
import { bothReachable, reachable, type RecoveryContext } from '../context.js';
import { dataSizeBytes, listUserSchemas } from '../compare.js';
import { describeBsOnly, hasBsOnly } from '../bs-only-text.js';
import { diffObjects, dropObject, readObjects } from '../bs-objects.js';
import { mariadbGtid, mysqlGtid, usesGtidPositioning } from '../positioning.js';
import { StepFailed } from '../../base/errors.js';
import type { Step, StepPlan } from '../step.js';
import { copyMethod } from '../copy-method.js';
import { otherCopyPlan } from '../physical/method-plan.js';
import { physicalDuring } from '../physical/plan.js';
import { parallelChoice, parallelCopyAction } from '../parallel/streams-plan.js';
import { clearStatements, remainingUnits, resumeText, type DonorCopyRecord } from '../donor-resume.js';
import { importBinlog } from '../import-binlog.js';
import { afterImport, beforeImport, restorePacket, settingsLeft } from '../server-state.js';
import { donorName, resumingDonorCopy, sourceRead } from '../donor.js';
import { mdlWatchPlan } from '../mdl-watch.js';
import { heading } from '../step-headings.js';

/** What the copy leaves of BS's own server state, for the plan: the tables it does not copy, the plugins BS keeps. */
function keptOnBs(ctx: RecoveryContext): string {
  const tables = serverStateTables(ctx.dialect.GS.version.flavor).map((t) => t.table);
  const gtid = tables.includes('mysql.gtid_slave_pos')
    ? `BS keeps its own mysql.gtid_slave_pos (GS’s rows would collide with BS’s GTID counter, MDEV-15393)${usesGtidPositioning(ctx) ? '; step 6 sets gtid_slave_pos to GS’s position' : ''}`
    : '';
  const plugins = ctx.state.serverState?.bsOnlyPlugins ?? [];
  const plugin = `BS keeps its own mysql.plugin${plugins.length ? ` and the plugins only it has: ${plugins.join(', ')}` : ''}`;
  const help = tables.includes('mysql.help_topic') ? 'BS keeps the HELP tables of its own server version (mysql.help_*)' : '';
  return [gtid, plugin, help].filter(Boolean).join('; ');
}

/** Schemas only BS has: --all-databases from GS would leave them behind, so the copy would not match. */
async function bsOnlySchemas(ctx: RecoveryContext): Promise<string[]> {
  const [gs, bs] = await Promise.all([listUserSchemas((s) => ctx.read('GS', s)), listUserSchemas((s) => ctx.read('BS', s))]);
  const onGs = new Set(gs);
  return bs.filter((x) => !onGs.has(x));
}

/** DROP DATABASE for each schema only BS has; offline, one line for them all, as a branch. */
async function dropBsOnlySchemas(ctx: RecoveryContext): Promise<SqlAction[]> {
  const note = 'exists only on BS; the copy would leave it behind';
  if (!bothReachable(ctx))
    return [
      {
        kind: 'sql',
        role: 'BS',
        statement: stmt(`DROP DATABASE ${ident('<schema only on BS>')}`),
        note,
        branch: { text: `for each schema only BS has (${unmeasured(ctx)})`, all: [{ fact: 'bs-only', is: true }] },
      },
    ];
  return (await bsOnlySchemas(ctx)).map((s) => ({ kind: 'sql', role: 'BS', statement: stmt(`DROP DATABASE ${ident(s)}`), note }));
}

/**
 * Routines, views, triggers and events only BS has, dropped on BS alone before the copy (not binary-logged): the dump
 * drops and recreates only what GS has, so a view only on BS would survive it and the servers would end with other
 * objects. Step 2 kept their DDL (bs-objects.sql). Those in schemas only BS has go with their schema.
 */
async function dropBsOnlyObjects(ctx: RecoveryContext): Promise<SqlAction[]> {
  if (!bothReachable(ctx)) return [];
  // A resumed run may find BS's mysql schema half imported (routines and events unreadable): those kinds are GS's
  // after the copy anyway (it replaces the mysql schema), and step 2 of the first run kept BS's own.
  const unreadable = ctx.settings.resume ? [] : undefined;
  const [gs, bs, bsOnlySchemaList] = await Promise.all([
    readObjects((s) => ctx.read('GS', s)),
    readObjects((s) => ctx.read('BS', s), unreadable),
    bsOnlySchemas(ctx),
  ]);
  const gone = new Set(bsOnlySchemaList);
  const drops = diffObjects(gs, bs).filter((o) => o.kind === 'only-on-bs' && !gone.has(o.object.slice(0, o.object.indexOf('.'))));
  if (!drops.length) return [];
  const kept = ctx.state.backup?.objects?.file;
  return [
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 0'), note: 'the drops below stay on BS' },
    ...drops.map((o): SqlAction => ({
      kind: 'sql',
      role: 'BS',
      statement: dropObject(o),
      note: `only on BS; the copy would leave it behind${kept ? ` (its DDL is kept in ${kept})` : ''}`,
    })),
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 1'), cleanup: true },
  ];
}

/**
 * A resumed copy's data units that did not complete, emptied on BS first: one killed part-way left some of its rows,
 * and its stream inserts without dropping the table. Unlogged like the import when the import is; no foreign-key check,
 * like the import. Nothing to clear when the schema unit runs again (it drops and recreates every table).
 */
function clearLeftUnits(ctx: RecoveryContext, record: DonorCopyRecord): SqlAction[] {
  const rest = remainingUnits(record);
  if (rest.schema || !rest.parts.length) return [];
  const unlogged = !importBinlog(ctx).logged;
  const note = 'copied part-way (or not at all) by the interrupted copy: emptied, then copied again whole';
  return [
    ...(unlogged
      ? [{ kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 0'), note: 'like the import: not in BS’s binary log' } as SqlAction]
      : []),
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION foreign_key_checks = 0'), note: 'like the import' },
    ...rest.parts.flatMap((p) =>
      clearStatements(p).map(({ statement, repeat }): SqlAction => ({
        kind: 'sql',
        role: 'BS',
        statement,
        note: repeat ? `${note}; run again until it deletes no row, so that no statement grows with the range` : note,
        ...(repeat ? { repeatWhileRows: true } : {}),
      })),
    ),
    { kind: 'sql', role: 'BS', statement: stmt('SET SESSION foreign_key_checks = 1'), cleanup: true },
    ...(unlogged ? [{ kind: 'sql', role: 'BS', statement: stmt('SET SESSION sql_log_bin = 1'), cleanup: true } as SqlAction] : []),
  ];
}

export async function copyCommands(ctx: RecoveryContext): Promise<{ dump: CommandLine; load: CommandLine }> {
  const c = await ctx.clients();
  // --donor: the dump reads the frozen donor (R), with no lock and no coordinates of its own (step 3 recorded them).
  const donor = copyMethod(ctx).coordinatesFrom === 'donor';
  return {
    dump: dumpCommand(
      c,
      dumpArgs(c, {
        optionFile: optionFileSlot(donor ? 'R' : 'GS'),
        consistency: copyMethod(ctx).dump,
        gtid: !donor && usesGtidPositioning(ctx),
        server: ctx.dialect.GS.version,
        target: ctx.dialect.BS.version,
        purpose: 'copy',
      }),
    ),
    load: { program: c.load.command, args: loadArgs(c, { optionFile: optionFileSlot('BS'), unlogged: !importBinlog(ctx).logged }) },
  };
}

export const copyData: Step = {
  ...heading(4),
  restartAt: 3,
  after: () => ({ BS: 'holds a complete copy of GS' }),
  during: (ctx) => {
    const physical = physicalDuring(ctx);
    if (physical) return physical;
    const left = settingsLeft(ctx);
    return { BS: `may hold a PARTIAL copy; no replication configured on it${left ? `; ${left}` : ''}` };
  },
  async plan(ctx) {
    const p = await copyPlan(ctx);
    // From the donor, the copy reads R: the step's header says so.
    return copyMethod(ctx).fromDonor ? { ...p, on: 'R → BS' } : p;
  },
};

async function copyPlan(ctx: RecoveryContext): Promise<StepPlan> {
  const other = await otherCopyPlan(ctx);
  if (other) return other;
  // super_read_only (MySQL) refuses the DROP, the reset and the import even to SUPER: lifted first, put back last.
  const { lift, restore } = await aroundOwnWrites(ctx, 'the drop and the import');
  // BS's packet limit and event scheduler for the import (server-state.ts), each put back after it.
  const pre = await beforeImport(ctx);
  const post = [...(await afterImport(ctx, pre)), ...restorePacket(ctx, pre)];
  const actions: Action[] = [...lift, ...pre, ...(await dropBsOnlySchemas(ctx)), ...(await dropBsOnlyObjects(ctx))];
  // MySQL GTID: gtid_purged can only be set on an empty GTID history. The plan and the question before steps 3–5 say so.
  if (mysqlGtid(ctx))
    actions.push({
      kind: 'sql',
      role: 'BS',
      statement: ctx.dialect.BS.resetBinlogs(),
      note: 'discards BS’s binary logs and GTID history, so that the import can set gtid_purged to GS’s',
    });
  const { dump, load } = await copyCommands(ctx);
  const b = ctx.state.bsOnly;
  const fromDump = copyMethod(ctx).coordinatesFrom === 'dump';
  const replaces = `replaces all data on BS, including the mysql schema (accounts and grants become GS’s; ${keptOnBs(ctx)})${b && hasBsOnly(b) ? `; ${describeBsOnly(b)}` : ''}; the import is ${importBinlog(ctx).why}`;
  // --parallel: the copy in streams (parallel/streams-plan.ts), when GS's tables split into more than one.
  const choice = await parallelChoice(ctx);
  const donor = copyMethod(ctx).coordinatesFrom === 'donor' ? ` from the donor ${donorName(ctx)} (frozen; GS is not read)` : '';
  // --resume from a donor still frozen where the interrupted copy read it: only the units that did not complete.
  const resumed = resumingDonorCopy(ctx);
  const resumeNote = resumed && ctx.state.donor?.at ? `; ${resumeText(resumed, ctx.state.donor.at)}` : '';
  // From a frozen donor, one stream copies one table after another, each recorded as it completes, so that a --resume
  // copies only the tables left: the donor does not move, so tables dumped one by one are of one point.
  const oneAtATime = choice.streams <= 1 && !!donor && !!ctx.donor?.identity;
  const why = oneAtATime ? `${choice.why}, one table at a time, each recorded as it completes (a --resume copies only the tables left)` : choice.why;
  const parallel =
    (choice.streams > 1 || resumed || oneAtATime) && reachable(ctx, 'GS')
      ? await parallelCopyAction(ctx, choice, load, `${replaces}${donor}; ${why}${resumeNote}`, oneAtATime)
      : undefined;
  // The metadata-lock watch runs beside the copy that reads GS online (the plan's header says it: throttle-plan.ts).
  const mdlWatch = mdlWatchPlan(ctx.settings, ctx.dialect.GS.version.flavor);
  if (parallel) {
    if (resumed) actions.push(...clearLeftUnits(ctx, resumed));
    actions.push({ ...parallel, ...(mdlWatch ? { mdlWatch } : {}) }, ...post, ...restore);
    return { actions };
  }
  actions.push({
    kind: 'copy',
    role: 'BS',
    dump,
    load,
    watchHeader: fromDump,
    ...(mdlWatch ? { mdlWatch } : {}),
    estimateBytes: reachable(ctx, 'GS') ? await dataSizeBytes(sourceRead(ctx)) : undefined,
    note: `${replaces}${donor}; ${choice.streams > 1 ? `one stream: GS’s tables do not split (${choice.why})` : choice.why}`,
    capture: (o, state) => {
      state.copy = { bytes: o.bytes, seconds: o.seconds, complete: true };
      if (!fromDump) return;
      if (!o.header)
        throw new StepFailed(
          'the dump carried no CHANGE MASTER coordinates in its header (was --master-data honoured?)',
          4,
          'Run again with --resume: it restarts from step 3.',
        );
      if (mariadbGtid(ctx) && o.header.gtidSlavePos === undefined)
        throw new StepFailed('the dump carried no gtid_slave_pos line (was --gtid honoured?)', 4, 'Run again with --resume.');
      state.gsCoords = { file: o.header.file, position: o.header.position, ...(mariadbGtid(ctx) ? { gtid: o.header.gtidSlavePos } : {}) };
    },
  });
  actions.push(...post, ...restore);
  return { actions };
}
