// The environment every client program is started with (dump, import, binlog reader, even a --version probe):
// credentials reach them only through 0600 option files, so the tool's own password variables (and MYSQL_PWD, which
// the clients would read) are left out, and no child process ever holds a password.
import { host } from '../../base/host.js';
export function clientEnv(env: NodeJS.ProcessEnv = host().env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/^MMRECOVER_.*PASSWORD$|^MYSQL_PWD$/.test(k)) out[k] = v;
  return out;
}
