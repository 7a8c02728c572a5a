// `mmrecover verify`: compare a live master-master pair chunk by chunk, each chunk at the same point of the replication
// stream on both sides, without locking (pt-table-checksum's method; the statements and why: checksums.ts).
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { describeEndpoint } from '../adapters/mysql/endpoint.js';
import { readReplicaStatus, replicaRunning, type ReplicaStatus } from '../adapters/mysql/replication.js';
import { ServerError, ServerSession } from '../adapters/mysql/session.js';
import type { Statement } from '../dialect/statement.js';
import { backoffTo, pollUntil } from '../base/poll.js';
import { listUserTables, tableSizes, sameShape, tableShape, walkChunks, CHUNK_TIME_MS, type Key, type Query, type TableShape } from '../recovery/compare.js';
import {
  CHECKSUM_DDL,
  CHECKSUM_TABLE,
  SESSION_SETTINGS,
  SKIPPED_TABLES,
  checksumChunk,
  differingChunks,
  forgetAfter,
  forgetAll,
  parseKey,
  readOwnChecksum,
  readToken,
  recordMaster,
  resumeState,
  tableTotals,
  type ChunkRow,
} from '../recovery/verify/checksums.js';
import { firstLine } from '../base/errors.js';

export type Side = 'A' | 'B';

export interface VerifyOptions {
  /** Only these tables ("schema.table"; "schema.*" for a whole schema). */
  tables?: string[];
  ignoreTables?: string[];
  chunkTimeMs?: number;
  /** Fixed rows per chunk instead of sizing by time (pt-table-checksum's --chunk-size). */
  chunkRows?: number;
  /** Pause before each chunk while B's replication lag (Seconds_Behind_Master) exceeds this. */
  maxLagSeconds: number;
  resume: boolean;
  /**
   * Go on where a recovery's proof stopped (--resume --journal): only the tables it left, the one it cut short from the
   * key after the last it compared. verify's own state starts afresh from that point.
   */
  fromProof?: { tables: string[]; after?: { table: string; key: Key } };
  connectTimeoutMs: number;
  /** Longest wait for the other side to apply a chunk's statements before the run gives up (exit 3). */
  applyTimeoutMs?: number;
  /** A chunk that differs is checked again this many times, alternately from B and from A (writes in flight). */
  rechecks?: number;
  signal?: AbortSignal;
  progress?: (text: string) => void;
  /** After each chunk compared: where the run is (tables, chunks, rows) and an ETA from the rows compared so far. */
  onChunk?: (p: VerifyProgress) => void;
}

/** One step of a verify run's progress (the live line and the JSON events). */
export interface VerifyProgress {
  table: string;
  /** The table's place among the tables compared (1-based), and how many there are. */
  tableIndex: number;
  tables: number;
  /** The table's chunk just compared, and how many chunks this run has compared in all. */
  chunk: number;
  chunks: number;
  /** Rows this run has compared (A's counts), and the estimate for all its tables (information_schema TABLE_ROWS on A). */
  rows: number;
  rowsEstimated: number;
  elapsedSeconds: number;
  /** From the rows compared so far; null until there is a rate or when the estimate is already passed. */
  etaSeconds: number | null;
}

export interface ChunkDifference {
  chunk: number;
  /** The primary key's columns and the chunk's ends (inclusive; null: open). */
  key: string[];
  lower: Key | null;
  upper: Key | null;
  where: string;
  rows: Record<Side, number>;
}

export interface TableVerdict {
  table: string;
  /** interrupted: the run stopped inside this table (its chunks so far are recorded; --resume continues). */
  status: 'matched' | 'differs' | 'not-compared' | 'interrupted';
  /** Chunks recorded for the table (this run and, with --resume, the run it continues). */
  chunks: number;
  /** The chunk numbers compared by this run. */
  comparedNow: number[];
  /** Rows counted on A and B over all the table's chunks. */
  rows: Record<Side, number>;
  differing: ChunkDifference[];
  /** Chunks that differed once and matched when checked again (writes in flight). */
  settledOnRecheck: number;
  reason?: string;
}

