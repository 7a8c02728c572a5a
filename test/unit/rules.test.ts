// The manuals' rules as an executable check (src/recovery/rules): each rule is broken once by a small sequence, and the
// sequences the steps produced before issue 14 (kept as fixtures) fail the checker. It checks the manuals' rules,
// not a server.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkTrace } from '../../src/recovery/rules/check.js';
import { RULES } from '../../src/recovery/rules/rules.js';
import type { TraceEntry } from '../../src/recovery/rules/trace.js';
import type { Profile, StartingState } from '../../src/recovery/rules/world.js';
import { parseVersion } from '../../src/dialect/version.js';
import { CLIENTS, START } from '../helpers/rules.js';

const FIXTURES = new URL('../fixtures/rules/', import.meta.url).pathname;

const profile = (version: string, start: Partial<StartingState> = {}, client = CLIENTS['mysqldump-8.4']): Profile => ({
  server: parseVersion(version),
  client,
  start: { ...START.exempt, ...start },
});
const sql = (step: number, role: 'GS' | 'BS', text: string): TraceEntry => ({ step, role, kind: 'sql', text });
const dump = (args: string[], program = 'mysqldump'): TraceEntry => ({
  step: 4,
  role: 'BS',
  kind: 'copy',
  dump: { program, args: ['--defaults-extra-file=<GS>', '--all-databases', ...args] },
  load: { program: program === 'mysqldump' ? 'mysql' : 'mariadb', args: ['--defaults-extra-file=<BS>'] },
});
const backup = (args: string[]): TraceEntry => ({
  step: 2,
  role: 'BS',
  kind: 'export',
  tool: 'dump-gzip',
  command: { program: 'mysqldump', args: ['--defaults-extra-file=<BS>', '--databases', 'extra', ...args] },
});

