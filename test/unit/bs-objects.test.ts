// BS's own accounts: the statements kept in bs-accounts.sql read back one by one, and every password hash masked in
// what the plan and the journal show.
import { describe, expect, it } from 'vitest';
import { accountsFile, maskedStatement, parseAccountsFile } from '../../src/recovery/bs-objects.js';

describe('kept accounts', () => {
  it('masks the hash in every form the servers print it', () => {
    expect(maskedStatement("CREATE USER `m`@`localhost` IDENTIFIED BY PASSWORD '*ABCDEF'").shown).toBe(
      "CREATE USER `m`@`localhost` IDENTIFIED BY PASSWORD '********'",
    );
    expect(maskedStatement("GRANT USAGE ON *.* TO `m`@`%` IDENTIFIED VIA mysql_native_password USING '*AB' OR unix_socket").shown).toBe(
      "GRANT USAGE ON *.* TO `m`@`%` IDENTIFIED VIA mysql_native_password USING '********' OR unix_socket",
    );
    expect(maskedStatement("CREATE USER 'm'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x\\'y' REQUIRE NONE").shown).toBe(
      "CREATE USER 'm'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '********' REQUIRE NONE",
    );
    const s = "CREATE USER `m`@`h` IDENTIFIED BY PASSWORD '*AB'";
    expect(maskedStatement(s).sql).toBe(s);
  });

  it('writes one statement a line and reads them back in order', () => {
    const text = accountsFile(
      ['header'],
      [
        {
          name: '`m`@`localhost`',
          kind: 'only-on-bs',
          account: {
            name: '`m`@`localhost`',
            create: "CREATE USER `m`@`localhost` IDENTIFIED BY PASSWORD '*AB'",
            grants: ['GRANT PROCESS ON *.* TO `m`@`localhost`'],
          },
        },
      ],
    );
    expect(parseAccountsFile(text)).toEqual([
      'DROP USER IF EXISTS `m`@`localhost`',
      "CREATE USER `m`@`localhost` IDENTIFIED BY PASSWORD '*AB'",
      'GRANT PROCESS ON *.* TO `m`@`localhost`',
    ]);
  });
});