export interface VerifyResult {
  /** matched: exit 0; differs: 1; unknown: 3 (reasons say why); interrupted: stopped by a signal (resume with --resume). */
  outcome: 'matched' | 'differs' | 'unknown' | 'interrupted';
  servers: Record<Side, string>;
  tables: TableVerdict[];
  /** Why the run could not tell (outcome unknown), one line each. */
  reasons: string[];
  resumed: boolean;
  seconds: number;
}

class Stop extends Error {}
class CannotTell extends Error {}

const DEFAULT_APPLY_TIMEOUT_MS = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a "schema.table" is selected by a list of "schema.table" / "schema.*". */
export function tableMatches(table: string, patterns: string[]): boolean {
  return patterns.some((p) => p === table || (p.endsWith('.*') && table.startsWith(p.slice(0, -1))));
}

export async function verifyPair(endpoints: Record<Side, Endpoint>, o: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const servers = { A: `A ${describeEndpoint(endpoints.A)}`, B: `B ${describeEndpoint(endpoints.B)}` };
  const result: VerifyResult = { outcome: 'matched', servers, tables: [], reasons: [], resumed: o.resume, seconds: 0 };
  const sessions: Partial<Record<Side, ServerSession>> = {};
  try {
    for (const side of ['A', 'B'] as Side[]) {
      try {
        sessions[side] = await ServerSession.connect(endpoints[side], { connectTimeoutMs: o.connectTimeoutMs });
      } catch (err) {
        throw new CannotTell(`${servers[side]}: cannot connect (${firstLine(err)})`);
      }
    }
    await new Verifier(sessions as Record<Side, ServerSession>, servers, o, result).run();
  } catch (err) {
    if (err instanceof Stop) result.outcome = 'interrupted';
    else if (err instanceof CannotTell || err instanceof ServerError) {
      result.outcome = 'unknown';
      result.reasons.push(firstLine(err));
    } else throw err;
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s?.close().catch(() => undefined)));
    result.seconds = (Date.now() - started) / 1000;
  }
  if (result.outcome !== 'interrupted') {
    if (result.tables.some((t) => t.status === 'differs')) result.outcome = 'differs';
    else if (result.tables.some((t) => t.status === 'not-compared') || result.reasons.length) result.outcome = 'unknown';
  }
  return result;
}

const other = (s: Side): Side => (s === 'A' ? 'B' : 'A');

class Verifier {
  private readonly q: Record<Side, Query>;
  private serverId: Record<Side, number> = { A: 0, B: 0 };
  /** Whether each side replicates from the other (B←A is required; A←B lets a differing chunk be checked from B). */
  private replicates: Record<Side, boolean> = { A: false, B: false };
  private lastLagCheck = 0;
  private readonly started = Date.now();
  private chunksDone = 0;
  private rowsDone = 0;
  private rowsEstimated = 0;

  constructor(
    private readonly s: Record<Side, ServerSession>,
    private readonly servers: Record<Side, string>,
    private readonly o: VerifyOptions,
    private readonly result: VerifyResult,
  ) {
    this.q = { A: (st: Statement) => s.A.query(st), B: (st: Statement) => s.B.query(st) };
  }

  private progress(t: string) {
    this.o.progress?.(t);
  }

  private stopIfAsked() {
    if (this.o.signal?.aborted) throw new Stop('interrupted');
  }

  /** Replication into `replica` from the other side: running, and from that server (by server_id). */
  private async direction(replica: Side): Promise<{ ok: boolean; why: string; status: ReplicaStatus }> {
    const r = await readReplicaStatus(this.s[replica]);
    const src = other(replica);
    const name = `${src}→${replica}`;
    if (!r.configured)
      return { ok: false, why: `${this.servers[replica]} does not replicate from anything (replication ${name} is not configured)`, status: r };
    if (r.sourceServerId && r.sourceServerId !== this.serverId[src])
      return {
        ok: false,
        why: `${this.servers[replica]} replicates from server_id ${r.sourceServerId}, not from ${this.servers[src]} (server_id ${this.serverId[src]})`,
        status: r,
      };
    if (!replicaRunning(r)) {
      const err = r.lastSqlErrno ? `; SQL error ${r.lastSqlErrno}: ${r.lastSqlError}` : r.lastIoErrno ? `; IO error ${r.lastIoErrno}: ${r.lastIoError}` : '';
      return { ok: false, why: `replication ${name} is not running on ${this.servers[replica]} (IO ${r.ioRunning}, SQL ${r.sqlRunning}${err})`, status: r };
    }
    return { ok: true, why: '', status: r };
  }

