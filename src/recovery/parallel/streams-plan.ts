// --parallel: how many streams the copy runs, and the parallel copy action itself, computed from GS's tables.
import { availableParallelism } from 'node:os';
import { binaryData, BYTES_CHARSET, dumpArgs } from '../../adapters/shell/dump-args.js';
import { ident, literal, stmt } from '../../dialect/statement.js';
import { donorName, resumingDonorCopy, sourceRead } from '../donor.js';
import { dumpCommand, optionFileSlot, type CommandLine, type CopyStream, type ParallelCopyAction } from '../actions.js';
import { dataSizeBytes, listUserSchemas, SYSTEM_SCHEMAS } from '../compare.js';
import { reachable, type RecoveryContext } from '../context.js';
import { copyMethod } from '../copy-method.js';
import { recordCoordinates } from '../coordinates.js';
import { mysqlGtid } from '../positioning.js';
import { splitStreams, tableUnits, type StreamPart, type TableInfo } from './split.js';
import { POST_UNIT, remainingUnits, SCHEMA_UNIT, SYSTEM_UNIT } from '../donor-resume.js';
import type { RecoveryState } from '../state.js';

/** Below this, the default is one stream: splitting costs more (three phases, more clients) than it saves. */
export const PARALLEL_DEFAULT_MIN_BYTES = 256 * 1024 * 1024;
/** The default never runs more streams than this, whatever the cores. */
export const PARALLEL_DEFAULT_MAX = 4;

export interface ParallelChoice {
  streams: number;
  /** Why, in the plan's words. */
  why: string;
}

const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

/** How many streams: --parallel as given, or the cores of this machine for a copy big enough to gain from it. */
export async function parallelChoice(ctx: RecoveryContext): Promise<ParallelChoice> {
  const given = ctx.settings.parallel;
  if (given !== undefined && given <= 1) return { streams: 1, why: '--parallel 1: one stream' };
  // A physical copy or a clone moves data files, not dump streams.
  if (!copyMethod(ctx).logical) return { streams: 1, why: `one stream: --method ${ctx.settings.method} copies data files, not dumps` };
  // MySQL GTID: the import sets gtid_purged, which a server accepts once, from one dump: one stream.
  if (mysqlGtid(ctx)) return { streams: 1, why: 'one stream: a MySQL GTID pair’s copy sets gtid_purged once, from one dump' };
  // Offline (--assume, or GS did not answer): the streams are cut from GS's tables, which cannot be read.
  if (!reachable(ctx, 'GS'))
    return { streams: 1, why: `one stream shown: offline, GS’s tables cannot be read to split the copy${given ? ` into --parallel ${given} streams` : ''}` };
  if (given !== undefined) return { streams: given, why: `--parallel ${given}` };
  const cores = Math.min(PARALLEL_DEFAULT_MAX, Math.max(1, availableParallelism()));
  if (cores <= 1) return { streams: 1, why: 'one stream (default: this machine has one core)' };
  const size = await dataSizeBytes((s) => ctx.read('GS', s));
  if (size < PARALLEL_DEFAULT_MIN_BYTES)
    return { streams: 1, why: `one stream (default: the copy, ~${mb(size)}, is under ${mb(PARALLEL_DEFAULT_MIN_BYTES)}; --parallel ${cores} to split it)` };
  return { streams: cores, why: `${cores} streams (default: the cores of this machine, at most ${PARALLEL_DEFAULT_MAX}; --parallel to choose)` };
}

const INTEGER_TYPES = ['tinyint', 'smallint', 'mediumint', 'int', 'bigint'];
const systemList = SYSTEM_SCHEMAS.map((s) => literal(s)).join(', ');