/** One sequence per rule that the rule refuses (and the profile it runs against). */
const BREAKS: Record<string, { profile: Profile; trace: TraceEntry[] }> = {
  'offline-mode-refuses-logins': {
    profile: profile('8.0.36', { replExempt: false }),
    trace: [sql(1, 'BS', 'SET GLOBAL offline_mode = ON'), sql(10, 'GS', 'START REPLICA')],
  },
  'super-read-only-refuses-writes': { profile: profile('8.0.36', { superReadOnly: true }), trace: [sql(4, 'BS', 'DROP DATABASE `extra`')] },
  'read-only-admin': {
    profile: profile('11.4.2-MariaDB', { readOnly: true, adminReadOnlyAdmin: false }, CLIENTS['mariadb-dump']),
    trace: [dump(['--lock-all-tables'], 'mariadb-dump')],
  },
  'file-position-needs-auto-position-off': {
    profile: profile('8.0.36', { gtidMode: true, autoPosition: true }),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_LOG_FILE='b.000001', SOURCE_LOG_POS=4, GET_SOURCE_PUBLIC_KEY=1")],
  },
  'gtid-only-blocks-auto-position-off': {
    profile: profile('8.0.36', { gtidMode: true, autoPosition: true, gtidOnly: true }),
    trace: [
      sql(
        6,
        'BS',
        "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_LOG_FILE='b.000001', SOURCE_LOG_POS=4, SOURCE_AUTO_POSITION=0, GET_SOURCE_PUBLIC_KEY=1",
      ),
    ],
  },
  'auto-position-needs-gtid-mode': {
    profile: profile('8.0.36', { gtidMode: false }),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1")],
  },
  'gtid-purged-needs-empty-history': { profile: profile('5.7.44', { gtidMode: true }, CLIENTS['mysqldump-5.7']), trace: [dump(['--set-gtid-purged=ON'])] },
  'set-gtid-purged-on-needs-gtid-mode': {
    profile: profile('10.11.19-MariaDB', {}, CLIENTS['mysqldump-8.0']),
    trace: [dump(['--set-gtid-purged=ON', '--column-statistics=0'])],
  },
  'column-statistics-needs-mysql-8': { profile: profile('5.7.44', {}, CLIENTS['mysqldump-8.0']), trace: [dump(['--set-gtid-purged=OFF'])] },
  'client-options-exist': { profile: profile('8.0.36', {}, CLIENTS['mariadb-dump']), trace: [dump(['--set-gtid-purged=OFF'], 'mariadb-dump')] },
  'statements-removed-in-8.4': { profile: profile('8.4.3'), trace: [sql(3, 'GS', 'SHOW MASTER STATUS')] },
  'replica-statements-from': { profile: profile('10.4.30-MariaDB', {}, CLIENTS['mariadb-dump']), trace: [sql(2, 'BS', 'STOP REPLICA')] },
  'change-replication-source-from': {
    profile: profile('8.0.22'),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_LOG_FILE='b.000001', SOURCE_LOG_POS=4, GET_SOURCE_PUBLIC_KEY=1")],
  },
  'binary-log-status-from': { profile: profile('8.1.0'), trace: [sql(3, 'GS', 'SHOW BINARY LOG STATUS')] },
  'binlog-status-mariadb': { profile: profile('10.5.1-MariaDB', {}, CLIENTS['mariadb-dump']), trace: [sql(3, 'GS', 'SHOW BINLOG STATUS')] },
  'positioning-options-per-flavor': {
    profile: profile('8.0.36'),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', MASTER_USE_GTID=slave_pos, GET_SOURCE_PUBLIC_KEY=1")],
  },
  'public-key-option': {
    profile: profile('5.7.44', {}, CLIENTS['mysqldump-5.7']),
    trace: [sql(6, 'BS', "CHANGE MASTER TO MASTER_HOST='db1', MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4, GET_MASTER_PUBLIC_KEY=1")],
  },
  'dump-client-of-server-vendor': { profile: profile('8.4.3', {}, CLIENTS['mariadb-dump']), trace: [dump(['--single-transaction'], 'mariadb-dump')] },
  'file-positioning-on-gtid-server': {
    profile: profile('8.0.36', { gtidMode: true, autoPosition: false }, CLIENTS['mysqldump-8.0']),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_LOG_FILE='b.000001', SOURCE_LOG_POS=4, GET_SOURCE_PUBLIC_KEY=1")],
  },
  'fence-bounded-after-client-list': {
    profile: profile('10.11.19-MariaDB', { readOnly: false }, CLIENTS['mariadb-dump']),
    trace: [sql(1, 'BS', 'SET GLOBAL read_only = ON')],
  },
  'caching-sha2-needs-key-or-tls': {
    profile: profile('8.4.3'),
    trace: [sql(6, 'BS', "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_LOG_FILE='b.000001', SOURCE_LOG_POS=4")],
  },
};