  async run(): Promise<void> {
    const { A } = this.s;
    for (const side of ['A', 'B'] as Side[]) this.serverId[side] = Number(await this.s[side].value('SELECT @@server_id'));
    if (this.serverId.A === this.serverId.B)
      throw new CannotTell(
        `${this.servers.A} and ${this.servers.B} have the same server_id (${this.serverId.A}): the same server, or a pair that cannot replicate`,
      );
    if (Number(await A.value('SELECT @@log_bin')) !== 1) throw new CannotTell(`${this.servers.A} has no binary log: its checksum statements cannot reach B`);
    const intoB = await this.direction('B');
    if (!intoB.ok)
      throw new CannotTell(
        `${intoB.why}: verify compares the checksums B computes from A's replicated statements, so it cannot tell; start replication A→B first`,
      );
    this.replicates.B = true;
    const intoA = await this.direction('A');
    this.replicates.A = intoA.ok;
    if (!intoA.ok) this.progress(`note: ${intoA.why}; a chunk that differs is checked again from A only`);
    for (const side of ['A', 'B'] as Side[]) {
      if (side === 'B' && !this.replicates.A) continue;
      for (const st of SESSION_SETTINGS)
        await this.s[side].query(st).catch((err: unknown) => {
          throw new CannotTell(`${this.servers[side]}: ${firstLine(err)} (verify needs this session setting to compute checksums by statement)`);
        });
    }
    for (const st of CHECKSUM_DDL) await A.query(st);

    // The state this run continues, or none.
    const done = new Map<string, { chunk: number; upper: Key | null; last: boolean }>();
    const proof = this.o.fromProof;
    if (proof) {
      await A.query(forgetAll());
      if (proof.after) done.set(proof.after.table, { chunk: 0, upper: proof.after.key, last: false });
      this.progress(
        `--resume --journal: comparing the ${proof.tables.length} table(s) the recovery's proof left${proof.after ? `, ${proof.after.table} after key ${JSON.stringify(proof.after.key)}` : ''}`,
      );
    } else if (this.o.resume) {
      for (const r of await A.query(resumeState()))
        done.set(`${r.db}.${r.tbl}`, { chunk: Number(r.chunk), upper: parseKey(r.upper_boundary), last: Number(r.last_chunk) === 1 });
      if (done.size === 0) this.progress(`--resume: no earlier run recorded in ${CHECKSUM_TABLE}: starting from the first chunk`);
    } else await A.query(forgetAll());

    const [ta, tb] = await Promise.all([listUserTables(this.q.A), listUserTables(this.q.B)]);
    const wanted = (t: string) =>
      !SKIPPED_TABLES.includes(t) &&
      (!this.o.tables?.length || tableMatches(t, this.o.tables)) &&
      !tableMatches(t, this.o.ignoreTables ?? []) &&
      (!proof || proof.tables.includes(t));
    const [sa, sb] = [new Set(ta.filter(wanted)), new Set(tb.filter(wanted))];
    const all = [...new Set([...sa, ...sb])].sort();
    for (const name of this.o.tables ?? []) if (!name.endsWith('.*') && !all.includes(name)) this.notCompared(name, `no such table on A or B`);
    const est = new Map((await tableSizes(this.q.A)).map((t) => [t.table, t.rows]));
    this.rowsEstimated = all.reduce((n, t) => n + (est.get(t) ?? 0), 0);
    for (let i = 0; i < all.length; i++) {
      const table = all[i];
      if (!sa.has(table) || !sb.has(table)) {
        const on: Side = sa.has(table) ? 'A' : 'B';
        this.result.tables.push({
          table,
          status: 'differs',
          chunks: 0,
          comparedNow: [],
          rows: { A: 0, B: 0 },
          differing: [],
          settledOnRecheck: 0,
          reason: `exists on ${this.servers[on]} only`,
        });
        continue;
      }
      await this.table(table, i + 1, all.length, done.get(table));
    }
  }

  private notCompared(table: string, reason: string) {
    this.result.tables.push({ table, status: 'not-compared', chunks: 0, comparedNow: [], rows: { A: 0, B: 0 }, differing: [], settledOnRecheck: 0, reason });
  }

