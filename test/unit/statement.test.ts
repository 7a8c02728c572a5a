// Golden tests for statement text: literals escaped as the server parses them, secrets masked only in `shown`.
import { describe, expect, it } from 'vitest';
import { ident, literal, MASK, stmt, withSecrets } from '../../src/dialect/statement.js';

const NASTY = String.raw`it's "q\uote\\d" ñ`;

describe('literal', () => {
  it('escapes quotes and backslashes and keeps unicode as is', () => {
    expect(literal(NASTY)).toBe(String.raw`'it\'s \"q\\uote\\\\d\" ñ'`);
  });

  it('needs nothing for # and ; inside quotes', () => {
    expect(literal('#;')).toBe(`'#;'`);
    expect(literal('a#b;c')).toBe(`'a#b;c'`);
  });

  it('escapes NUL and newlines', () => {
    expect(literal('a\0b\nc')).toBe(String.raw`'a\0b\nc'`);
  });
});

describe('withSecrets', () => {
  it('sends the secret escaped and shows it masked', () => {
    const s = withSecrets(['CHANGE MASTER TO MASTER_PASSWORD=', { secret: NASTY }, ', MASTER_PORT=3306']);
    expect(s.sql).toBe(String.raw`CHANGE MASTER TO MASTER_PASSWORD='it\'s \"q\\uote\\\\d\" ñ', MASTER_PORT=3306`);
    expect(s.shown).toBe("CHANGE MASTER TO MASTER_PASSWORD='********', MASTER_PORT=3306");
    expect(s.shown).not.toContain('q\\uote');
    expect(MASK).toBe("'********'");
  });

  it('plain statements show what they send', () => {
    expect(stmt('STOP REPLICA')).toEqual({ sql: 'STOP REPLICA', shown: 'STOP REPLICA' });
  });
});

describe('ident', () => {
  it('backtick-quotes and doubles backticks', () => {
    expect(ident('shop')).toBe('`shop`');
    expect(ident('we`ird')).toBe('`we``ird`');
  });
});

describe('literal under NO_BACKSLASH_ESCAPES', () => {
  const nbe = { noBackslashEscapes: true };
  it('doubles the quote and leaves backslashes alone', () => {
    expect(literal(NASTY, nbe)).toBe(String.raw`'it''s "q\uote\\d" ñ'`);
    expect(withSecrets(['PW=', { secret: NASTY }], nbe).sql).toBe(String.raw`PW='it''s "q\uote\\d" ñ'`);
  });
  it('refuses a NUL, which that mode cannot write', () => {
    expect(() => literal('a\0b', nbe)).toThrow(/NUL/);
  });
});
