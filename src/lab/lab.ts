// The lab: two real MariaDB servers replicating master-master, configured as the seed sets them up; or a ring of
// 3 to 6 masters (a → b → … → a: each replicates from the one before it, the first from the last, log_slave_updates
// on, auto_increment_increment n with offsets 1..n).
// Used by the tests, the demo and the benchmark, and by operators to rehearse (`mmrecover lab up`).
import { host } from '../base/host.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ServerSession } from '../adapters/mysql/session.js';
import type { Endpoint } from '../adapters/mysql/endpoint.js';
import { readCoordinates, readReplicaStatus, replicaRunning, type ReplicaStatus } from '../adapters/mysql/replication.js';
import { pollUntil } from '../base/poll.js';
import { stmt } from '../dialect/statement.js';
import { UsageError } from '../base/errors.js';
import { stateDir } from '../config/paths.js';
import {
  assertPortFree,
  freePort,
  initDatadir,
  labTemplate,
  isRunning,
  mariadbdPath,
  serverArgs,
  startServer,
  stopServer,
  type LabServer,
  type ServerSpec,
} from './mariadbd.js';
import { currentPid, serviceCommands, writeServiceScripts } from './service.js';
import { makeCertificates, type LabTls } from './tls.js';
import { startHaproxy, stopHaproxy, type LabHaproxy } from './haproxy.js';

import { MEMBERS, parseMasters, type LabName, type Which } from './members.js';

export { MEMBERS, MAX_MASTERS, isMember, parseMasters, type LabName, type Which } from './members.js';

export interface LabOptions {
  dir?: string;
  gtid?: boolean;
  tls?: boolean;
  portA?: number;
  portB?: number;
  /** Server c's port, in a ring (the other members beyond b get free ports). */
  portC?: number;
  /** `lab up --replica`: server r, a replica of a (not a master: nothing replicates from it), for --donor. */
  replica?: boolean;
  portR?: number;
  /** 2: a master-master pair (default); 3 to 6: a ring a → b → … → a. */
  masters?: number;
  adminPassword?: string;
  replUser?: string;
  replPassword?: string;
  /** Extra sql_mode flags for both servers (e.g. NO_BACKSLASH_ESCAPES), set globally at start. */
  sqlMode?: string;
  /** Debian's HAProxy in front of the members (TCP mode, one backend, a stats socket in the lab directory). */
  haproxy?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Throwaway credentials of a local lab (never production): note the `#` and `;`, and the quotes and unicode. */
export const LAB_ADMIN_PASSWORD = 'labroot#;pw';
export const LAB_REPL_PASSWORD = 'it\'s "q\\uote\\\\d" ñ';

export interface LabState {
  dir: string;
  ownsDir: boolean;
  gtid: boolean;
  /** Extra sql_mode flags both servers start with. */
  sqlMode?: string;
  tls?: LabTls;
  adminUser: string;
  adminPassword: string;
  replUser: string;
  replPassword: string;
  a: LabServer;
  b: LabServer;
  /** The members beyond b, in a ring of 3 to 6 (absent in a pair). */
  c?: LabServer;
  d?: LabServer;
  e?: LabServer;
  f?: LabServer;
  /** Server r, a replica of a (`lab up --replica`), absent otherwise. */
  r?: LabServer;
  /** The number of members: absent in a pair, 3 to 6 in a ring. */
  masters?: number;
  /** `lab up --haproxy`: where HAProxy listens and its stats socket. */
  haproxy?: LabHaproxy;
  createdAt: string;
}

/** Tables every lab holds; the break modes and tests write to them. */
const SCHEMA = [
  'CREATE DATABASE shop',
  'CREATE TABLE shop.customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128), created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB',
  'CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note VARCHAR(255), created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY (customer_id)) ENGINE=InnoDB',
  "INSERT INTO shop.customers (id, name, email, created_at) SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.com'), '2026-01-01 00:00:00' FROM shop.seq_1_to_40",
  "INSERT INTO shop.orders (id, customer_id, amount, note, created_at) SELECT seq, 1 + seq % 40, seq * 1.25, CONCAT('seed order ', seq), '2026-01-01 00:00:00' FROM shop.seq_1_to_200",
];

export class Lab {
  constructor(readonly state: LabState) {}

  get dir(): string {
    return this.state.dir;
  }
  get a(): LabServer {
    return this.server('a');
  }
  get b(): LabServer {
    return this.server('b');
  }
  get gtid(): boolean {
    return this.state.gtid;
  }
  get masters(): number {
    return this.state.masters ?? this.members.length;
  }

