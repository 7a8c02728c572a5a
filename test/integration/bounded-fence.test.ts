// Issue 25 item 3: step 1's fence (SET GLOBAL read_only = ON) waits for other sessions' table locks, and new writes
// queue behind it while it waits (MySQL manual sysvar_read_only; MariaDB KB read-only-replicas). On a real BS with a
// session holding LOCK TABLES … WRITE and another in an open transaction that has written a row, step 1 lists both and
// offers the KILL before it fences, and the fence waits at most --lock-wait-timeout: with --yes both are killed and the
// recovery completes VERIFIED; when the operator declines the KILL, the fence gives up within its bound and the run
// stops with one line naming the sessions, BS's read_only as it was, GS never locked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import type { ServerSession } from '../../src/adapters/mysql/session.js';
import { runCli, startPty } from '../helpers/cli.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { expectPairHealthy, privateState, recoverArgs, yesArgs } from '../helpers/pair.js';
import { readJournal, replicaSource, takesWrite } from '../helpers/faults.js';

let lab: Lab;

beforeAll(async () => {
  lab = await newLab();
  await breakLab(lab, 'stopped');
}, 180_000);

afterAll(async () => {
  await dropLab(lab);
});

/** On BS: one session holding LOCK TABLES shop.orders WRITE, one in an open transaction that has written a row. */
async function blockers(): Promise<{ locker: ServerSession; trx: ServerSession; done: () => void }> {
  const [locker, trx] = await Promise.all([lab.connect('b'), lab.connect('b')]);
  await locker.query('LOCK TABLES shop.orders WRITE');
  await trx.query('BEGIN');
  await trx.query("INSERT INTO shop.customers (name) VALUES ('open transaction on BS')");
  return {
    locker,
    trx,
    done: () => {
      locker.destroy();
      trx.destroy();
    },
  };
}

const readOnlyOf = async (which: 'a' | 'b') => {
  const s = await lab.connect(which);
  try {
    return Number(await s.value('SELECT @@GLOBAL.read_only'));
  } finally {
    await s.close();
  }
};

/** The statements step 1 sent to BS, in order, as its journal recorded them. */
const step1 = (stateHome: string) =>
  readJournal(stateHome)
    .data.steps.find((s) => s.id === 1)!
    .executed.map((x) => x.text);

describe('step 1: the clients first, then a fence bounded by --lock-wait-timeout', () => {
  it('KILL declined: the fence gives up within its bound, one line names both sessions; read_only as it was, GS never locked', async () => {
    const env = { ...lab.env(), ...privateState() };
    const { locker, trx, done } = await blockers();
    try {
      const readOnlyBefore = await readOnlyOf('b');
      const replicationBefore = { a: await replicaSource(lab, 'a'), b: await replicaSource(lab, 'b') };
      const pty = startPty(recoverArgs(lab, ['--lock-wait-timeout', '2']), env);
      let at = await pty.waitFor(/Fence BS[\s\S]*?\(y\/N\)/, 120_000);
      pty.type('y\r');
      // The list and the KILL question come before any fence statement.
      at = await pty.waitFor(/client connection\(s\) on BS could still write[\s\S]*?KILL these 2 connection\(s\)[\s\S]*?\(y\/N\)/, 60_000, at);
      expect(pty.screen()).toContain(`#${locker.threadId} `);
      expect(pty.screen()).toContain(`#${trx.threadId} `);
      pty.type('n\r');
      await pty.waitFor(/Go on although 2 client connection\(s\) remain[\s\S]*?\(y\/N\)/, 60_000, at);
      pty.type('y\r');
      expect(await pty.exit).toBe(1);
      const screen = pty.screen().replace(/\s*\n\s*/g, ' ');
      expect(screen).toContain('SET STATEMENT lock_wait_timeout=2 FOR SET GLOBAL read_only = ON');
      expect(screen).toMatch(
        /Stopped at step 1: BS 127\.0\.0\.1:\d+: read_only was not set: other sessions held their locks past the 2 s bound \(--lock-wait-timeout\)/,
      );
      expect(screen).toContain(`#${locker.threadId} root@localhost`);
      expect(screen).toMatch(new RegExp(`#${trx.threadId} root@localhost \\(open transaction, 1 row changed`));
      expect(screen).toMatch(/tables in use or locked: [^.]*shop\.orders/);
      expect(screen).toMatch(/Next: end those sessions \(KILL \d+, KILL \d+ on BS/);
      // Nothing changed: read_only as it was, both sessions still there with their lock and transaction, replication
      // as it was on both sides, GS writable.
      expect(await readOnlyOf('b')).toBe(readOnlyBefore);
      expect(Number(await locker.value('SELECT COUNT(*) FROM shop.orders'))).toBeGreaterThan(0);
      expect(Number(await trx.value("SELECT COUNT(*) FROM shop.customers WHERE name = 'open transaction on BS'"))).toBe(1);
      expect({ a: await replicaSource(lab, 'a'), b: await replicaSource(lab, 'b') }).toEqual(replicationBefore);
      expect(await takesWrite(lab, 'a')).toBe(true);
      // What ran, in order (the journal): the list, then the bounded fence, then the read of who still held it.
      const executed = step1(env.XDG_STATE_HOME);
      // No later step ran anything: GS was never locked (no FLUSH TABLES WITH READ LOCK), BS's replica untouched.
      expect(readJournal(env.XDG_STATE_HOME).data.steps.filter((s) => s.id > 1 && s.executed?.length)).toEqual([]);
      expect(executed.map((x) => x.slice(0, 40))).toEqual([
        'SELECT ID, USER, HOST, DB, COMMAND, TIME',
        'SET STATEMENT lock_wait_timeout=2 FOR SE',
        'SELECT p.ID, p.USER, p.HOST, p.DB, p.COM',
      ]);
    } finally {
      done();
    }
  });

  it('with --yes: both sessions listed and killed before the fence, which is set within its bound; the recovery completes VERIFIED', async () => {
    const env = { ...lab.env(), ...privateState() };
    const { locker, trx, done } = await blockers();
    try {
      const r = await runCli(yesArgs(lab), env);
      expect(r.code, r.stderr).toBe(0);
      const out = r.stderr;
      expect(out).toContain('client connection(s) on BS could still write');
      expect(out).toContain(`#${locker.threadId} root@localhost`);
      expect(out).toContain(`#${trx.threadId} root@localhost`);
      expect(out).toMatch(/VERIFIED/);
      // What ran in step 1, in order (the journal): the list, both KILLs, the list again (empty), then the fence.
      const executed = step1(env.XDG_STATE_HOME);
      const list = (x: string) => x.startsWith('SELECT ID, USER, HOST');
      expect(list(executed[0])).toBe(true);
      expect(executed.slice(1, 3).sort()).toEqual([`KILL CONNECTION ${locker.threadId}`, `KILL CONNECTION ${trx.threadId}`].sort());
      expect(list(executed[3])).toBe(true);
      expect(executed.slice(4)).toEqual(['SET STATEMENT lock_wait_timeout=5 FOR SET GLOBAL read_only = ON']);
      await expect(locker.query('SELECT 1')).rejects.toThrow();
      await expect(trx.query('SELECT 1')).rejects.toThrow();
      await expectPairHealthy(lab);
    } finally {
      done();
    }
  });
});
