// The online copy takes GS's coordinates from the dump's own header as the stream passes: no second pass, no temp file.
import type { BinlogCoordinates } from '../mysql/replication.js';

export interface DumpCoordinates extends BinlogCoordinates {
  /** MariaDB --gtid: the GTID position matching the coordinates. */
  gtidSlavePos?: string;
}

const FILE_POS = /CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE='([^']+)',\s*(?:MASTER|SOURCE)_LOG_POS=(\d+)/;
const GTID_POS = /SET GLOBAL gtid_slave_pos\s*=\s*'([^']*)'/;

export function parseDumpCoordinates(text: string): DumpCoordinates | undefined {
  const m = FILE_POS.exec(text);
  if (!m) return undefined;
  const g = GTID_POS.exec(text);
  return { file: m[1], position: Number(m[2]), ...(g ? { gtidSlavePos: g[1] } : {}) };
}

/** Feed it chunks; it keeps at most `limit` bytes of the header and finds the coordinates once they pass. */
export class DumpHeaderWatcher {
  private head = '';
  private done = false;
  coordinates?: DumpCoordinates;

  constructor(private readonly limit = 1024 * 1024) {}

  push(chunk: Buffer): void {
    if (this.done) return;
    this.head += chunk.toString('utf8');
    const found = parseDumpCoordinates(this.head);
    // The GTID line, when present, follows the CHANGE MASTER comment closely; wait for the next statement line.
    if (found && (found.gtidSlavePos !== undefined || /\n(?!--)[A-Z/]/.test(this.head.slice(this.head.search(FILE_POS))))) {
      this.coordinates = found;
      this.done = true;
      this.head = '';
    } else if (this.head.length > this.limit) {
      this.coordinates = found;
      this.done = true;
      this.head = '';
    }
  }

  /** Call at the end of the stream: whatever was found. */
  finish(): DumpCoordinates | undefined {
    if (!this.done) this.coordinates = parseDumpCoordinates(this.head);
    this.done = true;
    this.head = '';
    return this.coordinates;
  }
}
