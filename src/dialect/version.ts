// Server flavor and version, parsed numerically. Pure: no I/O.

export type Flavor = 'mysql' | 'mariadb';

export interface ServerVersion {
  flavor: Flavor;
  major: number;
  minor: number;
  patch: number;
  /** The version string as the server reported it. */
  raw: string;
}

/**
 * Parse `SELECT VERSION()` (and optionally @@version_comment).
 * "10.11.19-MariaDB-0+deb12u1" → MariaDB 10.11.19; "5.5.5-10.6.4-MariaDB" (old handshake) → MariaDB 10.6.4;
 * "8.0.36" / "8.4.0-commercial" / "9.1.0" → MySQL.
 */
export function parseVersion(raw: string, versionComment = ''): ServerVersion {
  const text = raw.trim();
  const mariadb = /mariadb/i.test(text) || /mariadb/i.test(versionComment);
  // Old MariaDB handshakes prefix a fake 5.5.5- before the real version.
  const cleaned = mariadb ? text.replace(/^5\.5\.5-/, '') : text;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(cleaned);
  if (!m) throw new Error(`cannot read a version number from "${raw}"`);
  return { flavor: mariadb ? 'mariadb' : 'mysql', major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: text };
}

/** Compare two dotted versions numerically: negative, zero or positive. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `v` is of `flavor` and at least `min` ("8.0.22"). */
export function isAtLeast(v: ServerVersion, flavor: Flavor, min: string): boolean {
  return v.flavor === flavor && compareVersions([v.major, v.minor, v.patch], min.split('.').map(Number)) >= 0;
}

/** "mysql-8.4.3" / "mariadb-11.4.2" (--assume) → the version a server would report. */
export function parseAssumedVersion(text: string): ServerVersion {
  const m = /^(mysql|mariadb)-(\d+\.\d+(?:\.\d+)?)$/i.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a flavor and a version (mysql-8.4.3, mariadb-11.4.2)`);
  return m[1].toLowerCase() === 'mariadb' ? parseVersion(`${m[2]}-MariaDB`) : parseVersion(m[2]);
}

/** --client-version "8.0.36" / "mysql-8.0.36" (with --assume): the client programs' flavor and version. */
export function parseClientChoice(text: string, defaultFlavor: Flavor): { flavor: Flavor; version: string } {
  const m = /^(?:(mysql|mariadb)-)?(\d+\.\d+)(?:\.(\d+))?$/i.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a client version (8.4.3, mysql-8.0.36, mariadb-10.11.9)`);
  return { flavor: (m[1]?.toLowerCase() as Flavor | undefined) ?? defaultFlavor, version: `${m[2]}.${m[3] ?? 0}` };
}

/** The versions the tool knows the statements of: MySQL 5.7 to 9.x, MariaDB 10.x and 11.x. */
export function isCovered(v: ServerVersion): boolean {
  const n = [v.major, v.minor, v.patch];
  return v.flavor === 'mysql' ? compareVersions(n, [5, 7]) >= 0 && v.major <= 9 : v.major === 10 || v.major === 11;
}

export function versionLabel(v: ServerVersion): string {
  return `${v.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${v.major}.${v.minor}.${v.patch}`;
}
