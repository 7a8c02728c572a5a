// Issue 24: what each copied event's status on BS must be, and the ALTER EVENT each dialect writes for it.
import { describe, expect, it } from 'vitest';
import { dialectFor } from '../../src/dialect/dialect.js';
import { parseVersion } from '../../src/dialect/version.js';
import { expectedOnBs, type EventRow } from '../../src/recovery/server-state.js';

const ev = (status: EventRow['status'], originator: number): EventRow => ({ event: 's.e', schema: 's', name: 'e', status, originator, definer: 'app@%' });

describe('event status on BS after the copy', () => {
  it('GS runs it: off on BS; GS holds it off: BS runs it if BS created it or ran it before', () => {
    expect(expectedOnBs(ev('ENABLED', 1), 2)).toBe('SLAVESIDE_DISABLED');
    expect(expectedOnBs(ev('DISABLED', 1), 2)).toBe('DISABLED');
    expect(expectedOnBs(ev('SLAVESIDE_DISABLED', 2), 2)).toBe('ENABLED');
    expect(expectedOnBs(ev('SLAVESIDE_DISABLED', 1), 2, { status: 'ENABLED' })).toBe('ENABLED');
    expect(expectedOnBs(ev('SLAVESIDE_DISABLED', 3), 2)).toBe('SLAVESIDE_DISABLED');
  });

  it('ALTER DEFINER … EVENT … DISABLE ON SLAVE, DISABLE ON REPLICA from MySQL 8.0.22, keeping the definer (golden)', () => {
    const sql = (v: string) => dialectFor(parseVersion(v)).alterEventStatus('shop', 'tick', 'replica-disabled', 'app@%').sql;
    expect(sql('10.11.19-MariaDB')).toBe("ALTER DEFINER = 'app'@'%' EVENT `shop`.`tick` DISABLE ON SLAVE");
    expect(sql('8.0.21')).toBe("ALTER DEFINER = 'app'@'%' EVENT `shop`.`tick` DISABLE ON SLAVE");
    expect(sql('8.0.22')).toBe("ALTER DEFINER = 'app'@'%' EVENT `shop`.`tick` DISABLE ON REPLICA");
    // A user name with @ in it: the host is after the last one.
    expect(dialectFor(parseVersion('8.4.3')).alterEventStatus('shop', 'tick', 'enable', 'ops@corp@10.0.0.%').sql).toBe(
      "ALTER DEFINER = 'ops@corp'@'10.0.0.%' EVENT `shop`.`tick` ENABLE",
    );
  });
});