  /** The commands that stop and start a lab server as a service would (for --bad-stop-command/--bad-start-command). */
  serviceCommands(which: Which): { stop: string; start: string } {
    return serviceCommands(this.server(which));
  }
  /** The members in replication order: a, b (a pair) or a, b, c… (a ring a → b → … → a). */
  get members(): Which[] {
    return MEMBERS.filter((w) => this.state[w] !== undefined);
  }
  /** Every server of the lab: the members, then the replica r when there is one. */
  get all(): LabName[] {
    return this.state.r ? [...this.members, 'r'] : this.members;
  }
  /** The server, with the pid it runs under now (its service script may have restarted it: see service.ts). */
  server(which: LabName): LabServer {
    const s = this.state[which];
    if (!s) throw new UsageError(`lab: no server ${which} in this lab (it has ${this.all.join(', ')})`);
    return { ...s, pid: currentPid(s) };
  }
  /** The other server of a pair; in a ring, the upstream (the one `which` replicates from). */
  other(which: Which): Which {
    return this.upstream(which);
  }
  /** The member `which` replicates from. */
  upstream(which: Which): Which {
    const m = this.members;
    return m[(m.indexOf(which) + m.length - 1) % m.length];
  }
  /** The member replicating from `which`. */
  downstream(which: Which): Which {
    const m = this.members;
    return m[(m.indexOf(which) + 1) % m.length];
  }

  /** How mmrecover connects to a lab server over TCP (as an operator would). */
  endpoint(which: LabName, label = which.toUpperCase()): Endpoint {
    const s = this.server(which);
    return {
      label,
      host: s.host,
      port: s.port,
      user: this.state.adminUser,
      password: this.state.adminPassword,
      tls: this.state.tls ? { mode: 'VERIFY_CA', ca: this.state.tls.ca, cert: this.state.tls.clientCert, key: this.state.tls.clientKey } : undefined,
    };
  }

  /** An admin session over the server's socket. */
  connect(which: LabName, label = which.toUpperCase()): Promise<ServerSession> {
    return ServerSession.connect({ ...this.endpoint(which, label), socket: this.server(which).socket, tls: undefined });
  }

  /** The environment an mmrecover run against this lab needs. */
  env(): Record<string, string> {
    return { MMRECOVER_PASSWORD: this.state.adminPassword, MMRECOVER_REPL_PASSWORD: this.state.replPassword };
  }

