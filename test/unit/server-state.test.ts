// Issue 24: what each copied event's status on BS must be, and the ALTER EVENT each dialect writes for it.
import { describe, expect, it } from 'vitest';
import { dialectFor } from '../../src/dialect/dialect.js';
import { parseVersion } from '../../src/dialect/version.js';
import { accountDefinition } from '../../src/recovery/bs-objects.js';
import { accountsVerdict, describeStrayRows, expectedOnBs, strayGtidSlavePosRows, type EventRow } from '../../src/recovery/server-state.js';

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

describe('the proof: BS’s gtid_slave_pos table against its position (issue 24)', () => {
  const row = (domain: number, subId: number, serverId: number, seqNo: number) => ({ domain, subId, serverId, seqNo });

  it('BS’s own rows, the newest its position: nothing stray', () => {
    const rows = [row(0, 557, 1, 900), row(0, 558, 1, 901), row(0, 559, 1, 902)];
    expect(strayGtidSlavePosRows(rows, '0-1-902')).toEqual([]);
  });

  it('GS’s rows copied under BS’s counter (the reproduced case: sub_id 3011 beside BS’s 559) are stray', () => {
    const rows = [row(0, 559, 1, 902), row(0, 3010, 2, 2999), row(0, 3011, 2, 3000)];
    expect(strayGtidSlavePosRows(rows, '0-1-902')).toEqual([row(0, 3010, 2, 2999), row(0, 3011, 2, 3000)]);
    expect(describeStrayRows(strayGtidSlavePosRows(rows, '0-1-902'), '0-1-902')).toMatch(
      /BS’s mysql\.gtid_slave_pos holds 2 row\(s\) its replica does not know \(sub_id up to 3011; its position is 0-1-902\): BS would stop later on "Duplicate entry" \(error 1942\)/,
    );
  });

  it('after a restart (physical copy): BS read its position from the copied rows: nothing stray', () => {
    const rows = [row(0, 3010, 2, 2999), row(0, 3011, 2, 3000)];
    expect(strayGtidSlavePosRows(rows, '0-2-3000')).toEqual([]);
  });

  it('older rows of other domains, below the newest known: not stray (the counter is past them)', () => {
    const rows = [row(1, 40, 1, 7), row(0, 41, 1, 900), row(2, 42, 3, 5)];
    expect(strayGtidSlavePosRows(rows, '0-1-900,2-3-5')).toEqual([]);
  });

  it('rows while the position is empty: every row is stray (the server read none of them)', () => {
    expect(strayGtidSlavePosRows([row(0, 3011, 2, 3000)], '')).toEqual([row(0, 3011, 2, 3000)]);
    expect(strayGtidSlavePosRows([], '')).toEqual([]);
  });
});

describe('the proof: BS’s accounts against GS’s and what BS held before (issue 24)', () => {
  const mon = '`monitor`@`localhost`';
  const app = '`app`@`%`';
  const rep = '`repl`@`%`';

  it('without --keep-bs-accounts: BS’s own account gone, named as dropped with the kept file', () => {
    const r = accountsVerdict({ gs: [app, rep], bs: [app, rep], own: [{ name: mon, kind: 'only-on-bs' }], keep: false, file: '/k/bs-accounts.sql' });
    expect(r.mismatched).toEqual([]);
    expect(r.said).toEqual(["account 'monitor'@'localhost': BS’s own, dropped by the copy (kept in /k/bs-accounts.sql)"]);
  });

  it('with --keep-bs-accounts: on BS alone, and said so; missing there, the proof fails', () => {
    const kept = accountsVerdict({ gs: [app], bs: [app, mon], own: [{ name: mon, kind: 'only-on-bs' }], keep: true });
    expect(kept.mismatched).toEqual([]);
    expect(kept.said).toEqual(["account 'monitor'@'localhost': BS’s own, kept on BS alone (--keep-bs-accounts)"]);
    const lost = accountsVerdict({ gs: [app], bs: [app], own: [{ name: mon, kind: 'only-on-bs' }], keep: true });
    expect(lost.mismatched).toEqual(["account 'monitor'@'localhost': BS’s own, to be kept by --keep-bs-accounts, missing on BS"]);
  });

  it('an account of GS missing on BS, or one on BS that was not there before: the proof fails', () => {
    const r = accountsVerdict({ gs: [app, rep], bs: [app, '`x`@`%`'], own: [], keep: false });
    expect(r.mismatched).toEqual(["account 'repl'@'%': on GS, missing on BS", "account 'x'@'%': on BS only, not there before the copy"]);
  });

  it('same name, other grants or password on BS than GS: the proof names it, unless --keep-bs-accounts put BS’s own back', () => {
    const def = (create: string, ...grants: string[]) => accountDefinition({ name: app, create, grants });
    const gsDef = def("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*AA'", 'GRANT SELECT ON *.* TO `app`@`%`', 'GRANT INSERT ON `shop`.* TO `app`@`%`');
    // Quoting, spacing, grant order and MariaDB's two spellings of a native hash are the same definition.
    const same = def(
      "CREATE USER 'app'@'%'  IDENTIFIED VIA mysql_native_password USING '*AA'",
      "GRANT INSERT ON 'shop'.* TO 'app'@'%'",
      "GRANT SELECT ON *.* TO 'app'@'%'",
    );
    expect(same).toBe(gsDef);
    const grants = def("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*AA'", 'GRANT SELECT, DELETE ON *.* TO `app`@`%`');
    const password = def("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*BB'", 'GRANT SELECT ON *.* TO `app`@`%`', 'GRANT INSERT ON `shop`.* TO `app`@`%`');
    for (const bsDef of [grants, password]) {
      const defs = { gs: new Map([[app, gsDef]]), bs: new Map([[app, bsDef]]) };
      const r = accountsVerdict({ gs: [app], bs: [app], own: [], keep: false, defs });
      expect(r.mismatched).toEqual(["account 'app'@'%': on GS and BS with another password, plugin or grants (SHOW CREATE USER, SHOW GRANTS)"]);
      expect(accountsVerdict({ gs: [app], bs: [app], own: [{ name: app, kind: 'differs' }], keep: true, defs }).mismatched).toEqual([]);
    }
    expect(
      accountsVerdict({ gs: [app], bs: [app], own: [], keep: false, defs: { gs: new Map([[app, gsDef]]), bs: new Map([[app, same]]) } }).mismatched,
    ).toEqual([]);
  });

  it('BS’s own account still on BS without --keep-bs-accounts: the copy did not replace the accounts', () => {
    const r = accountsVerdict({ gs: [app], bs: [app, mon], own: [{ name: mon, kind: 'only-on-bs' }], keep: false });
    expect(r.mismatched).toEqual(["account 'monitor'@'localhost': on BS only, not put back by this run (--keep-bs-accounts was not given)"]);
  });
});
