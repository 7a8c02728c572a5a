// What only BS holds, in words (pure: no I/O): the preflight, the plan, the questions, the journal, `status` and the
// post-incident report all say it with these, and `report` reads them without the recovery's runtime code.
import type { OwnEvents } from '../adapters/shell/binlog-reader.js';
import { bsSideObjects, describeAccounts, describeObjects } from './bs-objects.js';
import type { BsOnly, DataDetail, DataSummary, DataTable } from './state.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** " (2026-11-25 02:11:04–02:36:40 UTC) on shop.orders" for own events. */
export function describeOwnEvents(o: Omit<OwnEvents, 'bytes'>): string {
  const when = o.firstAt ? ` (${o.firstAt.replace('T', ' ').slice(0, 19)}${o.lastAt && o.lastAt !== o.firstAt ? `–${o.lastAt.slice(11, 19)}` : ''} UTC)` : '';
  return `${when}${o.tables.length ? ` on ${o.tables.join(', ')}` : ''}`;
}

/** The latest comparison of the data: step 2's (BS fenced and stopped) once it ran, the preflight's before. */
const latest = (b: BsOnly): DataSummary | undefined => b.afterFence ?? b.data;

/**
 * Tables in which BS holds something GS does not, or may: rows only on BS or that differ, a table only BS has, and
 * every difference that could not be told apart row by row (no primary key, columns that differ, out of time).
 */
export function bsSideTables(d: DataSummary): DataTable[] {
  return d.tables.filter((t) => {
    if (t.detail.kind === 'only-on-gs') return false;
    // Checksums differ yet no row does by key (GS wrote while it was compared?): kept, since it cannot be told.
    if (t.detail.kind === 'rows') return t.detail.onlyOnBs + t.detail.differ > 0 || t.detail.onlyOnGs === 0;
    return true;
  });
}

/**
 * What the sources say BS holds that GS does not: 'some'; 'none' only when the data were compared and show nothing
 * (and the log, where it can tell, shows nothing either); 'unknown' when the data could not be compared.
 */
export function bsOnlyVerdict(b: BsOnly): 'some' | 'none' | 'unknown' {
  if (b.conflict || (b.own?.transactions ?? 0) > 0 || extras(b).length > 0) return 'some';
  const d = latest(b);
  if (!d) return 'unknown';
  return bsSideTables(d).length > 0 ? 'some' : 'none';
}

/** Is there anything on BS that GS does not have (or could there be)? */
export function hasBsOnly(b: BsOnly): boolean {
  return bsOnlyVerdict(b) !== 'none';
}

/** Accounts and objects BS holds of its own, each as a clause (accounts and grants, routines, views, triggers, events). */
function extras(b: BsOnly): string[] {
  const objects = bsSideObjects(b.objects ?? []);
  return [
    b.accounts?.length ? `accounts only on BS or with other grants there: ${describeAccounts(b.accounts)}` : '',
    objects.length ? `objects only on BS or defined otherwise there: ${describeObjects(objects)}` : '',
  ].filter(Boolean);
}

/** "shop.orders: 40 rows only on BS, 100 that differ, 25 only on GS". */
export function describeTable(t: DataTable, boundSeconds: number): string {
  const counts = `GS ${plural(t.gsRows ?? 0, 'row')}, BS ${plural(t.bsRows ?? 0, 'row')}`;
  const d = t.detail;
  switch (d.kind) {
    case 'rows': {
      const parts = [
        d.onlyOnBs ? `${plural(d.onlyOnBs, 'row')} only on BS` : '',
        d.differ ? `${d.differ} that differ` : '',
        d.onlyOnGs ? `${d.onlyOnGs} only on GS` : '',
      ].filter(Boolean);
      return parts.length ? `${t.table}: ${parts.join(', ')}` : `${t.table}: differs by checksum, yet no row differs by primary key (${counts})`;
    }
    case 'only-on-bs':
      return `${t.table}: exists only on BS (${plural(t.bsRows ?? 0, 'row')})`;
    case 'only-on-gs':
      return `${t.table}: exists only on GS`;
    case 'no-key':
      return `${t.table}: differs (${counts}); no primary key, so not compared row by row`;
    case 'columns':
      return `${t.table}: differs (${counts}); its columns differ between GS and BS, so not compared row by row`;
    case 'not-in-time':
      return `${t.table}: differs (${counts}); too large to compare row by row within --compare-timeout ${boundSeconds}s`;
    case 'failed':
      return `${t.table}: differs (${counts}); comparing it row by row failed (${d.error})`;
    case 'not-compared':
      return `${t.table}: could not be compared (${d.error})`;
  }
}

