// The MySQL manual's rules for CLONE INSTANCE (--method clone), as a table: each rule quotes its page and decides from
// facts the preflight measures (or, offline, from the assumed versions alone). It is the manual's word, not a server's:
// no MySQL server runs here.
import type { ServerVersion } from '../../dialect/version.js';
import type { Verdict } from '../events.js';
import type { Source } from '../manual-source.js';

/** What the clone rules look at; a fact left undefined was not measured (an offline plan), and its rule says so. */
export interface CloneFacts {
  gs: ServerVersion;
  bs: ServerVersion;
  /**
   * The donor account (the admin user as GS authenticates it from BS's address) holds BACKUP_ADMIN on GS; the tool's
   * own account holds CLONE_ADMIN on BS; roles active at login included.
   */
  gsBackupAdmin?: boolean;
  bsCloneAdmin?: boolean;
  /** User tables on GS in another engine than InnoDB that hold rows: "schema.table (ENGINE, N rows)". */
  nonInnodbWithRows?: string[];
}

export interface CloneRule {
  id: string;
  says: string;
  sources: Source[];
  /** The verdict and its line, or undefined when the rule has nothing to say for these facts. */
  check(f: CloneFacts): { verdict: Verdict; detail: string } | undefined;
}

const LIMITATIONS = 'https://dev.mysql.com/doc/refman/8.0/en/clone-plugin-limitations.html';
const REMOTE = 'https://dev.mysql.com/doc/refman/8.0/en/clone-plugin-remote.html';
const label = (v: ServerVersion) => `${v.flavor === 'mysql' ? 'MySQL' : 'MariaDB'} ${v.major}.${v.minor}.${v.patch}`;
const cmp = (v: ServerVersion, major: number, minor: number, patch: number) => v.major - major || v.minor - minor || v.patch - patch;

