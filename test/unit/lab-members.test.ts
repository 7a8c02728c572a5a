// Issue 27: the lab makes pairs and rings of 3 to 6; `--masters` anything else is one line naming the value.
import { describe, expect, it } from 'vitest';
import { MEMBERS, isMember, parseMasters } from '../../src/lab/members.js';
import { UsageError } from '../../src/base/errors.js';

describe('lab members', () => {
  it('accepts 2 to 6 masters, the members a to f in ring order', () => {
    expect(['2', '3', '4', '5', '6'].map(parseMasters)).toEqual([2, 3, 4, 5, 6]);
    expect(parseMasters(4)).toBe(4);
    expect(MEMBERS.slice(0, 4)).toEqual(['a', 'b', 'c', 'd']);
    expect(['a', 'f', 'g', 'r', ''].map(isMember)).toEqual([true, true, false, false, false]);
  });

  it('refuses any other --masters in one line naming it', () => {
    for (const [v, shown] of [
      ['1', '1'],
      ['7', '7'],
      ['0', '0'],
      ['2.5', '"2.5"'],
      ['x', '"x"'],
      ['', '""'],
    ]) {
      const e = (() => {
        try {
          parseMasters(v);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).toBe(`--masters must be 2 (a pair) or 3 to 6 (a ring), not ${shown}`);
    }
  });
});
