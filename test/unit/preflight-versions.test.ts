// The preflight's version-specific checks that no server here can show (MySQL, MariaDB 11.x), on simulated answers.
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/adapters/mysql/session.js';
import type { Statement } from '../../src/dialect/statement.js';
import { missingPrivileges, otherChannels, readOnlyBypass } from '../../src/recovery/preflight.js';
import { offlineContext } from '../helpers/offline.js';

const withReads = (version: string, answer: (sql: string) => Row[]) => ({
  ...offlineContext(version),
  read: async (_r: 'GS' | 'BS', s: Statement) => answer(s.sql),
});
const privileges =
  (...names: string[]) =>
  () =>
    names.map((PRIVILEGE_TYPE) => ({ PRIVILEGE_TYPE }));
const BASE = ['SELECT', 'RELOAD', 'LOCK TABLES', 'SHOW VIEW', 'EVENT', 'TRIGGER', 'PROCESS', 'REPLICATION SLAVE', 'REPLICATION CLIENT'];

describe('privileges by version', () => {
  it('MariaDB 10.11.1+: SUPER alone no longer writes on a read_only BS; READ ONLY ADMIN is required (MDEV-29596, seen live on 10.11.19)', async () => {
    expect(await missingPrivileges(withReads('11.4.2-MariaDB', privileges(...BASE, 'SUPER')), 'BS')).toEqual(['READ_ONLY ADMIN or READ ONLY ADMIN']);
    expect(await missingPrivileges(withReads('11.4.2-MariaDB', privileges(...BASE, 'SUPER', 'READ ONLY ADMIN')), 'BS')).toEqual([]);
    expect(await missingPrivileges(withReads('10.11.19-MariaDB', privileges(...BASE, 'SUPER')), 'BS')).toEqual(['READ_ONLY ADMIN or READ ONLY ADMIN']);
    expect(await missingPrivileges(withReads('10.11.1-MariaDB', privileges(...BASE, 'SUPER', 'READ_ONLY ADMIN')), 'BS')).toEqual([]);
    expect(await missingPrivileges(withReads('10.11.0-MariaDB', privileges(...BASE, 'SUPER')), 'BS')).toEqual([]);
    expect(await missingPrivileges(withReads('10.6.18-MariaDB', privileges(...BASE, 'SUPER')), 'BS')).toEqual([]);
  });
  it('MySQL: CONNECTION_ADMIN or SUPER (read_only and offline_mode let only those through)', async () => {
    expect(await missingPrivileges(withReads('8.0.36', privileges(...BASE, 'REPLICATION_SLAVE_ADMIN')), 'BS')).toEqual(['SUPER or CONNECTION_ADMIN']);
    expect(await missingPrivileges(withReads('8.0.36', privileges(...BASE, 'REPLICATION_SLAVE_ADMIN', 'CONNECTION_ADMIN')), 'BS')).toEqual([]);
  });
});

describe('accounts read_only does not fence (MariaDB)', () => {
  it('lists READ ONLY ADMIN holders on 11.0+, SUPER holders before', async () => {
    let asked = '';
    const holders = (sql: string) => {
      asked = sql;
      return [{ GRANTEE: "'app'@'%'" }, { GRANTEE: "'root'@'%'" }];
    };
    const c = await readOnlyBypass(withReads('11.4.2-MariaDB', holders));
    expect(asked).toMatch(/PRIVILEGE_TYPE IN \('READ_ONLY ADMIN', 'READ ONLY ADMIN'\)/);
    expect(c).toMatchObject({ verdict: 'warn', check: 'read_only bypass' });
    expect(c!.detail).toMatch(/read_only does not fence accounts holding READ ONLY ADMIN: 'app'@'%', 'root'@'%'/);
    await readOnlyBypass(withReads('10.6.20-MariaDB', holders));
    expect(asked).toMatch(/PRIVILEGE_TYPE IN \('SUPER'\)/);
    expect(await readOnlyBypass(withReads('8.0.36', holders))).toBeUndefined();
  });
});

describe('replication channels', () => {
  it('MySQL multi-source: refused, naming the other channels; the default channel alone is fine', async () => {
    const rows = [{ Channel_Name: '' }, { Channel_Name: 'analytics' }, { Channel_Name: 'group_replication_applier' }];
    const c = await otherChannels(
      withReads('8.0.36', () => rows),
      'GS',
    );
    expect(c.verdict).toBe('stop');
    expect(c.detail).toMatch(/GS also replicates on channel\(s\) 'analytics', 'group_replication_applier'/);
    expect(
      (
        await otherChannels(
          withReads('8.0.36', () => [{ Channel_Name: '' }]),
          'GS',
        )
      ).verdict,
    ).toBe('ok');
  });
  it('MariaDB named connections, read with SHOW ALL REPLICAS STATUS (SHOW ALL SLAVES STATUS before 10.5.1)', async () => {
    let asked = '';
    const c = await otherChannels(
      withReads('10.11.19-MariaDB', (sql) => {
        asked = sql;
        return [{ Connection_name: '' }, { Connection_name: 'side' }];
      }),
      'BS',
    );
    expect(asked).toBe('SHOW ALL REPLICAS STATUS');
    expect(c.detail).toMatch(/connection\(s\) 'side'/);
    await otherChannels(
      withReads('10.4.30-MariaDB', (sql) => ((asked = sql), [])),
      'BS',
    );
    expect(asked).toBe('SHOW ALL SLAVES STATUS');
  });
});