function describeTables(d: DataSummary, tables = d.tables, max = Infinity): string {
  const list = tables.map((t) => describeTable(t, d.boundSeconds));
  return list.length > max ? `${list.slice(0, max).join('; ')}; and ${plural(list.length - max, 'more table')}` : list.join('; ');
}

/** The tables that differ, and those that could not be compared at all. */
const split = (d: DataSummary) => [d.tables.filter((t) => t.detail.kind !== 'not-compared'), d.tables.filter((t) => t.detail.kind === 'not-compared')];

/** What BS's binary log says, as a clause. */
function logClause(b: BsOnly): string {
  const o = b.own;
  if (o && o.transactions > 0)
    return `BS has ${o.transactions} transaction(s)${o.tables.length ? describeOwnEvents(o) : `${describeOwnEvents(o)} on no table rows (statements only)`} that GS does not have`;
  if (o && b.from) return `its binary log shows no transaction of its own since GS last applied it (${b.from.file}:${b.from.position})`;
  return `its binary log cannot tell what is BS’s own: ${b.logGap ?? 'where GS last applied it is unknown'}`;
}

/** How BS's data are kept when no comparison has been made yet (the preflight reads none), as a clause. */
function pendingData(b: BsOnly): string | undefined {
  if (b.dataAt === 'step-2') return 'its data are not read before the copy: step 2 compares them with GS’s once, BS fenced and stopped, and keeps what differs';
  if (b.dataAt === 'dump') return 'its data are not compared: step 2 keeps them whole in a dump (--backup all)';
  if (b.dataAt === 'datadir') return 'its data are not compared: the physical method keeps BS’s datadir whole, so nothing it held is lost';
  return undefined;
}

/** What the data comparison says, as a clause. */
function dataClause(b: BsOnly): string {
  const d = latest(b);
  if (!d) return pendingData(b) ?? `its data could not be compared with GS’s (${b.dataError ?? 'not measured'})`;
  const mine = bsSideTables(d);
  if (mine.length === 0)
    return `its data, compared with GS’s table by table, show no row that GS lacks or holds otherwise (${plural(d.compared, 'table')} compared${d.tables.length ? `; ${describeTables(d)}` : ''})`;
  const [differ, unread] = split(d);
  const compared = differ.length
    ? `its data differ from GS’s in ${plural(differ.length, 'table')} of ${d.compared}: ${describeTables(d, differ)}`
    : `its data match GS’s in the ${plural(d.compared, 'table')} compared`;
  return unread.length ? `${compared}; ${describeTables(d, unread)}` : compared;
}

/** One sentence for the preflight, the plan and the journal: each source, and what it showed or why it could not tell. */
export function describeBsOnly(b: BsOnly): string {
  const verdict = bsOnlyVerdict(b);
  const logTellsNothing = b.from !== undefined && b.own !== undefined && b.own.transactions === 0;
  if (verdict === 'none') return logTellsNothing ? `nothing only on BS: ${logClause(b)}, and ${dataClause(b)}` : `${dataClause(b)}; ${logClause(b)}`;
  if (!latest(b) && pendingData(b) && !b.conflict && !(b.own?.transactions ?? 0) && !extras(b).length && !b.extrasError)
    return `${logClause(b)}; ${dataClause(b)}`;
  const ownEvents = (b.own?.transactions ?? 0) > 0;
  const parts: string[] = [];
  if (ownEvents) parts.push(logClause(b));
  if (b.conflict) {
    const row = b.conflict.row
      ? `: ${Object.entries(b.conflict.row)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')}`
      : '';
    parts.push(`BS stopped replicating on error ${b.conflict.errno}${b.conflict.table ? ` on ${b.conflict.table}` : ''}, a row GS does not have${row}`);
  }
  if (!ownEvents) parts.push(logClause(b));
  parts.push(dataClause(b));
  parts.push(...extras(b));
  if (b.extrasError) parts.push(`accounts and objects could not be compared (${b.extrasError})`);
  return `${parts.join('; ')}. They will be overwritten by the copy`;
}