describe('each rule, broken once', () => {
  it('every rule has a breaking sequence here, and every rule quotes its page', () => {
    expect(Object.keys(BREAKS).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const r of RULES) {
      expect(r.sources.length, r.id).toBeGreaterThan(0);
      for (const s of r.sources) {
        expect(s.url, r.id).toMatch(/^https:\/\/(dev\.mysql\.com|mariadb\.com|mariadb\.org|github\.com\/(MariaDB|mysql))\//);
        expect(s.quote.length, r.id).toBeGreaterThan(20);
      }
    }
  });
  for (const [id, b] of Object.entries(BREAKS))
    it(id, () => {
      expect(checkTrace(b.trace, b.profile).map((v) => v.rule)).toContain(id);
    });
  it('a backup with GTID_PURGED cannot be replayed on a server that has a GTID history; --set-gtid-purged=OFF can', () => {
    const p = profile('8.0.36', { gtidMode: true });
    expect(checkTrace([backup([])], p).map((v) => v.rule)).toEqual(['gtid-purged-needs-empty-history']);
    expect(checkTrace([backup(['--set-gtid-purged=OFF'])], p)).toEqual([]);
  });
  it('takes an offline plan’s branch as the starting state says', () => {
    const lift: TraceEntry = {
      ...sql(4, 'BS', 'SET GLOBAL super_read_only = OFF'),
      when: [{ fact: 'variable', role: 'BS', variable: 'super_read_only', is: 'ON' }],
    };
    const p = profile('8.0.36', { superReadOnly: true });
    expect(checkTrace([lift, sql(4, 'BS', 'DROP DATABASE `x`')], p)).toEqual([]);
    expect(checkTrace([sql(4, 'BS', 'DROP DATABASE `x`')], p)).toHaveLength(1);
  });
});

describe('plugins, components and loadable functions are writes (issue 25, item 1)', () => {
  const p = profile('8.0.40', { superReadOnly: true });
  const fenced = (text: string) => checkTrace([sql(4, 'BS', text)], p).map((v) => v.rule);
  it('INSTALL/UNINSTALL PLUGIN or COMPONENT and CREATE FUNCTION … SONAME under super_read_only break the rule', () => {
    for (const text of [
      "INSTALL PLUGIN clone SONAME 'mysql_clone.so'",
      'UNINSTALL PLUGIN clone',
      "INSTALL COMPONENT 'file://component_validate_password'",
      "UNINSTALL COMPONENT 'file://component_validate_password'",
      "CREATE FUNCTION f RETURNS STRING SONAME 'udf.so'",
      "INSTALL SONAME 'server_audit'",
    ])
      expect(fenced(text), text).toEqual(['super-read-only-refuses-writes']);
  });
  it('the clone plan before the fix (BS’s INSTALL PLUGIN before super_read_only is lifted) breaks it; lifted first it does not', () => {
    // Step 1 as it is now: the clients listed, the fence under the session's bound (issue 25 item 3).
    const step1: TraceEntry[] = [sql(1, 'BS', LIST), sql(1, 'BS', 'SET SESSION lock_wait_timeout = 5')];
    const before: TraceEntry[] = [
      sql(1, 'BS', 'SET GLOBAL read_only = ON'),
      sql(1, 'BS', 'SET GLOBAL super_read_only = ON'),
      sql(4, 'GS', "INSTALL PLUGIN clone SONAME 'mysql_clone.so'"),
      sql(4, 'BS', "INSTALL PLUGIN clone SONAME 'mysql_clone.so'"),
      sql(4, 'BS', "SET GLOBAL clone_valid_donor_list = 'db1:3306'"),
      sql(4, 'BS', 'SET GLOBAL super_read_only = OFF'),
    ];
    const start = profile('8.0.40');
    expect(checkTrace([...step1, ...before], start).map((v) => `${v.rule} ${v.action}`)).toEqual([
      "super-read-only-refuses-writes 4 BS> INSTALL PLUGIN clone SONAME 'mysql_clone.so'",
    ]);
    const after = [before[0], before[1], before[2], before[5], before[3], before[4]];
    expect(checkTrace([...step1, ...after], start)).toEqual([]);
  });
});

const LIST = 'SELECT ID, USER, HOST, DB, COMMAND, TIME, LEFT(INFO, 100) AS INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() ORDER BY ID';

describe('the fence waits for other sessions’ locks: listed and offered a KILL first, bounded (issue 25 item 3)', () => {
  const rules = (p: Profile, trace: TraceEntry[]) => checkTrace(trace, p).map((v) => `${v.rule} ${v.action}`);
  const maria = profile('10.11.19-MariaDB', { readOnly: false }, CLIENTS['mariadb-dump']);
  const mysql = profile('8.0.36', { readOnly: false, superReadOnly: false });
  const bounded = 'SET STATEMENT lock_wait_timeout=5 FOR SET GLOBAL read_only = ON';
  it('MariaDB: read_only set before the list (the order before issue 25), or without a bound, breaks it', () => {
    expect(rules(maria, [sql(1, 'BS', bounded), sql(1, 'BS', LIST)])).toEqual([`fence-bounded-after-client-list 1 BS> ${bounded}`]);
    expect(rules(maria, [sql(1, 'BS', LIST), sql(1, 'BS', 'SET GLOBAL read_only = ON')])).toEqual([
      'fence-bounded-after-client-list 1 BS> SET GLOBAL read_only = ON',
    ]);
    expect(rules(maria, [sql(1, 'BS', LIST), sql(1, 'BS', bounded)])).toEqual([]);
  });
  it('MySQL: the session bound holds until it is put back to DEFAULT; offline_mode waits for no lock and may go first', () => {
    const ok = [
      sql(1, 'BS', 'SET GLOBAL offline_mode = ON'),
      sql(1, 'BS', LIST),
      sql(1, 'BS', 'SET SESSION lock_wait_timeout = 5'),
      sql(1, 'BS', 'SET GLOBAL read_only = ON'),
      sql(1, 'BS', 'SET GLOBAL super_read_only = ON'),
      sql(1, 'BS', 'SET SESSION lock_wait_timeout = DEFAULT'),
    ];
    expect(rules(mysql, ok)).toEqual([]);
    // The order before issue 25: read_only, super_read_only, offline_mode, then the list; no bound.
    const old = [
      sql(1, 'BS', 'SET GLOBAL read_only = ON'),
      sql(1, 'BS', 'SET GLOBAL super_read_only = ON'),
      sql(1, 'BS', 'SET GLOBAL offline_mode = ON'),
      sql(1, 'BS', LIST),
    ];
    expect(rules(mysql, old)).toEqual(['fence-bounded-after-client-list 1 BS> SET GLOBAL read_only = ON']);
    const reset = [
      sql(1, 'BS', LIST),
      sql(1, 'BS', 'SET SESSION lock_wait_timeout = 5'),
      sql(1, 'BS', 'SET SESSION lock_wait_timeout = DEFAULT'),
      sql(1, 'BS', 'SET GLOBAL read_only = ON'),
    ];
    expect(rules(mysql, reset)).toEqual(['fence-bounded-after-client-list 1 BS> SET GLOBAL read_only = ON']);
  });
  it('a fence that is already on takes no lock: super_read_only back on over read_only (steps 4, 10) is not a wait', () => {
    expect(rules(profile('8.0.36', { readOnly: true }), [sql(4, 'BS', 'SET GLOBAL super_read_only = ON')])).toEqual([]);
    expect(rules(profile('10.11.19-MariaDB', { readOnly: true }, CLIENTS['mariadb-dump']), [sql(1, 'BS', 'SET GLOBAL read_only = ON')])).toEqual([]);
  });
});

describe('the sequences before issue 14 fail the checker (fixtures from commit ab9bde6)', () => {
  const expected: Record<string, string[]> = {
    // fence-bounded-after-client-list: step 1 set read_only without a bound, before listing BS's clients (issue 25).
    'offline-mode-8.4.3': ['fence-bounded-after-client-list', 'offline-mode-refuses-logins'],
    'super-read-only-passive-8.0.36': ['super-read-only-refuses-writes'],
    'super-read-only-drop-8.0.36': ['fence-bounded-after-client-list', 'super-read-only-refuses-writes'],
    'file-on-gtid-pair-8.0.36': ['file-position-needs-auto-position-off', 'file-positioning-on-gtid-server', 'gtid-purged-needs-empty-history'],
    'mysqldump-on-mariadb-gtid-10.11': ['column-statistics-needs-mysql-8', 'dump-client-of-server-vendor', 'set-gtid-purged-on-needs-gtid-mode'],
    'mysqldump-8-on-5.7': ['column-statistics-needs-mysql-8'],
    'online-8.4-old-mysqldump': ['dump-client-of-server-vendor', 'statements-removed-in-8.4'],
    'online-8.4-mariadb-dump': ['dump-client-of-server-vendor', 'statements-removed-in-8.4'],
    'backup-gtid-8.0.36': ['gtid-purged-needs-empty-history', 'super-read-only-refuses-writes'],
  };
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  it('has a fixture for each fault case', () => expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(expected).sort()));
  for (const f of files)
    it(f, () => {
      const { profile: p, trace } = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { profile: Profile; trace: TraceEntry[] };
      const rules = [...new Set(checkTrace(trace, p).map((v) => v.rule))].sort();
      expect(rules).toEqual(expected[f.replace(/\.json$/, '')]);
    });
});
