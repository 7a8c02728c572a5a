// The clients' option files: with no TLS setting given a client keeps its own default (PREFERRED or better), never a
// forced DISABLED; an explicit setting is written as given.
import { describe, expect, it } from 'vitest';
import { optionFileText } from '../../src/adapters/shell/option-file.js';

const BASE = { host: 'db1', port: 3306, user: 'root', password: 'pw' };
const tlsLines = (text: string) => text.split('\n').filter((l) => /ssl|public-key/.test(l));

describe('TLS lines of the option file', () => {
  it('no TLS setting: MySQL clients keep PREFERRED (and may fetch the RSA key), MariaDB clients encrypt where the server offers TLS', () => {
    expect(tlsLines(optionFileText(BASE, { flavor: 'mysql', version: '8.0.36' }))).toEqual(['get-server-public-key']);
    expect(tlsLines(optionFileText(BASE, { flavor: 'mysql', version: '5.7.44' }))).toEqual([]);
    expect(tlsLines(optionFileText({ ...BASE, serverTls: true }, { flavor: 'mariadb', version: '10.11.19' }))).toEqual(['ssl']);
    expect(tlsLines(optionFileText({ ...BASE, serverTls: false }, { flavor: 'mariadb', version: '10.11.19' }))).toEqual([]);
    // MariaDB 11.4+ clients use TLS and verify by default: nothing weaker is written.
    expect(tlsLines(optionFileText({ ...BASE, serverTls: true }, { flavor: 'mariadb', version: '11.4.2' }))).toEqual([]);
  });

  it('an explicit DISABLED is kept', () => {
    expect(tlsLines(optionFileText({ ...BASE, ssl: { mode: 'DISABLED' } }, 'mysql'))).toEqual(['ssl-mode=DISABLED']);
    expect(tlsLines(optionFileText({ ...BASE, ssl: { mode: 'DISABLED' } }, 'mariadb'))).toEqual(['skip-ssl']);
  });

  it('verification modes as given', () => {
    expect(tlsLines(optionFileText({ ...BASE, ssl: { mode: 'VERIFY_CA', ca: '/ca.pem' } }, 'mysql'))).toEqual(['ssl-mode=VERIFY_CA', 'ssl-ca="/ca.pem"']);
    expect(tlsLines(optionFileText({ ...BASE, ssl: { mode: 'VERIFY_CA', ca: '/ca.pem' } }, 'mariadb'))).toEqual([
      'ssl',
      'ssl-verify-server-cert',
      'ssl-ca="/ca.pem"',
    ]);
    expect(tlsLines(optionFileText({ ...BASE, ssl: { mode: 'REQUIRED' } }, 'mariadb'))).toEqual(['ssl', 'skip-ssl-verify-server-cert']);
  });

  it('a socket needs no TLS line', () => {
    expect(tlsLines(optionFileText({ socket: '/run/mysqld.sock', user: 'root', password: 'pw', serverTls: true }, 'mariadb'))).toEqual([]);
  });
});
