// A throwaway CA and certificates for a TLS lab, made with the openssl command line.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabTls {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export async function makeCertificates(dir: string): Promise<LabTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (n: string) => join(dir, n);
  const openssl = (args: string[]) => run('openssl', args, { timeout: 60_000 });
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=mmrecover lab CA',
    '-keyout',
    f('ca-key.pem'),
    '-out',
    f('ca.pem'),
  ]);
  for (const who of ['server', 'client']) {
    await openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who === 'server' ? '127.0.0.1' : 'mmrecover lab client'}`,
      '-keyout',
      f(`${who}-key.pem`),
      '-out',
      f(`${who}.csr`),
    ]);
    await openssl([
      'x509',
      '-req',
      '-in',
      f(`${who}.csr`),
      '-days',
      '30',
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca-key.pem'),
      '-set_serial',
      who === 'server' ? '1' : '2',
      '-out',
      f(`${who}.pem`),
    ]);
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server-key.pem'), clientCert: f('client.pem'), clientKey: f('client-key.pem') };
}
