// What an account may do, read from SHOW GRANTS: pure statements and parsing (unit-tested in test/unit/grants.test.ts).
// SHOW GRANTS without USING lists the roles an account holds, not the privileges those roles carry
// (https://dev.mysql.com/doc/refman/8.0/en/show-grants.html: "SHOW GRANTS [FOR user_or_role [USING role [, role] ...]]";
// (paraphrase) with USING, the privileges of each named role granted to the account are shown with the account's own).
import { literal, stmt, type Quoting, type Statement } from './statement.js';

/** An account or role as MySQL names it: user@host. */
export interface Account {
  user: string;
  host: string;
}

/** "`r1`@`%`,`r2`@`localhost`" (CURRENT_ROLE()) or "NONE" → the roles. */
export function parseRoleList(text: string | null | undefined): Account[] {
  const t = String(text ?? '').trim();
  if (!t || t.toUpperCase() === 'NONE') return [];
  const out: Account[] = [];
  for (const m of t.matchAll(/`((?:[^`]|``)*)`@`((?:[^`]|``)*)`/g)) out.push({ user: m[1].replace(/``/g, '`'), host: m[2].replace(/``/g, '`') });
  return out;
}

const account = (a: Account, q?: Quoting) => `${literal(a.user, q)}@${literal(a.host, q)}`;

/** SHOW GRANTS FOR the account, with the privileges of `roles` (granted to it) included. */
export function showGrantsUsing(who: Account | 'CURRENT_USER()', roles: readonly Account[], q?: Quoting): Statement {
  const target = who === 'CURRENT_USER()' ? who : account(who, q);
  return stmt(`SHOW GRANTS FOR ${target}${roles.length ? ` USING ${roles.map((r) => account(r, q)).join(', ')}` : ''}`);
}

/** Whether SHOW GRANTS lines give `privilege` globally (ON *.*), by name or through ALL [PRIVILEGES]. */
export function grantsInclude(lines: readonly string[], privilege: string): boolean {
  const want = privilege.toUpperCase();
  return lines.some((line) => {
    const m = /^GRANT\s+(.+?)\s+ON\s+\*\.\*\s+TO\s/i.exec(line.trim());
    if (!m) return false;
    const privs = m[1].split(',').map((p) => p.trim().toUpperCase());
    return privs.includes(want) || privs.includes('ALL') || privs.includes('ALL PRIVILEGES');
  });
}

/**
 * The account the server authenticates `user` connecting from `peerHost` as, among its host patterns: an exact host
 * before a pattern, a pattern with fewer wildcards before one with more ('%' last), as the server sorts them
 * (https://dev.mysql.com/doc/refman/8.0/en/connection-access.html: "The server uses sorting rules that order rows
 * with the most-specific Host values first").
 */
export function matchingAccount(user: string, hosts: readonly string[], peerHost: string): Account | undefined {
  const like = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.')}$`,
      'i',
    ).test(peerHost);
  const wild = (h: string) => (h.match(/[%_]/g) ?? []).length;
  const candidates = hosts.filter((h) => h === peerHost || like(h));
  candidates.sort((a, b) => wild(a) - wild(b) || (a === '%' ? 1 : 0) - (b === '%' ? 1 : 0) || b.length - a.length);
  return candidates.length ? { user, host: candidates[0] } : undefined;
}