/** GS's user base tables (system-versioned ones too: left out, every stream of their schema dumped them) with their sizes, and the single-column integer primary key of those that have one. */
export async function gsTables(ctx: RecoveryContext, streams: number): Promise<TableInfo[]> {
  // --donor: the tables and key ranges are read on the donor: GS is not read.
  const src = sourceRead(ctx);
  const read = (sql: string) => src(stmt(sql));
  const rows = await read(
    `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes, COALESCE(TABLE_ROWS, 0) AS n FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (${systemList}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  const keys = await read(
    `SELECT k.TABLE_SCHEMA, k.TABLE_NAME, MIN(k.COLUMN_NAME) AS col, COUNT(*) AS parts, MIN(c.DATA_TYPE) AS type FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME WHERE k.CONSTRAINT_NAME = 'PRIMARY' AND k.TABLE_SCHEMA NOT IN (${systemList}) GROUP BY k.TABLE_SCHEMA, k.TABLE_NAME`,
  );
  const intKey = new Map<string, string>();
  for (const k of keys)
    if (Number(k.parts) === 1 && INTEGER_TYPES.includes(String(k.type).toLowerCase())) intKey.set(`${k.TABLE_SCHEMA}.${k.TABLE_NAME}`, String(k.col));
  const tables: TableInfo[] = rows.map((r) => ({ schema: String(r.TABLE_SCHEMA), name: String(r.TABLE_NAME), bytes: Number(r.bytes), rows: Number(r.n) }));
  const share = tables.reduce((s, t) => s + t.bytes, 0) / streams;
  // MIN/MAX only for the tables big enough to be split (each read is one index dive).
  for (const t of tables) {
    const column = intKey.get(`${t.schema}.${t.name}`);
    if (!column || streams < 2 || t.bytes < share * 1.5) continue;
    const [r] = await read(`SELECT MIN(${ident(column)}) AS lo, MAX(${ident(column)}) AS hi FROM ${ident(t.schema)}.${ident(t.name)}`);
    if (r?.lo !== null && r?.lo !== undefined) t.intKey = { column, min: Number(r.lo), max: Number(r.hi) };
  }
  return tables;
}

/**
 * The parallel copy: the mysql schema and the user schemas' structure, the data in streams, then triggers and events.
 * `oneAtATime`: the single stream from a frozen donor, one table after another (units it records, for --resume).
 */
export async function parallelCopyAction(
  ctx: RecoveryContext,
  choice: ParallelChoice,
  load: CommandLine,
  note: string,
  oneAtATime = false,
): Promise<ParallelCopyAction | undefined> {
  const c = await ctx.clients();
  const fromDonor = copyMethod(ctx).coordinatesFrom === 'donor';
  // --resume from a donor still frozen where the interrupted copy read it: the same split, only what did not complete.
  const resumed = resumingDonorCopy(ctx);
  const parts = resumed ? resumed.parts : oneAtATime ? tableUnits(await gsTables(ctx, 1)) : splitStreams(await gsTables(ctx, choice.streams), choice.streams);
  if (parts.length < 2 && !resumed && !oneAtATime) return undefined;
  const rest = resumed ? remainingUnits(resumed) : undefined;
  const schemas = await listUserSchemas(sourceRead(ctx));
  const dump = (o: Partial<Parameters<typeof dumpArgs>[1]>): CommandLine =>
    dumpCommand(
      c,
      dumpArgs(c, {
        optionFile: optionFileSlot(fromDonor ? 'R' : 'GS'),
        consistency: 'transaction',
        gtid: false,
        server: ctx.dialect.GS.version,
        target: ctx.dialect.BS.version,
        purpose: 'copy',
        ...o,
      }),
    );
  // A data stream that carries its rows as bytes (dump-args.ts, binaryData) is read by the import byte by byte too: a
  // client whose own character set is multi-byte (sjis, gbk) would take a quote or backslash after a high byte as
  // part of one character.
  const dataLoad = binaryData({ part: 'data', server: ctx.dialect.GS.version }) ? { ...load, args: [...load.args, BYTES_CHARSET] } : load;
  const pair = (label: string, d: CommandLine, estimateBytes = 0, estimateRows = 0): CopyStream => ({
    label,
    dump: d,
    load: d.args.includes(BYTES_CHARSET) ? dataLoad : load,
    estimateBytes,
    estimateRows,
  });
  // One table by name: the dump names it alone, and the import is pointed at its schema (the dump then says no USE).
  const namedTable = (p: StreamPart): CopyStream => {
    const [schema, table] = [p.schemas[0], p.tables[0].slice(p.schemas[0].length + 1)];
    const d = dump({ part: 'data', tables: { schema, names: [table] } });
    const named = pair(p.label, d, p.estimateBytes, p.estimateRows);
    return { ...named, load: { ...named.load, args: [...named.load.args, `--database=${schema}`] } };
  };
  const before = schemas.length && (rest?.schema ?? true) ? [pair(SCHEMA_UNIT, dump({ part: 'schema', databases: schemas }))] : [];
  // The mysql schema whole, side by side with the data (nothing of the users' schemas depends on it).
  const systemBytes = await dataSizeBytes(sourceRead(ctx), ['mysql']);
  const streams = [
    ...(rest?.parts ?? parts).map((p) =>
      p.byName
        ? namedTable(p)
        : pair(p.label, dump({ part: 'data', databases: p.schemas, ignoreTables: p.ignore, where: p.where }), p.estimateBytes, p.estimateRows),
    ),
    ...((rest?.system ?? true) ? [pair(SYSTEM_UNIT, dump({ part: 'system', databases: ['mysql'] }), systemBytes)] : []),
  ];
  const after = schemas.length && (rest?.post ?? true) ? [pair(POST_UNIT, dump({ part: 'post', databases: schemas }))] : [];
  // From a frozen donor every stream reads the same point with no lock at all: no snapshot lock.
  const online = !copyMethod(ctx).locksGs && !fromDonor;
  const n = streams.length - 1;
  return {
    kind: 'parallel-copy',
    role: 'BS',
    note,
    before,
    streams,
    after,
    ...(oneAtATime ? { oneAtATime } : {}),
    lockSays: oneAtATime
      ? `GS is neither locked nor read: one stream at a time reads the frozen donor ${donorName(ctx)}`
      : fromDonor
        ? `GS is neither locked nor read: the ${streams.length} streams read the frozen donor ${donorName(ctx)}`
        : online
          ? `GS is locked only while the ${streams.length} streams open their snapshots (a fraction of a second; released at once, and the copy stopped, if that takes over ${Math.max(ctx.settings.lockWaitTimeout, 5)} s)`
          : `GS stays locked (since step 3) until the slowest of the ${n} streams ends: about 1/${Math.min(n, choice.streams)} of one stream’s time`,
    ...(online
      ? {
          snapshotLock: {
            statements: [
              stmt(`SET SESSION lock_wait_timeout = ${ctx.settings.lockWaitTimeout}`),
              stmt('SET SESSION wait_timeout = 86400'),
              stmt('FLUSH TABLES WITH READ LOCK'),
            ],
            timeoutSeconds: ctx.settings.lockWaitTimeout,
            record: recordCoordinates(ctx, 'GS', 'gsCoords', {
              onLockSession: true,
              note: 'GS’s coordinates, under the lock: the point every stream’s snapshot reads',
            }),
            release: stmt('UNLOCK TABLES'),
          },
        }
      : {}),
    // From a frozen donor: the split and each unit as it completes go to the journal, for a --resume (resume.ts).
    ...(fromDonor
      ? {
          onStart: (state: RecoveryState) => {
            if (state.donor && !state.donor.copy) state.donor.copy = { parts, done: [] };
          },
          onUnit: (label: string, state: RecoveryState) => {
            const copy = state.donor?.copy;
            if (copy && !copy.done.includes(label)) copy.done.push(label);
          },
        }
      : {}),
    capture: (o, state) => {
      state.copy = {
        bytes: o.bytes,
        seconds: o.seconds,
        complete: true,
        streams: o.streams.length,
        ...(o.snapshotLockMs !== undefined ? { snapshotLockMs: o.snapshotLockMs } : {}),
      };
    },
  };
}
