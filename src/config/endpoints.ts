// Settings → the Endpoint each adapter connects to.
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import type { Settings } from './settings.js';

export function endpointFor(
  s: Pick<Settings, 'good' | 'bad' | 'goodSocket' | 'badSocket' | 'user' | 'password' | 'tls' | 'given'>,
  role: 'GS' | 'BS',
): Endpoint {
  const hp = role === 'GS' ? s.good : s.bad;
  return {
    label: role,
    host: hp.host,
    port: hp.port,
    socket: role === 'GS' ? s.goodSocket : s.badSocket,
    user: s.user,
    password: s.password,
    // No TLS setting at all is the clients' default (PREFERRED); an explicit --ssl-mode DISABLED is kept as such.
    tls: s.tls ?? (s.given?.includes('sslMode') ? { mode: 'DISABLED' } : undefined),
  };
}

/** A ring member other than GS and BS (BS's downstream D): the same account and TLS, over TCP. */
export function memberEndpoint(s: Pick<Settings, 'user' | 'password' | 'tls' | 'given'>, hp: { host: string; port: number }, label: string): Endpoint {
  return {
    label,
    host: hp.host,
    port: hp.port,
    user: s.user,
    password: s.password,
    tls: s.tls ?? (s.given?.includes('sslMode') ? { mode: 'DISABLED' } : undefined),
  };
}
