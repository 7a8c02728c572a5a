// Golden tests for version parsing: flavor detection and numeric (not lexical) comparison.
import { describe, expect, it } from 'vitest';
import { compareVersions, isAtLeast, parseVersion, versionLabel } from '../../src/dialect/version.js';

describe('parseVersion', () => {
  it('reads a Debian MariaDB build string', () => {
    expect(parseVersion('10.11.19-MariaDB-0+deb12u1')).toEqual({
      flavor: 'mariadb',
      major: 10,
      minor: 11,
      patch: 19,
      raw: '10.11.19-MariaDB-0+deb12u1',
    });
  });

  it('strips the 5.5.5- prefix of old MariaDB handshakes', () => {
    expect(parseVersion('5.5.5-10.6.4-MariaDB-log')).toEqual({ flavor: 'mariadb', major: 10, minor: 6, patch: 4, raw: '5.5.5-10.6.4-MariaDB-log' });
  });

  it('reads plain and suffixed MySQL versions', () => {
    expect(parseVersion('8.0.9')).toEqual({ flavor: 'mysql', major: 8, minor: 0, patch: 9, raw: '8.0.9' });
    expect(parseVersion('8.4.0-commercial')).toEqual({ flavor: 'mysql', major: 8, minor: 4, patch: 0, raw: '8.4.0-commercial' });
    expect(parseVersion('9.1.0')).toEqual({ flavor: 'mysql', major: 9, minor: 1, patch: 0, raw: '9.1.0' });
    expect(parseVersion('  5.7.44-log\n')).toEqual({ flavor: 'mysql', major: 5, minor: 7, patch: 44, raw: '5.7.44-log' });
  });

  it('takes the flavor from version_comment when VERSION() does not say', () => {
    expect(parseVersion('10.6.4', 'mariadb.org binary distribution').flavor).toBe('mariadb');
    expect(parseVersion('5.5.5-10.6.4', 'MariaDB Server')).toMatchObject({ flavor: 'mariadb', major: 10, minor: 6, patch: 4 });
    expect(parseVersion('8.0.36', 'MySQL Community Server - GPL').flavor).toBe('mysql');
  });

  it('throws on something that is not a version', () => {
    expect(() => parseVersion('garbage')).toThrow('cannot read a version number from "garbage"');
    expect(() => parseVersion('')).toThrow(/cannot read a version number/);
    expect(() => parseVersion('MariaDB')).toThrow(/cannot read a version number/);
  });
});

describe('version comparison', () => {
  it('compares numerically, not as text', () => {
    expect(compareVersions([8, 0, 9], [8, 0, 23])).toBeLessThan(0);
    expect(compareVersions([8, 0, 23], [8, 0, 9])).toBeGreaterThan(0);
    expect(compareVersions([10, 11, 0], [10, 5, 2])).toBeGreaterThan(0);
    expect(compareVersions([8, 0], [8, 0, 0])).toBe(0);
  });

  it('isAtLeast needs the flavor too', () => {
    const v = parseVersion('8.0.9');
    expect(isAtLeast(v, 'mysql', '8.0.23')).toBe(false);
    expect(isAtLeast(parseVersion('8.0.23'), 'mysql', '8.0.23')).toBe(true);
    expect(isAtLeast(parseVersion('10.11.19-MariaDB'), 'mysql', '8.0.0')).toBe(false);
    expect(isAtLeast(parseVersion('10.11.19-MariaDB'), 'mariadb', '10.5.2')).toBe(true);
  });

  it('labels versions for people', () => {
    expect(versionLabel(parseVersion('10.11.19-MariaDB-0+deb12u1'))).toBe('MariaDB 10.11.19');
    expect(versionLabel(parseVersion('8.4.0-commercial'))).toBe('MySQL 8.4.0');
  });
});