  private async table(table: string, index: number, of: number, resumeFrom?: { chunk: number; upper: Key | null; last: boolean }) {
    this.stopIfAsked();
    const [db, tbl] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)];
    const [shA, shB] = await Promise.all([tableShape(this.q.A, table), tableShape(this.q.B, table)]);
    if (!sameShape(shA, shB)) return this.notCompared(table, 'the columns or the primary key differ between A and B: not comparable chunk by chunk');
    if (shA.key.length === 0) return this.notCompared(table, 'no primary key: it cannot be cut into chunks by key');
    const verdict: TableVerdict = { table, status: 'matched', chunks: 0, comparedNow: [], rows: { A: 0, B: 0 }, differing: [], settledOnRecheck: 0 };
    this.result.tables.push(verdict);
    let chunk = 0;
    let lastChunk: ChunkRow | undefined;
    if (resumeFrom) {
      chunk = resumeFrom.chunk;
      await this.s.A.query(forgetAfter(db, tbl, chunk));
    }
    if (!resumeFrom?.last) {
      const started = Date.now();
      verdict.status = 'interrupted';
      // Boundaries from A (the last side), the integer key's ends from both.
      await walkChunks(
        [this.q.B, this.q.A],
        table,
        shA,
        { chunkTimeMs: this.o.chunkTimeMs ?? CHUNK_TIME_MS, chunkRows: this.o.chunkRows, closedEnd: true, after: resumeFrom?.upper ?? undefined },
        async (c) => {
          this.stopIfAsked();
          await this.throttle();
          chunk++;
          const row: ChunkRow = { db, tbl, chunk, lower: c.lower, upper: c.upper, last: c.last, where: c.where };
          const [ms, rows] = await this.checksum('A', row, shA);
          verdict.comparedNow.push(chunk);
          this.chunksDone++;
          this.rowsDone += rows;
          const elapsed = (Date.now() - this.started) / 1000;
          const left = this.rowsEstimated - this.rowsDone;
          this.o.onChunk?.({
            table,
            tableIndex: index,
            tables: of,
            chunk,
            chunks: this.chunksDone,
            rows: this.rowsDone,
            rowsEstimated: this.rowsEstimated,
            elapsedSeconds: Math.round(elapsed * 10) / 10,
            etaSeconds: this.rowsDone > 0 && left > 0 ? Math.ceil((elapsed * left) / this.rowsDone) : null,
          });
          lastChunk = row;
          this.progress(
            `${table} (${index}/${of}): chunk ${chunk} checksummed on A in ${ms} ms (${Math.round((Date.now() - started) / 1000)} s on this table)`,
          );
          return ms;
        },
      );
    }
    verdict.status = 'matched';
    // B has computed every chunk once it has applied the last one's master_* (one stream, applied in order).
    const lastRecorded = lastChunk ?? (resumeFrom ? { db, tbl, chunk: resumeFrom.chunk } : undefined);
    if (lastRecorded) await this.awaitApplied('B', lastRecorded);
    let differing = await this.q.B(differingChunks(db, tbl));
    const rechecks = this.o.rechecks ?? 2;
    for (const d of differing) {
      const row: ChunkRow = {
        db,
        tbl,
        chunk: Number(d.chunk),
        lower: parseKey(d.lower_boundary),
        upper: parseKey(d.upper_boundary),
        last: false,
        where: String(d.where_sql),
      };
      // Writes in flight on the other side make a chunk differ for a moment: checked again from B (it then holds its
      // own writes, and A applies them before the chunk's statement), then from A again; a real difference stays.
      for (let k = 0; k < rechecks; k++) {
        this.stopIfAsked();
        const from: Side = k % 2 === 0 && this.replicates.A ? 'B' : 'A';
        await sleep(100);
        await this.checksum(from, row, shA);
        await this.awaitApplied(other(from), row);
        const again = await this.q[other(from)](differingChunks(db, tbl));
        if (!again.some((x) => Number(x.chunk) === row.chunk)) {
          verdict.settledOnRecheck++;
          break;
        }
      }
    }
    if (differing.length) differing = await this.q.B(differingChunks(db, tbl));
    const totals = (await this.q.B(tableTotals(db, tbl)))[0] ?? {};
    verdict.chunks = Number(totals.chunks ?? 0);
    verdict.rows = { A: Number(totals.master_rows ?? 0), B: Number(totals.this_rows ?? 0) };
    verdict.differing = differing.map((d) => {
      const a = Number(d.master_cnt ?? 0);
      const b = Number(d.this_cnt ?? 0);
      // Checked last from B: B's row holds B's checksum in both columns only if it matched; a difference stays in A's terms.
      return {
        chunk: Number(d.chunk),
        key: shA.key,
        lower: parseKey(d.lower_boundary),
        upper: parseKey(d.upper_boundary),
        where: String(d.where_sql),
        rows: { A: a, B: b },
      };
    });
    if (verdict.differing.length) verdict.status = 'differs';
  }

  /** One chunk's checksum computed on `side` and replicated to the other (REPLACE … SELECT, then master_* by UPDATE). */
  private async checksum(side: Side, row: ChunkRow, shape: TableShape): Promise<[number, number]> {
    const s = this.s[side];
    for (let attempt = 1; ; attempt++) {
      const began = Date.now();
      try {
        await s.query(checksumChunk(row, shape, this.serverId[side]));
        const ms = Date.now() - began;
        const own = (await s.query(readOwnChecksum(row)))[0];
        await s.query(recordMaster(row, Number(own?.this_cnt ?? 0), String(own?.this_crc ?? '0'), randomBytes(16).toString('hex')));
        return [ms, Number(own?.this_cnt ?? 0)];
      } catch (err) {
        // A writer holding a row of the chunk longer than innodb_lock_wait_timeout (1 s): try the chunk again.
        const errno = (err as ServerError).errno;
        if ((errno === 1205 || errno === 1213) && attempt < 5) {
          await sleep(200 * attempt);
          continue;
        }
        throw err;
      }
    }
  }

  /** Wait until `side` has applied the chunk's master_* (the same token): it then holds its own checksum of the chunk too. */
  private async awaitApplied(side: Side, row: Pick<ChunkRow, 'db' | 'tbl' | 'chunk'>): Promise<void> {
    const want = String((await this.s[other(side)].query(readToken(row)))[0]?.token ?? '');
    const timeoutMs = this.o.applyTimeoutMs ?? DEFAULT_APPLY_TIMEOUT_MS;
    let lastHealth = Date.now();
    const applied = await pollUntil(
      async () => {
        this.stopIfAsked();
        const got = (await this.s[side].query(readToken(row)))[0]?.token;
        if (got !== undefined && got !== null && String(got) === want) return true;
        // A broken direction will not apply it by waiting: said at once, at most a second after it broke.
        if (Date.now() - lastHealth > 1000) {
          lastHealth = Date.now();
          const d = await this.direction(side);
          if (!d.ok) throw new CannotTell(`${d.why}, while waiting for ${this.servers[side]} to apply the checksum of ${row.db}.${row.tbl} chunk ${row.chunk}`);
        }
        return undefined;
      },
      { ...backoffTo(250), timeoutMs },
    );
    if (!applied)
      throw new CannotTell(
        `${this.servers[side]} has not applied the checksum of ${row.db}.${row.tbl} chunk ${row.chunk} within ${Math.round(timeoutMs / 1000)} s: replication ${other(side)}→${side} is too far behind; run verify again later (with --resume)`,
      );
  }

  /** Before each chunk: wait while B is more than --max-lag seconds behind A (checked at most every 0.5 s). */
  private async throttle(): Promise<void> {
    if (Date.now() - this.lastLagCheck < 500) return;
    let waited = 0;
    // No bound: --max-lag waits as long as B lags (the operator stops it with Ctrl-C, and --resume goes on).
    await pollUntil(
      async () => {
        this.lastLagCheck = Date.now();
        const d = await this.direction('B');
        if (!d.ok) throw new CannotTell(`${d.why}: B stopped computing the checksums A sends`);
        const lag = d.status.lagSeconds;
        if (lag === null || lag <= this.o.maxLagSeconds) return true;
        if (waited++ % 4 === 0) this.progress(`waiting: ${this.servers.B} is ${lag} s behind A (--max-lag ${this.o.maxLagSeconds})`);
        this.stopIfAsked();
        return undefined;
      },
      { everyMs: 250, timeoutMs: Infinity },
    );
  }
}
