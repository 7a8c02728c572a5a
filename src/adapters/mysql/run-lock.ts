// One run per pair, whatever host it runs from (issue 24): a named lock (GET_LOCK) held on GS and on BS for the whole
// run, each on a session of its own that does nothing else. The server releases a named lock when its session ends
// (https://mariadb.com/kb/en/get_lock/, https://dev.mysql.com/doc/refman/8.0/en/locking-functions.html#function_get-lock:
// "A lock obtained with GET_LOCK() is released explicitly by executing RELEASE_LOCK() or implicitly when your session
// terminates (either normally or abnormally)"), so a run killed outright (SIGKILL, a lost host) leaves no lock behind
// and a --resume starts at once.
import { createHash } from 'node:crypto';
import { ServerSession, type ConnectOptions } from './session.js';
import type { Endpoint } from './endpoint.js';

/** The lock's name: both servers' identities, sorted, so that every run on this pair agrees from any host. */
export function runLockName(a: { serverUuid: string; serverId: number }, b: { serverUuid: string; serverId: number }): string {
  const ids = [a, b].map((x) => `${x.serverId}/${x.serverUuid}`).sort();
  return `mmrecover:${createHash('sha1').update(ids.join('|')).digest('hex')}`;
}

/** Another run holds the lock: who, from where, since when. */
export class RunLockHeld extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLockHeld';
  }
}

/** The step a run is at, told to other runs by a second named lock per step ("<name>:step:<n>", at most 64 characters). */
const stepLock = (name: string, step: number) => `${name}:step:${step}`;
const STEPS = 11;
/** How long a second run waits for the lock before it refuses (a run that just ended releases it within that). */
const ACQUIRE_WAIT_SECONDS = 3;

export class RunLock {
  private step = 0;
  private constructor(
    private readonly name: string,
    private readonly sessions: ServerSession[],
  ) {}

  /**
   * The run is at `step` now: its step lock is taken before the last one is released, so that a second run always
   * finds one (MariaDB 10.0.2+ and MySQL 5.7+ hold several named locks per session). Best effort: the run lock itself
   * is what keeps a second run out.
   */
  async at(step: number): Promise<void> {
    const [prev, next] = [this.step, step];
    this.step = step;
    await Promise.all(
      this.sessions.map(async (s) => {
        await s.value(`SELECT GET_LOCK(${s.dialect.literal(stepLock(this.name, next))}, 0) AS got`);
        if (prev && prev !== next) await s.value(`SELECT RELEASE_LOCK(${s.dialect.literal(stepLock(this.name, prev))}) AS released`);
      }),
    ).catch(() => undefined);
  }

  /** Each lock session's id, per label (GS, BS): the tool's own, never a client to KILL. */
  get threadIds(): Record<string, number> {
    return Object.fromEntries(this.sessions.map((s) => [s.label, s.threadId]));
  }

  /** Take the lock on every endpoint (GS first), or release what was taken and throw RunLockHeld naming the holder. */
  static async acquire(name: string, endpoints: Endpoint[], opts: ConnectOptions): Promise<RunLock> {
    const held: ServerSession[] = [];
    try {
      for (const e of endpoints) {
        const s = await ServerSession.connect(e, opts);
        held.push(s);
        const q = s.dialect.literal(name);
        // A few seconds' wait, not none: a run that has just ended may still hold it until the server reaps its session.
        const got = Number(await s.value(`SELECT GET_LOCK(${q}, ${ACQUIRE_WAIT_SECONDS}) AS got`));
        if (got === 1) continue;
        const rows = await s.query(`SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(${q})`);
        const r = rows[0];
        const steps = Array.from({ length: STEPS }, (_x, i) => `IS_USED_LOCK(${s.dialect.literal(stepLock(name, i + 1))}) AS s${i + 1}`);
        const [used] = await s.query(`SELECT ${steps.join(', ')}`).catch(() => [undefined]);
        const at = Array.from({ length: STEPS }, (_x, i) => i + 1).find((n) => used?.[`s${n}`] !== null && used?.[`s${n}`] !== undefined);
        const who = r ? `connection #${String(r.ID)} ${String(r.USER)}@${String(r.HOST)}, holding it for ${String(r.TIME)} s` : 'a session that has just ended';
        throw new RunLockHeld(
          `another mmrecover run is already recovering this pair${at ? `, at step ${at}` : ''}: ${s.label} ${e.host}:${e.port} has its lock ${name} (${who}). Nothing was changed. Wait for it to finish, or stop it; if its process is gone, the lock goes with its session.`,
        );
      }
      return new RunLock(name, held);
    } catch (err) {
      for (const s of held) s.destroy();
      throw err;
    }
  }

  /**
   * Give the locks back explicitly, then close: a run that starts right after this one ends (a --resume, the next
   * test) must not find them held by a session the server has not yet reaped. Bounded: a server that does not answer
   * gets its socket closed after a second, and drops the locks with the session.
   */
  async release(): Promise<void> {
    await Promise.all(
      this.sessions.map((s) =>
        Promise.race([
          s
            .value('SELECT RELEASE_ALL_LOCKS() AS released')
            .catch(() => undefined)
            .then(() => s.close())
            .catch(() => undefined),
          new Promise((r) => setTimeout(r, 1000)),
        ]).finally(() => s.destroy()),
      ),
    );
  }
}