  save(): void {
    writeFileSync(join(this.dir, 'lab.json'), JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  /** Crash a server (SIGKILL), for fault injection. */
  kill(which: LabName): void {
    const pid = this.server(which).pid;
    if (isRunning(pid)) host().kill(pid, 'SIGKILL');
  }

  /** Freeze a server (SIGSTOP): its disk stalls, its host swaps, a network path drops packets. thaw() undoes it. */
  freeze(which: LabName): void {
    host().kill(this.server(which).pid, 'SIGSTOP');
  }

  thaw(which: LabName): void {
    const pid = this.server(which).pid;
    if (isRunning(pid)) host().kill(pid, 'SIGCONT');
  }

  isUp(which: LabName): boolean {
    return isRunning(this.server(which).pid);
  }

  /** Restart a server, optionally with extra mariadbd options (e.g. --skip-log-bin to make it no master). */
  async restart(which: LabName, extraArgs: string[] = []): Promise<void> {
    await stopServer(this.server(which).pid);
    const s = this.server(which);
    const base = spec(s.name, s.dir, s.port, s.serverId, { ...this.state, masters: this.masters });
    const started = await startServer({ ...base, extraArgs: [...(base.extraArgs ?? []), ...extraArgs] });
    writeServiceScripts(started, serverArgs({ ...base, extraArgs: [...(base.extraArgs ?? []), ...extraArgs] }));
    this.state[which] = started;
    this.save();
  }

  /**
   * Stop every server and remove the lab's data (unless the operator gave the directory and asked to keep it).
   * `discard`: the data is thrown away, so the servers are SIGKILLed instead of shut down cleanly (tests).
   */
  async stop(opts: { keep?: boolean; discard?: boolean } = {}): Promise<void> {
    if (this.state.haproxy) await stopHaproxy(this.state.haproxy);
    await Promise.all(this.all.map((w) => stopServer(this.server(w).pid, opts.discard && !opts.keep ? 0 : undefined)));
    if (!opts.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

type SpecState = Pick<LabState, 'gtid' | 'tls' | 'sqlMode' | 'masters'>;

function spec(name: LabName, dir: string, port: number, serverId: number, st: SpecState): ServerSpec {
  return {
    name,
    dir,
    port,
    serverId,
    gtid: st.gtid,
    masters: st.masters ?? 2,
    tls: st.tls ? { ca: st.tls.ca, cert: st.tls.serverCert, key: st.tls.serverKey } : undefined,
    // The server's default modes plus the ones asked for.
    extraArgs: st.sqlMode ? [`--sql-mode=STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION,${st.sqlMode}`] : [],
  };
}

function pointerFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'lab-current');
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  mariadbdPath(); // fails with the install command when missing
  if (opts.portA) await assertPortFree(opts.portA, '--port-a');
  if (opts.portB) await assertPortFree(opts.portB, '--port-b');
  if (opts.portC) await assertPortFree(opts.portC, '--port-c');
  if (opts.portR) await assertPortFree(opts.portR, '--port-r');
  if (opts.portR && !opts.replica) throw new UsageError('--port-r needs --replica');
  const masters = parseMasters(opts.masters ?? 2);
  if (opts.portC && masters < 3) throw new UsageError('--port-c needs a ring: --masters 3 or more');
  const given = [opts.portA, opts.portB, opts.portC, opts.portR].filter((p) => p !== undefined);
  if (new Set(given).size !== given.length) throw new UsageError('--port-a, --port-b, --port-c and --port-r must differ');
  const ownsDir = !opts.dir;
  const dir = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), 'mmrecover-lab-'));
  if (opts.dir) {
    if (existsSync(join(dir, 'lab.json'))) throw new UsageError(`--dir ${dir} already holds a lab; run "mmrecover lab down" first or choose another directory`);
    mkdirSync(dir, { recursive: true });
  }
  const tls = opts.tls ? await makeCertificates(join(dir, 'tls')) : undefined;
  const st: SpecState = { gtid: Boolean(opts.gtid), tls, sqlMode: opts.sqlMode, ...(masters > 2 ? { masters } : {}) };
  const members: Which[] = MEMBERS.slice(0, masters);
  const names: LabName[] = [...members];
  // The replica r comes last, with server_id 9 (no member's id) and the same options as a member.
  if (opts.replica) names.push('r');
  const requested: Partial<Record<LabName, number>> = { a: opts.portA, b: opts.portB, c: opts.portC, r: opts.portR };
  const ports: number[] = [];
  for (const n of names) ports.push(requested[n] ?? (await freePort()));
  const started: LabServer[] = [];
  try {
    // A template datadir (MMRECOVER_LAB_TEMPLATE: the test run installs one) spares each lab mariadb-install-db.
    // With a template every datadir copies it at once; without, a is installed and the others copy a.
    const template = labTemplate(host().env);
    if (template) await Promise.all(names.map((n) => initDatadir(join(dir, n, 'data'), template)));
    else {
      await initDatadir(join(dir, 'a', 'data'));
      await Promise.all(names.slice(1).map((n) => initDatadir(join(dir, n, 'data'), join(dir, 'a', 'data'))));
    }
    const servers = await Promise.all(
      names.map(async (n, i) => {
        // A port found free may be taken before the server binds it (any client connection's ephemeral port can land
        // on it): a port the lab chose itself is chosen again; one the operator asked for is not.
        for (let attempt = 1; ; attempt++) {
          const sp = spec(n, join(dir, n), ports[i], n === 'r' ? 9 : i + 1, st);
          try {
            const s = await startServer(sp);
            writeServiceScripts(s, serverArgs(sp));
            started.push(s);
            return s;
          } catch (err) {
            if (requested[n] !== undefined || attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
            ports[i] = await freePort();
          }
        }
      }),
    );
    const r = opts.replica ? servers.pop() : undefined;
    const [a, b, ...rest] = servers;
    const lab = new Lab({
      dir,
      ownsDir,
      ...st,
      adminUser: 'root',
      adminPassword: opts.adminPassword ?? LAB_ADMIN_PASSWORD,
      replUser: opts.replUser ?? 'repl',
      replPassword: opts.replPassword ?? LAB_REPL_PASSWORD,
      a,
      b,
      ...Object.fromEntries(rest.map((s, i) => [members[i + 2], s])),
      ...(r ? { r } : {}),
      createdAt: new Date().toISOString(),
    });
    await configureReplication(lab);
    if (opts.haproxy) {
      // The free port may be taken before HAProxy binds it (another lab starting): a few tries, each on a new port.
      for (let attempt = 1; ; attempt++) {
        try {
          lab.state.haproxy = await startHaproxy(
            dir,
            await freePort(),
            lab.members.map((w) => ({ name: w, port: lab.server(w).port })),
          );
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    }
    lab.save();
    mkdirSync(dirname(pointerFile(opts.env ?? host().env)), { recursive: true });
    writeFileSync(pointerFile(opts.env ?? host().env), dir + '\n');
    return lab;
  } catch (err) {
    await Promise.all(started.map((s) => stopServer(s.pid)));
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The lab started last (or the one in `dir`). */
export function loadLab(dir?: string, env: NodeJS.ProcessEnv = host().env): Lab {
  const pointer = pointerFile(env);
  const d = dir ? resolve(dir) : existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : undefined;
  if (!d || !existsSync(join(d, 'lab.json'))) throw new UsageError('no lab is running; start one with "mmrecover lab up"');
  return new Lab(JSON.parse(readFileSync(join(d, 'lab.json'), 'utf8')) as LabState);
}

export function forgetLab(lab: Lab, env: NodeJS.ProcessEnv = host().env): void {
  const pointer = pointerFile(env);
  if (existsSync(pointer) && readFileSync(pointer, 'utf8').trim() === lab.dir) rmSync(pointer, { force: true });
}

/**
 * Accounts, the shop schema (identical on every member, kept out of the binary logs), then replication: both ways in
 * a pair, round the ring in a ring (each member from its upstream).
 */
async function configureReplication(lab: Lab): Promise<void> {
  const st = lab.state;
  const members = lab.members;
  const sessions = await Promise.all(
    lab.all.map((w) => {
      const srv = lab.server(w);
      return ServerSession.connect({ label: w.toUpperCase(), host: '127.0.0.1', port: srv.port, socket: srv.socket, user: 'root', password: '' });
    }),
  );
  try {
    for (const s of sessions) {
      // The session's own quoting: a lab may run with NO_BACKSLASH_ESCAPES in its sql_mode.
      const literal = s.dialect.literal;
      const pw = literal(st.adminPassword);
      // mariadb-install-db leaves password-less root@127.0.0.1/::1/<hostname> and anonymous accounts: TCP logins
      // would match those before root@'%'. Keep only root@localhost (the socket).
      const strays = await s.query("SELECT User, Host FROM mysql.user WHERE (User = 'root' AND Host <> 'localhost') OR User = ''");
      await s.query('SET SESSION sql_log_bin = 0');
      for (const r of strays) await s.query(stmt(`DROP USER ${literal(String(r.User))}@${literal(String(r.Host))}`));
      for (const sql of [
        `ALTER USER root@localhost IDENTIFIED BY ${pw}`,
        `CREATE USER root@'%' IDENTIFIED BY ${pw}`,
        "GRANT ALL PRIVILEGES ON *.* TO root@'%' WITH GRANT OPTION",
        `CREATE USER ${literal(st.replUser)}@'%' IDENTIFIED BY ${literal(st.replPassword)}${st.tls ? ' REQUIRE SSL' : ''}`,
        `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ${literal(st.replUser)}@'%'`,
        ...SCHEMA,
        'SET SESSION sql_log_bin = 1',
      ])
        await s.query(stmt(sql));
    }
    // Each server replicates from its upstream (the other one, in a pair), starting at its current end of binary log.
    const coords = await Promise.all(sessions.map((s) => readCoordinates(s)));
    for (const [i, s] of sessions.entries()) {
      // The replica r replicates from a; nothing replicates from r.
      const up = i >= members.length ? 0 : members.indexOf(lab.upstream(members[i]));
      const source = lab.server(members[up]);
      const c = coords[up];
      if (st.gtid) await s.query(s.dialect.setGtidSlavePos(''));
      await s.query(
        s.dialect.changeSource({
          host: '127.0.0.1',
          port: source.port,
          user: st.replUser,
          password: st.replPassword,
          ...(st.gtid ? { gtid: true } : { file: c.file, position: c.position }),
          connectRetrySeconds: 1,
          tls: st.tls ? { ca: st.tls.ca } : undefined,
        }),
      );
      await s.query(s.dialect.startReplica());
    }
    await waitForPairRunning(sessions);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

async function waitForPairRunning(sessions: ServerSession[], timeoutMs = 30_000): Promise<void> {
  let last: ReplicaStatus[] = [];
  const running = await pollUntil(
    async () => {
      last = await Promise.all(sessions.map((s) => readReplicaStatus(s)));
      return last.every(replicaRunning) || undefined;
    },
    { everyMs: 100, timeoutMs },
  );
  if (running) return;
  const err = last.find((r) => r.lastIoErrno || r.lastSqlErrno);
  throw new Error(`lab replication did not start: ${err ? `${err.lastIoError || err.lastSqlError}` : 'threads not running'}`);
}
