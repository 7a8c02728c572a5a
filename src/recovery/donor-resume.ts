// A copy that resumes (issue 28): from a frozen donor, the parallel copy records each unit (a stream: whole tables or
// one key range of one table, and the parts before and after the data) as it completes; a --resume that finds the
// donor still stopped at the same point copies only the units not recorded complete. Pure: the record in, what is
// left, what BS must clear first and the sentences out.
import { ident, stmt, type Statement } from '../dialect/statement.js';
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { DonorCopyRecord, StreamPart } from './copy-units.js';

export type { DonorCopyRecord };

/** The labels of the parallel copy's units other than the data streams (also shown in the plan). */
export const SCHEMA_UNIT = 'every user schema’s tables, views and routines, no data, no trigger';
export const SYSTEM_UNIT = 'the mysql schema whole (accounts and grants become GS’s)';
export const POST_UNIT = 'triggers and events';

export interface Remaining {
  /** The user schemas' structure must be created again (it drops and recreates every table: nothing else counts then). */
  schema: boolean;
  parts: StreamPart[];
  system: boolean;
  post: boolean;
}

/**
 * What a resumed copy still copies. Once the schema unit is done, each data unit not recorded complete is copied again
 * whole (BS clears it first, see clearStatements); before it is done, every table is dropped and created again by it,
 * so every data unit is copied again.
 */
export function remainingUnits(r: DonorCopyRecord): Remaining {
  const done = new Set(r.done);
  const schema = !done.has(SCHEMA_UNIT);
  return {
    schema,
    parts: schema ? r.parts : r.parts.filter((p) => !done.has(p.label)),
    system: !done.has(SYSTEM_UNIT),
    post: !done.has(POST_UNIT),
  };
}

/** A data unit's names for people: its tables, or its key range's label. */
const unitNames = (p: StreamPart): string[] => (p.where ? [p.label] : p.tables);

/** "3 of 5 tables left: shop.a, shop.b, shop.c" (key ranges are named as such when there are any). */
export function leftText(r: DonorCopyRecord): string {
  // By name: the streams' order follows the tables' sizes, which information_schema only estimates.
  const left = remainingUnits(r)
    .parts.flatMap(unitNames)
    .sort((x, y) => x.localeCompare(y));
  const all = r.parts.flatMap(unitNames);
  const what = r.parts.some((p) => p.where) ? 'tables or key ranges' : 'tables';
  return `${left.length} of ${all.length} ${what} left${left.length ? `: ${left.join(', ')}` : ''}`;
}

/** The plan's and the question's sentence on a resume from the donor. */
export function resumeText(r: DonorCopyRecord, at: Coordinates): string {
  const rest = remainingUnits(r);
  const also = [rest.schema ? 'the user schemas’ structure' : '', rest.system ? 'the mysql schema' : '', rest.post ? 'triggers and events' : ''].filter(
    Boolean,
  );
  return `resuming the copy from the donor, still stopped at ${point(at)}: ${leftText(r)}${also.length ? `; and ${also.join(', ')}` : ''}`;
}

/** Rows a resumed copy deletes per statement from a key range copied part-way (repeated until none is left). */
export const CLEAR_BATCH_ROWS = 10_000;

/**
 * What BS clears before a data unit is copied again: a unit killed part-way may have left some of its rows, and the
 * data streams carry no DROP/CREATE (--no-create-info), so the same rows would be inserted twice. Whole tables are
 * emptied (TRUNCATE: its time does not grow with the rows); a key range has its range deleted CLEAR_BATCH_ROWS at a
 * time (`repeat`: until a statement deletes none), so that no statement grows with a range of hundreds of GB.
 * The single-table DELETE's LIMIT row_count is the manuals' own way of doing this: MySQL's "tells the server the
 * maximum number of rows to be deleted before control is returned to the client … to ensure that a given DELETE
 * statement does not take too much time", repeated "until the number of affected rows is less than the LIMIT value"
 * (https://dev.mysql.com/doc/refman/8.0/en/delete.html); MariaDB's DELETE takes the same LIMIT on a single table
 * (https://mariadb.com/kb/en/delete/), and donor-resume.test.ts runs it live.
 */
export function clearStatements(p: StreamPart): Array<{ statement: Statement; repeat?: true }> {
  const name = (t: string) => {
    const dot = t.indexOf('.');
    return `${ident(t.slice(0, dot))}.${ident(t.slice(dot + 1))}`;
  };
  if (p.where) return [{ statement: stmt(`DELETE FROM ${name(p.tables[0])} WHERE ${p.where} LIMIT ${CLEAR_BATCH_ROWS}`), repeat: true }];
  return p.tables.map((t) => ({ statement: stmt(`TRUNCATE TABLE ${name(t)}`) }));
}

export const point = (c: Coordinates): string => `${c.file}:${c.position}${c.gtid ? ` (GTID ${c.gtid})` : ''}`;

/** Is the donor where the interrupted copy read it: its SQL thread stopped, at the same executed point? */
export function sameDonorPoint(now: { sqlRunning: string; execFile: string; execPos: number; gtid?: string }, at: Coordinates): boolean {
  if (now.sqlRunning === 'Yes') return false;
  if (now.execFile !== at.file || now.execPos !== at.position) return false;
  return at.gtid === undefined || now.gtid === undefined || now.gtid === at.gtid;
}

/** The one-line refusal of a --resume whose donor moved. */
export function donorMovedText(name: string, now: { sqlRunning: string; execFile: string; execPos: number; gtid?: string }, at: Coordinates): string {
  const where = `${now.execFile}:${now.execPos}${now.gtid ? ` (GTID ${now.gtid})` : ''}${now.sqlRunning === 'Yes' ? ', its SQL thread running' : ''}`;
  return `the donor ${name} moved since the interrupted copy (now at ${where}, the copy was of ${point(at)}): its data is no longer the copy’s point; the journal no longer counts the tables copied, so run the same command with --resume again to copy everything from scratch`;
}