export const CLONE_RULES: readonly CloneRule[] = [
  {
    id: 'clone-needs-mysql-8.0.17',
    says: 'the clone plugin exists in MySQL 8.0.17 and later only (MariaDB has none)',
    sources: [
      {
        url: 'https://dev.mysql.com/doc/refman/8.0/en/clone-plugin.html',
        quote: 'The clone plugin, introduced in MySQL 8.0.17, permits cloning data locally or from a remote MySQL server instance.',
      },
    ],
    check(f) {
      const bad = [f.gs, f.bs].filter((v) => v.flavor !== 'mysql' || cmp(v, 8, 0, 17) < 0);
      if (bad.length) return { verdict: 'stop', detail: `CLONE needs MySQL 8.0.17+ on both servers, not ${bad.map(label).join(' and ')}` };
      return undefined;
    },
  },
  {
    id: 'clone-same-series',
    says: 'donor and recipient must be of the same server series; before 8.0.37 also the same point release',
    sources: [
      {
        url: LIMITATIONS,
        quote:
          'An instance cannot be cloned from a different MySQL server series. For example, you cannot clone between MySQL 8.0 and MySQL 8.4, but can clone within a series such as MySQL 8.0.37 and MySQL 8.0.42. Before 8.0.37, the point release number also had to match',
      },
    ],
    check({ gs, bs }) {
      if (gs.flavor !== 'mysql' || bs.flavor !== 'mysql') return undefined;
      if (gs.major !== bs.major || gs.minor !== bs.minor)
        return { verdict: 'stop', detail: `GS is ${label(gs)} and BS ${label(bs)}: CLONE works only within one server series` };
      const older = cmp(gs, 8, 0, 37) < 0 || cmp(bs, 8, 0, 37) < 0;
      if (gs.patch !== bs.patch && older)
        return { verdict: 'stop', detail: `GS is ${label(gs)} and BS ${label(bs)}: before 8.0.37 CLONE needs the same point release on both` };
      return {
        verdict: 'ok',
        detail: `${label(gs)} → ${label(bs)}: the same series${gs.patch !== bs.patch ? ' (point releases may differ from 8.0.37)' : ''}`,
      };
    },
  },
  {
    id: 'clone-privileges',
    says: 'the donor account needs BACKUP_ADMIN on GS; the account running CLONE INSTANCE needs CLONE_ADMIN on BS',
    sources: [
      {
        url: REMOTE,
        quote:
          '(paraphrase) A clone user is required on the donor MySQL server instance with the BACKUP_ADMIN privilege; the recipient user requires the CLONE_ADMIN privilege to replace recipient data, block DDL and restart the server.',
      },
      { url: 'https://dev.mysql.com/worklog/task/?id=11636', quote: '3. Have clone user in donor with BACKUP_ADMIN privilege' },
      {
        // Read with SHOW GRANTS … USING the roles active at login (src/dialect/grants.ts): without USING, a privilege
        // granted through a role reads as missing.
        url: 'https://dev.mysql.com/doc/refman/8.0/en/show-grants.html',
        quote:
          '(paraphrase) SHOW GRANTS [FOR user_or_role [USING role [, role] ...]]: with USING, the privileges of each named role granted to the account are displayed too; without it, only the roles are.',
      },
    ],
    check(f) {
      if (f.gsBackupAdmin === undefined || f.bsCloneAdmin === undefined)
        return { verdict: 'not-made', detail: 'not measured: BACKUP_ADMIN on GS and CLONE_ADMIN on BS' };
      const missing = [...(f.gsBackupAdmin ? [] : ['BACKUP_ADMIN on GS']), ...(f.bsCloneAdmin ? [] : ['CLONE_ADMIN on BS'])];
      return missing.length
        ? { verdict: 'stop', detail: `the admin account lacks ${missing.join(' and ')}` }
        : { verdict: 'ok', detail: 'BACKUP_ADMIN on GS, CLONE_ADMIN on BS' };
    },
  },
  {
    id: 'clone-innodb-only',
    says: 'only InnoDB data is cloned: MyISAM and CSV tables arrive empty',
    sources: [
      {
        url: LIMITATIONS,
        quote:
          'The clone plugin only clones data stored in InnoDB. Other storage engine data is not cloned. MyISAM and CSV tables stored in any schema including the sys schema are cloned as empty tables.',
      },
    ],
    check(f) {
      if (f.nonInnodbWithRows === undefined)
        return { verdict: 'not-made', detail: 'not measured: whether GS has non-InnoDB tables with rows (they would arrive empty)' };
      return f.nonInnodbWithRows.length
        ? {
            verdict: 'stop',
            detail: `these tables are not InnoDB and hold rows, which CLONE would not copy: ${f.nonInnodbWithRows.join(', ')}; use --method online or classic`,
          }
        : { verdict: 'ok', detail: 'every user table that holds rows is InnoDB' };
    },
  },
  {
    id: 'clone-restart-needs-supervisor',
    says: 'after a remote clone the recipient restarts itself only under a supervisor (systemd, mysqld_safe); otherwise ERROR 3707',
    sources: [
      {
        url: REMOTE,
        quote:
          '(paraphrase) After the data is cloned, the recipient is restarted automatically when a monitoring process is available; otherwise the CLONE INSTANCE statement fails with ERROR 3707 (HY000): Restart server failed (mysqld is not managed by supervisor process), and the server must be restarted manually.',
      },
    ],
    check: () => ({
      verdict: 'warn',
      detail:
        'not checked (SQL cannot tell): BS must run under systemd or mysqld_safe to restart after the clone; otherwise CLONE ends with ERROR 3707 and BS must be started by hand, then --resume',
    }),
  },
  {
    id: 'clone-keeps-recipient-config',
    says: 'the recipient keeps its own configuration (option files, persisted variables) and its auto.cnf, so its server_uuid',
    sources: [
      {
        url: LIMITATIONS,
        quote:
          'The clone plugin does not support cloning of MySQL server configurations. The recipient MySQL server instance retains its configuration, including persisted system variable settings',
      },
    ],
    check: () => ({ verdict: 'ok', detail: 'BS keeps its configuration and server_uuid (checked again after the clone)' }),
  },
];

export function cloneVerdicts(f: CloneFacts): Array<{ rule: string; verdict: Verdict; detail: string }> {
  return CLONE_RULES.flatMap((r) => {
    const v = r.check(f);
    return v ? [{ rule: r.id, ...v }] : [];
  });
}
