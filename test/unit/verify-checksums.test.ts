// verify's statements (pt-table-checksum's scheme) and its table filters: pure, no server.
import { describe, expect, it } from 'vitest';
import { chunkHash, rowText, type TableShape } from '../../src/recovery/compare.js';
import { CHECKSUM_DDL, checksumChunk, differingChunks, parseKey, recordMaster, SESSION_SETTINGS } from '../../src/recovery/verify/checksums.js';
import { tableMatches } from '../../src/engine/verify-run.js';

const shape: TableShape = {
  columns: [
    { name: 'id', type: 'int', generated: false },
    { name: 'note', type: 'varchar', generated: false },
    { name: 'at', type: 'timestamp', generated: false },
  ],
  key: ['id'],
};
const chunk = { db: 'shop', tbl: 'orders', chunk: 3, lower: ['2001'], upper: ['3000'], last: false, where: '`id` >= 2001 AND `id` <= 3000' };

describe('verify statements', () => {
  it('checksums a chunk with the comparison’s own row expression and sum of CRC32s, into mmrecover.checksums only', () => {
    const sql = checksumChunk(chunk, shape, 1).sql;
    expect(sql).toMatch(/^REPLACE INTO `mmrecover`\.`checksums` \(/);
    expect(sql).toContain(chunkHash(rowText(shape)));
    expect(sql).toContain('FROM `shop`.`orders` FORCE INDEX (PRIMARY) WHERE `id` >= 2001 AND `id` <= 3000');
    // The boundaries as JSON, the origin as a literal (never @@server_id: the replica would read its own).
    expect(sql).toContain(`'[\\"2001\\"]'`);
    expect(sql).not.toMatch(/@@server_id/);
    expect(recordMaster(chunk, 1000, '123', 'ab').sql).toBe(
      "UPDATE `mmrecover`.`checksums` SET master_cnt = 1000, master_crc = '123', token = 'ab' WHERE db = 'shop' AND tbl = 'orders' AND chunk = 3",
    );
    expect(differingChunks('shop', 'orders').sql).toMatch(/master_cnt <> this_cnt OR master_crc <> this_crc/);
  });

  it('writes only to its own schema, and sets binlog_format for its session only', () => {
    for (const s of CHECKSUM_DDL) expect(s.sql).toMatch(/`mmrecover`/);
    expect(SESSION_SETTINGS.map((s) => s.sql)).toContain("SET SESSION binlog_format = 'STATEMENT'");
    for (const s of SESSION_SETTINGS) expect(s.sql).toMatch(/^SET SESSION /);
  });

  it('reads back the boundaries it wrote', () => {
    expect(parseKey('["2001"]')).toEqual(['2001']);
    expect(parseKey(null)).toBeNull();
  });

  it('selects tables by schema.table and schema.*', () => {
    expect(tableMatches('shop.orders', ['shop.orders'])).toBe(true);
    expect(tableMatches('shop.orders', ['shop.*'])).toBe(true);
    expect(tableMatches('shopx.orders', ['shop.*'])).toBe(false);
    expect(tableMatches('shop.orders', ['shop.order'])).toBe(false);
  });
});
