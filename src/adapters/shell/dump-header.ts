// The online copy takes GS's coordinates from the dump's own output as the stream passes: no second pass, no temp file.
//
// What the dump programs write with --master-data=2 / --source-data=2 (commented; =1 writes the same uncommented):
//   MySQL ≤ 8.0.25, MariaDB:  -- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234;
//   MySQL 8.0.26+:            -- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;
//   MariaDB with --gtid:      -- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;   (in the header, before the line above)
//                             -- SET GLOBAL gtid_slave_pos='0-1-5';
// MariaDB 10.11's mariadb-dump prints that SET GLOBAL gtid_slave_pos line *after the data* ("deferred"), just before
// "-- Dump completed", so the watcher keeps the stream's last few KB and looks there at the end.
import type { Coordinates } from '../mysql/replication.js';

export interface DumpCoordinates extends Coordinates {
  /** MariaDB: the GTID position matching the coordinates (SET GLOBAL gtid_slave_pos). */
  gtidSlavePos?: string;
  /** MariaDB --gtid: the dump recommends CHANGE MASTER TO MASTER_USE_GTID=slave_pos. */
  useGtid?: boolean;
}

// Anchored at a line start (optionally behind "-- "): inside INSERT data a quote is always escaped (\'), and a raw
// newline never appears, so these cannot match table contents. The position must end with its ';': a stream cut
// after "MASTER_LOG_POS=1" must not read as position 1 of "…=1234;".
const FILE_POS = /^(?:-- )?CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE\s*=\s*'([^'\n]+)',\s*(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)\s*;/m;
const GTID_POS = /^(?:-- )?SET GLOBAL gtid_slave_pos\s*=\s*'([\d,\- ]*)'/m;
const USE_GTID = /^(?:-- )?CHANGE MASTER TO MASTER_USE_GTID\s*=\s*slave_pos/im;

/** Coordinates from (part of) a dump; undefined until the log file/position line is in `text`. */
export function parseDumpCoordinates(text: string): DumpCoordinates | undefined {
  const m = FILE_POS.exec(text);
  if (!m) return undefined;
  const g = GTID_POS.exec(text);
  return {
    file: m[1],
    position: Number(m[2]),
    ...(g ? { gtidSlavePos: g[1] } : {}),
    ...(USE_GTID.test(text) ? { useGtid: true } : {}),
  };
}

/** Longest line worth carrying across a chunk boundary while looking in the header. */
const CARRY = 512;
/** How much of the stream's end is kept to find a deferred gtid_slave_pos line (it sits just before the end marker). */
const TAIL = 8192;

/**
 * The last partial line with its leading newline, so that a line split across chunks is seen whole next time. A line
 * longer than CARRY is cut and marked with a NUL so that `^` cannot match in the middle of it.
 */
function lastPartialLine(text: string): string {
  const nl = text.lastIndexOf('\n');
  const tail = nl >= 0 ? text.slice(nl) : '\0' + text;
  return tail.length > CARRY ? '\0' + tail.slice(-CARRY) : tail;
}

/**
 * Feed it every chunk (e.g. as runCopyPipe's onChunk). It keeps at most `limit` bytes of the header until the
 * log file/position line has passed, then only the stream's last bytes, where a deferred gtid_slave_pos line sits.
 */
export class DumpHeaderWatcher {
  private head = '';
  private carry = '';
  private tail: Buffer = Buffer.alloc(0);
  private afterHeader = 0;
  private headerDone = false;
  private useGtid = false;
  coordinates?: DumpCoordinates;

  constructor(private readonly limit = 1024 * 1024) {}

  push(chunk: Buffer): void {
    if (!this.headerDone) {
      // latin1 maps bytes 1:1, so a multi-byte character split across chunks cannot hide an ASCII marker.
      this.head += chunk.toString('latin1');
      this.useGtid ||= USE_GTID.test(this.head);
      const found = parseDumpCoordinates(this.head);
      if (found) {
        this.coordinates = found;
        this.finishHeader();
      } else if (this.head.length > this.limit) {
        this.finishHeader(); // No coordinates in the first MB: the dump was made without --master-data.
      }
      return;
    }
    if (!this.coordinates || this.coordinates.gtidSlavePos !== undefined) return;
    // A deferred gtid_slave_pos line comes just before "-- Dump completed": keep only the stream's last bytes (as
    // bytes: no decoding per chunk) and look there once, at the end, instead of scanning all of the data.
    this.afterHeader += chunk.length;
    this.tail = chunk.length >= TAIL ? chunk.subarray(chunk.length - TAIL) : Buffer.concat([this.tail, chunk]).subarray(-TAIL);
  }

  private finishHeader(): void {
    this.headerDone = true;
    // The tail of the header may already hold the start of a line that continues in the next chunk.
    this.carry = lastPartialLine(this.head);
    this.head = '';
    if (this.coordinates && this.useGtid) this.coordinates = { ...this.coordinates, useGtid: true };
  }

  /** Call at the end of the stream: whatever was found. */
  finish(): DumpCoordinates | undefined {
    if (!this.headerDone) {
      this.coordinates = parseDumpCoordinates(this.head);
      this.finishHeader();
    }
    if (this.coordinates && this.coordinates.gtidSlavePos === undefined) {
      // What followed the header (short streams) or the stream's last bytes; a cut first line gets a NUL, so that
      // `^` cannot match inside it.
      const cut = this.afterHeader > this.tail.length;
      const g = GTID_POS.exec(cut ? '\0' + this.tail.toString('latin1') : this.carry + this.tail.toString('latin1'));
      if (g) this.coordinates = { ...this.coordinates, gtidSlavePos: g[1] };
    }
    this.carry = '';
    this.tail = Buffer.alloc(0);
    this.afterHeader = 0;
    return this.coordinates;
  }
}
