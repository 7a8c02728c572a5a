// HAProxy's runtime API on its stats socket (a unix path, or host:port for `stats socket ipv4@…`): one command per
// connection (non-interactive mode: HAProxy answers, then closes), every call bounded. Commands and their output are
// HAProxy's management guide, section 9.3 "Unix Socket commands"
// (https://docs.haproxy.org/2.6/management.html#9.3): `show info`, `show servers state <backend>`, `show stat`,
// `set server <backend>/<server> state [ready|drain|maint]`.
import { createConnection } from 'node:net';

/** What the operator gave: a unix socket path, or a TCP address. */
export type HaproxySocket = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** The administrative state the tool sets and restores (HAProxy's own words). */
export type AdminState = 'ready' | 'drain' | 'maint';

export class HaproxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HaproxyError';
  }
}

/** "/run/haproxy/admin.sock" or "127.0.0.1:9999" ([v6]:port too). Undefined when it is neither. */
export function parseSocket(text: string): HaproxySocket | undefined {
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function socketText(s: HaproxySocket): string {
  return s.kind === 'unix' ? s.path : `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

/** Send one command, return HAProxy's whole answer; refused, silent or too slow within `timeoutMs` is an error. */
export function command(sock: HaproxySocket, cmd: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  if (/[\n;]/.test(cmd)) return Promise.reject(new HaproxyError(`internal: refusing to send a HAProxy command with a newline or ';': ${cmd}`));
  const where = `HAProxy socket ${socketText(sock)}`;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HaproxyError(`not sent to ${where}: interrupted`));
    const conn = sock.kind === 'unix' ? createConnection({ path: sock.path }) : createConnection({ host: sock.host, port: sock.port });
    let out = '';
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      conn.destroy();
      if (err) reject(err);
      else resolve(out);
    };
    const onAbort = () => done(new HaproxyError(`interrupted while waiting for ${where}`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => done(new HaproxyError(`${where} did not answer "${cmd}" within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${cmd}\n`));
    conn.on('data', (d: string) => {
      out += d;
      if (out.length > 4 * 1024 * 1024) done(new HaproxyError(`${where}: answer to "${cmd}" is too long`));
    });
    conn.on('end', () => done());
    conn.on('close', () => done());
    conn.on('error', (err: NodeJS.ErrnoException) =>
      done(
        // Another server on that port (MariaDB's, say) resets the connection on a line it does not expect.
        err.code === 'ECONNRESET' || err.code === 'EPIPE'
          ? new HaproxyError(`${where} does not answer as HAProxy's runtime API (it reset the connection on "${cmd}")`)
          : new HaproxyError(`cannot reach ${where}: ${err.code ?? err.message}`),
      ),
    );
  });
}

/** `show info`: HAProxy's name and version; anything else on that socket is not HAProxy's runtime API. */
export async function showInfo(sock: HaproxySocket, timeoutMs: number, signal?: AbortSignal): Promise<{ version: string }> {
  const out = await command(sock, 'show info', timeoutMs, signal);
  const fields = new Map(
    out
      .split('\n')
      .map((l) => /^([A-Za-z_]+):\s*(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  if (fields.get('Name') !== 'HAProxy' || !fields.get('Version'))
    throw new HaproxyError(`${socketText(sock)} does not answer as HAProxy's runtime API (no "Name: HAProxy" in "show info")`);
  return { version: fields.get('Version')! };
}

export interface ServerState {
  backend: string;
  server: string;
  address: string;
  port?: number;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  operational: number;
  /** srv_uweight: the weight the server has now (round robin gives it that share). */
  weight: number;
  /** srv_admin_state, HAProxy's bit field (0x01 forced maint, 0x08 forced drain, …). */
  adminBits: number;
  /** What those bits mean, in the words `set server … state` takes. */
  admin: AdminState;
}

// srv_admin_state bits (HAProxy's include/haproxy/server-t.h, enum srv_admin): maintenance forced (0x01), inherited
// (0x02), from the configuration (0x04), from a failed resolution (0x20); drain forced (0x08), inherited (0x10).
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN_BITS = 0x08 | 0x10;

export function adminStateOf(bits: number): AdminState {
  return bits & MAINT_BITS ? 'maint' : bits & DRAIN_BITS ? 'drain' : 'ready';
}

/** Parse `show servers state` (format 1: a header line "# be_id be_name srv_id srv_name …", then one line a server). */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').map((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# be_id'));
  if (!header) throw new HaproxyError(`unexpected answer to "show servers state": ${lines.find((l) => l) ?? '(empty)'}`);
  const cols = header.slice(2).split(/\s+/);
  const at = (name: string) => cols.indexOf(name);
  const out: ServerState[] = [];
  for (const l of lines) {
    if (!l || l.startsWith('#') || /^\d+$/.test(l)) continue;
    const f = l.split(/\s+/);
    if (f.length < cols.length - 2) continue;
    const bits = Number(f[at('srv_admin_state')]);
    out.push({
      backend: f[at('be_name')],
      server: f[at('srv_name')],
      address: f[at('srv_addr')],
      ...(at('srv_port') >= 0 && /^\d+$/.test(f[at('srv_port')] ?? '') ? { port: Number(f[at('srv_port')]) } : {}),
      operational: Number(f[at('srv_op_state')]),
      weight: Number(f[at('srv_uweight')]),
      adminBits: bits,
      admin: adminStateOf(bits),
    });
  }
  return out;
}

