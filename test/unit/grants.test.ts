// Clone's privilege checks (issue 25, item 6): privileges granted through a role count (SHOW GRANTS … USING), and the
// donor account is the one GS authenticates the clone as, from BS's address.
import { describe, expect, it } from 'vitest';
import { grantsInclude, matchingAccount, parseRoleList, showGrantsUsing } from '../../src/dialect/grants.js';

describe('SHOW GRANTS, roles included', () => {
  it('reads CURRENT_ROLE() and names the roles in USING', () => {
    expect(parseRoleList('NONE')).toEqual([]);
    expect(parseRoleList(null)).toEqual([]);
    const roles = parseRoleList('`clone_role`@`%`,`back``up`@`localhost`');
    expect(roles).toEqual([
      { user: 'clone_role', host: '%' },
      { user: 'back`up', host: 'localhost' },
    ]);
    expect(showGrantsUsing('CURRENT_USER()', roles).sql).toBe("SHOW GRANTS FOR CURRENT_USER() USING 'clone_role'@'%', 'back`up'@'localhost'");
    expect(showGrantsUsing({ user: 'admin', host: '10.0.0.%' }, []).sql).toBe("SHOW GRANTS FOR 'admin'@'10.0.0.%'");
  });

  it('a privilege granted through a role shows only with USING', () => {
    const without = ['GRANT USAGE ON *.* TO `admin`@`%`', 'GRANT `clone_role`@`%` TO `admin`@`%`'];
    const using = ['GRANT USAGE ON *.* TO `admin`@`%`', 'GRANT BACKUP_ADMIN,CLONE_ADMIN ON *.* TO `admin`@`%`', 'GRANT `clone_role`@`%` TO `admin`@`%`'];
    expect(grantsInclude(without, 'BACKUP_ADMIN')).toBe(false);
    expect(grantsInclude(using, 'BACKUP_ADMIN')).toBe(true);
    expect(grantsInclude(using, 'CLONE_ADMIN')).toBe(true);
  });

  it('counts only global grants, by name or through ALL', () => {
    expect(grantsInclude(['GRANT ALL PRIVILEGES ON `shop`.* TO `admin`@`%`'], 'BACKUP_ADMIN')).toBe(false);
    expect(grantsInclude(['GRANT ALL PRIVILEGES ON *.* TO `root`@`%` WITH GRANT OPTION'], 'BACKUP_ADMIN')).toBe(true);
    expect(grantsInclude(['GRANT SELECT, RELOAD ON *.* TO `admin`@`%`', 'GRANT BACKUP_ADMIN ON *.* TO `admin`@`%`'], 'backup_admin')).toBe(true);
    expect(grantsInclude(['GRANT BACKUP_ADMIN_EXTRA ON *.* TO `a`@`%`'], 'BACKUP_ADMIN')).toBe(false);
  });

  it('the donor account is the most specific host pattern admitting BS’s address', () => {
    expect(matchingAccount('admin', ['%', '10.0.0.%', 'localhost'], '10.0.0.2')).toEqual({ user: 'admin', host: '10.0.0.%' });
    expect(matchingAccount('admin', ['%', '10.0.0.2', '10.0.0.%'], '10.0.0.2')).toEqual({ user: 'admin', host: '10.0.0.2' });
    expect(matchingAccount('admin', ['%', 'localhost'], '10.0.0.2')).toEqual({ user: 'admin', host: '%' });
    expect(matchingAccount('admin', ['localhost'], '10.0.0.2')).toBeUndefined();
  });
});
