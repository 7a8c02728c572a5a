import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { UsageError } from '../../src/base/errors.js';

const cwd = mkdtempSync(join(tmpdir(), 'mmrecover-config-'));
const load = (flags: Record<string, unknown>, env: Record<string, string> = {}, dir = cwd) => loadSettings({ flags, env, cwd: dir });
const error = (flags: Record<string, unknown>, env: Record<string, string> = {}) => {
  try {
    load(flags, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('settings', () => {
  it('refuses --parallel with a method that copies data files, in one line', () => {
    expect(error({ good: 'a', bad: 'b', method: 'physical', parallel: 2 })).toMatch(/--parallel splits a logical copy .* --method physical copies data files/);
    expect(error({ good: 'a', bad: 'b', method: 'clone', parallel: 4 })).toMatch(/--method clone copies data files/);
    expect(load({ good: 'a', bad: 'b', method: 'online', parallel: 2 }).parallel).toBe(2);
  });

  it('fills defaults and splits host:port', () => {
    const s = load({ good: 'db1:3307', bad: 'db2' }, { MMRECOVER_PASSWORD: 'x', MMRECOVER_REPL_PASSWORD: 'y' });
    expect(s.good).toEqual({ host: 'db1', port: 3307 });
    expect(s.bad).toEqual({ host: 'db2', port: 3306 });
    expect(s.goodAddress).toEqual(s.good);
    expect(s.user).toBe('root');
    expect(s.replUser).toBe('repl');
    expect(s.method).toBe('classic');
    expect(s.password).toBe('x');
    expect(s.replPassword).toBe('y');
  });

  it('names the setting in one line for bad values', () => {
    expect(error({ good: 'db1:0', bad: 'db2' })).toMatch(/--good .*port 0/);
    expect(error({ good: 'db1:70000', bad: 'db2' })).toMatch(/--good .*port 70000/);
    expect(error({ good: 'db1:abc', bad: 'db2' })).toMatch(/--good .*not a number/);
    expect(error({ good: '', bad: 'db2' })).toMatch(/--good/);
    expect(error({ good: 'db1', bad: 'db2', user: '' })).toMatch(/--user must not be empty/);
    expect(error({ good: 'db1', bad: 'db2', lockWaitTimeout: 'soon' })).toMatch(/--lock-wait-timeout/);
    expect(error({ good: 'db1', bad: 'db2', method: 'fast' })).toMatch(/--method must be classic, online, physical or clone/);
    expect(error({ bad: 'db2' })).toMatch(/--good is required/);
    expect(error({ good: 'db1' })).toMatch(/--bad is required/);
    expect(error({ good: 'db1', bad: 'db2', sslCa: '/nonexistent/ca.pem' })).toMatch(/--ssl-ca: \/nonexistent\/ca.pem does not exist/);
    expect(error({ good: 'db1', bad: 'db2', config: '/nonexistent.json' })).toMatch(/--config: file .* does not exist/);
  });

  it('reads a JSON config file, flags win, unknown keys are refused', () => {
    const file = join(cwd, 'c.json');
    writeFileSync(file, JSON.stringify({ good: 'a:1', bad: 'b:2', replUser: 'r2', method: 'online' }));
    const s = load({ config: file, bad: 'c:3' });
    expect(s.good).toEqual({ host: 'a', port: 1 });
    expect(s.bad).toEqual({ host: 'c', port: 3 });
    expect(s.replUser).toBe('r2');
    writeFileSync(file, JSON.stringify({ good: 'a', bad: 'b', pasword: 'x' }));
    expect(error({ config: file })).toMatch(/unknown setting "pasword"/);
    writeFileSync(file, JSON.stringify({ good: 'a', bad: 'b', replicaTimeout: 'long' }));
    expect(error({ config: file })).toMatch(/--replica-timeout/);
    writeFileSync(file, '{ not json');
    expect(error({ config: file })).toMatch(/not valid JSON/);
  });

  it('takes passwords from a config file only when no one else can read it; the environment wins', () => {
    const file = join(cwd, 'secret.json');
    writeFileSync(file, JSON.stringify({ good: 'a', bad: 'b', password: 'from-config', replPassword: 'repl-from-config' }), { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(error({ config: file })).toMatch(/holds a password but others can read it \(mode 644\); run chmod 600/);
    chmodSync(file, 0o600);
    expect(load({ config: file })).toMatchObject({ password: 'from-config', replPassword: 'repl-from-config' });
    expect(load({ config: file }, { MMRECOVER_PASSWORD: 'env' })).toMatchObject({ password: 'env', replPassword: 'repl-from-config' });
    writeFileSync(file, JSON.stringify({ good: 'a', bad: 'b', password: 42 }));
    expect(error({ config: file })).toMatch(/"password" in .* must be a non-empty string/);
  });

  it('takes passwords from the environment over .env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmrecover-dotenv-'));
    writeFileSync(join(dir, '.env'), 'MMRECOVER_PASSWORD=fromfile\nMMRECOVER_REPL_PASSWORD="it\'s #1"\n');
    const s = load({ good: 'a', bad: 'b' }, { MMRECOVER_PASSWORD: 'fromenv' }, dir);
    expect(s.password).toBe('fromenv');
    expect(s.replPassword).toBe("it's #1");
  });
});
