// GS's coordinates read from the dump stream as it passes (online method), whatever the chunking.
import { describe, expect, it } from 'vitest';
import { DumpHeaderWatcher, parseDumpCoordinates } from '../../src/adapters/shell/dump-header.js';

const HEADER = [
  '-- MariaDB dump 10.19  Distrib 10.11.18-MariaDB',
  '--',
  '-- Position to start replication or point-in-time recovery from',
  '--',
  '',
  "-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000004', MASTER_LOG_POS=1234;",
  '',
].join('\n');
const GTID_HEAD = '-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n';
const data = (n: number) =>
  Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES (${i},'-- CHANGE MASTER TO MASTER_LOG_FILE=\\'evil\\', MASTER_LOG_POS=1');`).join('\n') + '\n';
const END = "-- SET GLOBAL gtid_slave_pos='1-1-50,2-2-7';\n-- Dump completed on 2026-11-25  3:00:00\n";

/** Feed `text` in chunks of `size` bytes. */
function watch(text: string, size: number) {
  const w = new DumpHeaderWatcher();
  const b = Buffer.from(text, 'latin1');
  for (let i = 0; i < b.length; i += size) w.push(b.subarray(i, i + size));
  return w.finish();
}

describe('DumpHeaderWatcher', () => {
  for (const size of [1, 7, 64, 4096, 1 << 20]) {
    it(`finds the coordinates and a deferred gtid_slave_pos in chunks of ${size} bytes`, () => {
      expect(watch(GTID_HEAD + HEADER + data(size === 1 ? 50 : 5000) + END, size)).toEqual({
        file: 'mysql-bin.000004',
        position: 1234,
        gtidSlavePos: '1-1-50,2-2-7',
        useGtid: true,
      });
    });
  }

  it('file/position only, when the dump has no GTID line; data that looks like a header line is never taken', () => {
    expect(watch(HEADER + data(2000) + '-- Dump completed\n', 4096)).toEqual({ file: 'mysql-bin.000004', position: 1234 });
  });

  it('MySQL 8.0.26+ wording', () => {
    expect(parseDumpCoordinates("-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;\n")).toEqual({
      file: 'binlog.000002',
      position: 157,
    });
  });

  it('nothing when the dump was made without --master-data', () => {
    expect(watch('-- MariaDB dump\n' + data(100) + '-- Dump completed\n', 512)).toBeUndefined();
  });
});