/** The state of one server; a backend or server HAProxy does not know is an error naming it. */
/** Every server of a backend, as `show servers state` gives them. */
export async function backendServers(sock: HaproxySocket, backend: string, timeoutMs: number, signal?: AbortSignal): Promise<ServerState[]> {
  const out = await command(sock, `show servers state ${backend}`, timeoutMs, signal);
  if (/can't find backend/i.test(out)) throw new HaproxyError(`HAProxy at ${socketText(sock)} has no backend "${backend}"`);
  return parseServersState(out).filter((s) => s.backend === backend);
}

export async function serverState(sock: HaproxySocket, backend: string, server: string, timeoutMs: number, signal?: AbortSignal): Promise<ServerState> {
  const found = (await backendServers(sock, backend, timeoutMs, signal)).find((s) => s.server === server);
  if (!found) throw new HaproxyError(`HAProxy at ${socketText(sock)} has no server "${server}" in backend "${backend}"`);
  return found;
}

/** `set server <backend>/<server> state <state>`: HAProxy answers nothing when it took it, a message when not. */
export async function setServerState(
  sock: HaproxySocket,
  backend: string,
  server: string,
  state: AdminState,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const out = (await command(sock, `set server ${backend}/${server} state ${state}`, timeoutMs, signal)).trim();
  if (out) throw new HaproxyError(`HAProxy at ${socketText(sock)} refused "set server ${backend}/${server} state ${state}": ${out.split('\n')[0]}`);
}

interface StatRow {
  server: string;
  current: number;
  total: number;
  status: string;
}

/** `show stat` for one backend: per server, the sessions now (scur), since HAProxy started (stot), and its status. */
export async function backendStats(sock: HaproxySocket, backend: string, timeoutMs: number, signal?: AbortSignal): Promise<StatRow[]> {
  const out = await command(sock, 'show stat', timeoutMs, signal);
  const lines = out.split('\n').filter((l) => l.trim());
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const col = (f: string[], name: string) => f[header.indexOf(name)];
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => col(f, 'pxname') === backend && !['FRONTEND', 'BACKEND'].includes(col(f, 'svname')))
    .map((f) => ({ server: col(f, 'svname'), current: Number(col(f, 'scur')), total: Number(col(f, 'stot')), status: col(f, 'status') }));
}

/** `show stat`: one server's sessions now (scur) and since HAProxy started (stot). */
export async function serverCounters(
  sock: HaproxySocket,
  backend: string,
  server: string,
  timeoutMs: number,
): Promise<{ current: number; total: number; status: string }> {
  const row = (await backendStats(sock, backend, timeoutMs)).find((r) => r.server === server);
  if (!row) throw new HaproxyError(`HAProxy at ${socketText(sock)} has no server "${server}" in backend "${backend}"`);
  return { current: row.current, total: row.total, status: row.status };
}