/** A few words for a question (the plan lines above it carry the full sentence). */
export function compactBsOnly(b: BsOnly): string {
  const extra: string[] = [];
  if (b.accounts?.length) extra.push(plural(b.accounts.length, 'account'));
  const objects = (b.objects ?? []).filter((o) => o.kind !== 'only-on-gs');
  if (objects.length) extra.push(objects.length === 1 ? `${objects[0].type} ${objects[0].object}` : `${objects.length} routines, views, triggers or events`);
  const d = latest(b);
  const rowsToo = b.own?.transactions || b.conflict || !d || bsSideTables(d).length > 0;
  return [...(rowsToo || !extra.length ? [compactRows(b)] : []), ...extra].join(' and ');
}

function compactRows(b: BsOnly): string {
  const parts: string[] = [];
  const list = (tables: string[]) => (tables.length > 3 ? `${tables.slice(0, 3).join(', ')} and ${tables.length - 3} more` : tables.join(', '));
  if (b.own && b.own.transactions > 0) parts.push(`${b.own.transactions} BS-only transaction(s)${b.own.tables.length ? ` on ${list(b.own.tables)}` : ''}`);
  if (b.conflict) parts.push(`the row BS's replication stopped on${b.conflict.table ? ` (${b.conflict.table})` : ''}`);
  if (parts.length) return parts.join(' and ');
  const d = latest(b);
  if (!d)
    return b.dataAt === 'step-2'
      ? 'whatever differs from GS (compared at step 2)'
      : b.dataAt === 'dump'
        ? 'BS’s data (not compared: dumped whole, --backup all)'
        : b.dataAt === 'datadir'
          ? 'BS’s data (not compared: its datadir is kept whole)'
          : 'whatever only BS holds (its data could not be compared)';
  const tables = bsSideTables(d);
  const sum = (f: (x: Extract<DataDetail, { kind: 'rows' }>) => number) => tables.reduce((n, t) => n + (t.detail.kind === 'rows' ? f(t.detail) : 0), 0);
  const [rows, differ] = [sum((x) => x.onlyOnBs), sum((x) => x.differ)];
  const byRow = [rows ? `${plural(rows, 'row')} only on BS` : '', differ ? `${differ} that differ` : ''].filter(Boolean).join(' and ');
  return `${byRow || 'what differs'} in ${list(tables.map((t) => t.table))}`;
}

/** Each source in a few words, for the question before the copy. */
export function bsOnlySources(b: BsOnly): string {
  const o = b.own;
  const log =
    o && o.transactions > 0
      ? `${o.transactions} transaction(s) of its own since GS last applied it`
      : o && b.from
        ? 'no transaction of its own since GS last applied it'
        : `cannot tell (${b.logGap ?? 'where GS last applied it is unknown'})`;
  const d = latest(b);
  const data = !d
    ? b.dataAt
      ? pendingData(b)!.replace(/^its data are /, '')
      : `not compared (${b.dataError ?? 'not measured'})`
    : d.tables.length === 0
      ? `all ${plural(d.compared, 'table')} match GS’s`
      : `${describeTables(d, d.tables, 3)}${bsSideTables(d).length ? '' : ' (nothing GS lacks or holds otherwise)'}`;
  return `BS’s binary log: ${log}. Its data${b.afterFence ? ' (compared at step 2, BS fenced)' : ''}: ${data}.`;
}
