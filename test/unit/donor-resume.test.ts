// Issue 28, a copy that resumes: which units of a copy from a frozen donor are left, what BS clears before copying
// one again, whether the donor is still at the copy's point, and the sentences (pure).
import { describe, expect, it } from 'vitest';
import { splitStreams, type TableInfo } from '../../src/recovery/parallel/split.js';
import {
  clearStatements,
  donorMovedText,
  leftText,
  POST_UNIT,
  remainingUnits,
  resumeText,
  sameDonorPoint,
  SCHEMA_UNIT,
  SYSTEM_UNIT,
  type DonorCopyRecord,
} from '../../src/recovery/donor-resume.js';

const t = (name: string, bytes: number, key?: [number, number]): TableInfo => ({
  schema: 'shop',
  name,
  bytes,
  rows: 1000,
  ...(key ? { intKey: { column: 'id', min: key[0], max: key[1] } } : {}),
});
const at = { file: 'a-bin.000002', position: 4711 };

describe('remainingUnits', () => {
  const parts = splitStreams([t('a', 100), t('b', 100), t('c', 100), t('d', 100), t('e', 100)], 5);

  it('five equal tables in five streams: one table a unit; the done ones are left out, the rest copied again whole', () => {
    expect(parts.map((p) => p.tables)).toEqual([['shop.a'], ['shop.b'], ['shop.c'], ['shop.d'], ['shop.e']].sort());
    const r: DonorCopyRecord = { parts, done: [SCHEMA_UNIT, 'shop.b', SYSTEM_UNIT, 'shop.d'] };
    const rest = remainingUnits(r);
    expect(rest.schema).toBe(false);
    expect(rest.system).toBe(false);
    expect(rest.post).toBe(true);
    expect(rest.parts.map((p) => p.label)).toEqual(['shop.a', 'shop.c', 'shop.e']);
    expect(leftText(r)).toBe('3 of 5 tables left: shop.a, shop.c, shop.e');
    expect(resumeText(r, at)).toBe(
      'resuming the copy from the donor, still stopped at a-bin.000002:4711: 3 of 5 tables left: shop.a, shop.c, shop.e; and triggers and events',
    );
  });

  it('the schemas’ structure not done: it drops and recreates every table, so every data unit is copied again', () => {
    const rest = remainingUnits({ parts, done: ['shop.a', 'shop.b'] });
    expect(rest.schema).toBe(true);
    expect(rest.parts).toHaveLength(5);
  });

  it('everything done but triggers and events', () => {
    const r = { parts, done: [SCHEMA_UNIT, SYSTEM_UNIT, ...parts.map((p) => p.label)] };
    expect(remainingUnits(r)).toMatchObject({ schema: false, system: false, post: true, parts: [] });
    expect(leftText(r)).toBe('0 of 5 tables left');
    expect(remainingUnits({ ...r, done: [...r.done, POST_UNIT] }).post).toBe(false);
  });

  it('key ranges are named by their label; what is left is listed by name, whatever the streams’ order', () => {
    const ranged = splitStreams([t('orders', 200e6, [1, 1000]), t('customers', 10)], 2);
    const r = { parts: ranged, done: [SCHEMA_UNIT, 'shop.orders [1/2]'] };
    expect(leftText(r)).toBe('2 of 3 tables or key ranges left: shop.customers, shop.orders [2/2]');
    expect(leftText({ ...r, parts: [...ranged].reverse() })).toBe(leftText(r));
  });
});

describe('clearStatements', () => {
  it('empties whole tables, deletes a key range: a unit killed part-way cannot leave a row twice', () => {
    const [range, whole] = splitStreams([t('orders', 200e6, [1, 1000]), t('customers', 10), t('items', 10)], 2).filter(
      (p) => p.label === 'shop.orders [2/2]' || !p.where,
    );
    // A key range: deleted 10,000 rows a statement, again until none is left (no statement grows with the range).
    expect(clearStatements(range).map((c) => [c.statement.sql, c.repeat])).toEqual([['DELETE FROM `shop`.`orders` WHERE `id` >= 501 LIMIT 10000', true]]);
    expect(clearStatements(whole).map((c) => [c.statement.sql, c.repeat])).toEqual([
      ['TRUNCATE TABLE `shop`.`customers`', undefined],
      ['TRUNCATE TABLE `shop`.`items`', undefined],
    ]);
  });
});

describe('sameDonorPoint and the refusal', () => {
  const stopped = { sqlRunning: 'No', execFile: at.file, execPos: at.position };

  it('the same point with the SQL thread stopped; running, or moved, is not', () => {
    expect(sameDonorPoint(stopped, at)).toBe(true);
    expect(sameDonorPoint({ ...stopped, sqlRunning: 'Yes' }, at)).toBe(false);
    expect(sameDonorPoint({ ...stopped, execPos: 4800 }, at)).toBe(false);
    expect(sameDonorPoint({ ...stopped, execFile: 'a-bin.000003' }, at)).toBe(false);
    expect(sameDonorPoint({ ...stopped, gtid: '0-1-12' }, { ...at, gtid: '0-1-11' })).toBe(false);
    expect(sameDonorPoint({ ...stopped, gtid: '0-1-11' }, { ...at, gtid: '0-1-11' })).toBe(true);
  });

  it('one line: where the donor is now, where the copy read it, what to do', () => {
    const text = donorMovedText('R 10.0.0.3:3306', { sqlRunning: 'Yes', execFile: at.file, execPos: 5000 }, at);
    expect(text).not.toContain('\n');
    expect(text).toBe(
      'the donor R 10.0.0.3:3306 moved since the interrupted copy (now at a-bin.000002:5000, its SQL thread running, the copy was of a-bin.000002:4711): its data is no longer the copy’s point; the journal no longer counts the tables copied, so run the same command with --resume again to copy everything from scratch',
    );
  });
});
