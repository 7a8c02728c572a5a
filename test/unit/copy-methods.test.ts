// Issue 27: a copy method is a strategy. Its traits and the options it refuses are one value per method
// (config/copy-methods.ts); the run's method (recovery/copy-method.ts) is built on them, with the donor's variants.
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, METHOD_TRAITS, methodRefusal, type MethodFeature } from '../../src/config/copy-methods.js';
import { copyMethod } from '../../src/recovery/copy-method.js';

const donor = { host: '10.0.0.3', port: 3306 };

describe('copy methods as strategies', () => {
  it('each method says which features it refuses, in one line naming the option; the rest it works with', () => {
    const refused = (m: (typeof METHOD_NAMES)[number]) =>
      (['ring', 'parallel', 'maxRate', 'donor', 'maxLoad', 'hostSsh'] as MethodFeature[]).filter((f) => methodRefusal(m, { [f]: true }));
    expect(refused('classic')).toEqual(['maxLoad', 'hostSsh']);
    expect(refused('online')).toEqual(['hostSsh']);
    expect(refused('physical')).toEqual(['parallel']);
    expect(refused('clone')).toEqual(['ring', 'parallel', 'maxRate', 'donor', 'maxLoad', 'hostSsh']);
    for (const m of METHOD_NAMES)
      for (const [feature, line] of Object.entries(METHOD_TRAITS[m].refuses)) {
        // The ssh targets' line follows the option the operator gave (--good-ssh db1: …), so it opens with what it does.
        expect(line).toMatch(
          feature === 'hostSsh' ? /^the ssh targets run the physical method’s host commands/ : /^--(ring|parallel|max-rate|donor|max-load) /,
        );
        expect(line).not.toMatch(/\n/);
      }
  });

  it('the first refused feature of those asked, in the order asked; nothing when none is asked or the method is not given', () => {
    expect(methodRefusal('clone', { maxRate: true, donor: true })).toMatch(/^--max-rate/);
    expect(methodRefusal('clone', { donor: true, maxRate: true })).toMatch(/^--donor/);
    expect(methodRefusal('clone', { ring: false, parallel: false })).toBeUndefined();
    expect(methodRefusal(undefined, { ring: true, maxLoad: true })).toBeUndefined();
  });

  it('from a donor: GS is neither locked nor held in a snapshot, the live line says GS is not read, and classic says the lock was spared', () => {
    for (const method of ['classic', 'online', 'physical'] as const) {
      const fromGs = copyMethod({ settings: { method } });
      const fromR = copyMethod({ settings: { method, donor } });
      expect(fromR.fromDonor).toBe(true);
      expect(fromR.locksGs).toBe(false);
      expect(fromR.snapshotOnGs).toBe(false);
      expect(fromR.gsWhileCopying).toBe('GS not read (copy from R)');
      expect(fromR.lockSpared === true).toBe(fromGs.locksGs);
      expect(fromR.logical).toBe(fromGs.logical);
    }
    expect(copyMethod({ settings: { method: 'online' } }).gsWhileCopying).toBe('GS writable (snapshot)');
    expect(copyMethod({ settings: { method: 'classic' } }).gsWhileCopying).toBeUndefined();
  });
});
