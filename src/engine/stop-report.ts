// The exact command to go on after a stop.
import type { Settings } from '../config/settings.js';
import { shellQuote } from '../dialect/quote.js';

export function resumeCommand(s: Settings, journalPath: string): string {
  const parts = ['mmrecover', 'recover', '--good', `${s.good.host}:${s.good.port}`, '--bad', `${s.bad.host}:${s.bad.port}`];
  if (s.goodSocket) parts.push('--good-socket', s.goodSocket);
  if (s.badSocket) parts.push('--bad-socket', s.badSocket);
  if (s.user !== 'root') parts.push('--user', s.user);
  if (s.replUser !== 'repl') parts.push('--repl-user', s.replUser);
  if (s.method !== 'classic') parts.push('--method', s.method);
  parts.push('--resume', '--journal', journalPath);
  return parts.map(shellQuote).join(' ');
}
