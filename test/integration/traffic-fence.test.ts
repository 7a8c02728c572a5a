// Issue 30: a fence at the traffic layer, on a real HAProxy (Debian's package) in front of the lab pair. A client
// loop connects through HAProxy every 50 ms; HAProxy's own counters and the server each connection lands on say
// whether any reached BS while it was fenced. Bad input, hooks that fail or hang, and a client that bypasses HAProxy
// stop the run before anything is overwritten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerSession } from '../../src/adapters/mysql/session.js';
import { command, serverCounters, serverState, setServerState, type HaproxySocket } from '../../src/adapters/haproxy/runtime-api.js';
import { loadSettings } from '../../src/config/load.js';
import { runRecovery } from '../../src/engine/runner.js';
import type { Prompter } from '../../src/engine/prompter.js';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import type { RunEvent } from '../../src/recovery/events.js';
import { runCli, startCli, startPty } from '../helpers/cli.js';
import { readJournal, waitForText } from '../helpers/faults.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { eventually, expectPairHealthy, recoverArgs, withSessions, yesArgs } from '../helpers/pair.js';

let lab: Lab;
let sock: HaproxySocket;
let fence: string;
const BACKEND = () => lab.state.haproxy!.backend;

beforeAll(async () => {
  lab = await newLab({ haproxy: true });
  sock = { kind: 'unix', path: lab.state.haproxy!.socket };
  fence = `haproxy:${lab.state.haproxy!.socket}:${BACKEND()}/b`;
}, 120_000);
afterAll(async () => {
  await dropLab(lab);
});

const stateOfB = async () => (await serverState(sock, BACKEND(), 'b', 5000)).admin;
const totalOnB = async () => (await serverCounters(sock, BACKEND(), 'b', 5000)).total;

/** Yes to every question, unless `answer` says otherwise (it may also look at the world before answering). */
function prompter(answer: (q: string) => Promise<boolean | undefined> | boolean | undefined = () => undefined): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    interactive: false,
    asked,
    async confirm(q) {
      asked.push(q);
      return (await answer(q)) ?? true;
    },
    async secret() {
      throw new Error('no secret expected');
    },
  };
}

function settings(flags: Record<string, unknown>) {
  const s = loadSettings({
    flags: { good: `127.0.0.1:${lab.a.port}`, bad: `127.0.0.1:${lab.b.port}`, fence: [fence], fenceWatch: 1, ...flags },
    env: lab.env(),
    cwd: lab.dir,
  });
  return { ...s, password: s.password!, replPassword: s.replPassword! };
}

async function recover(
  flags: Record<string, unknown>,
  o: { state: string; answer?: Parameters<typeof prompter>[0]; afterStep?: (id: number) => Promise<void> | void; onEvent?: (e: RunEvent) => void },
) {
  const events: RunEvent[] = [];
  const p = prompter(o.answer);
  const out = await runRecovery({
    settings: settings(flags),
    emit: (e) => {
      events.push(e);
      o.onEvent?.(e);
    },
    prompter: p,
    signal: new AbortController().signal,
    env: { XDG_STATE_HOME: o.state },
    afterStep: o.afterStep,
  });
  return { ...out, events, asked: p.asked };
}

/**
 * An application's connection through HAProxy. TLS off: the lab's servers have none, and a PREFERRED connection to a
 * server without TLS is made twice (TLS refused, then plain), so through round robin the second one lands on the
 * other server: every client then ended on a and never on b, though HAProxy's counters showed b given every other one.
 */
const APP = () => ({
  label: 'app',
  host: '127.0.0.1',
  port: lab.state.haproxy!.port,
  user: lab.state.adminUser,
  password: lab.state.adminPassword,
  tls: { mode: 'DISABLED' as const },
});

/** Connections through HAProxy, one every 50 ms: which server each reached, and in which phase it began and ended. */
function clientLoop() {
  type Phase = 'before' | 'fenced' | 'after';
  const seen: Array<{ port: number; began: Phase; ended: Phase }> = [];
  let phase: Phase = 'before';
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const began = phase;
      try {
        const s = await ServerSession.connect(APP(), { connectTimeoutMs: 3000, queryTimeoutMs: 3000 });
        const port = Number(await s.value('SELECT @@port'));
        await s.close();
        seen.push({ port, began, ended: phase });
      } catch {
        /* a refused or cut connection is not a connection that reached BS */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    seen,
    set phase(p: Phase) {
      phase = p;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

const state = () => mkdtempSync(join(tmpdir(), 'mmrecover-fence-'));

/**
 * A whole recovery with the client loop running through HAProxy: the loop's phase follows the run (fenced after step 1,
 * after from step 11's question). HAProxy's own counter for b must not move while it is fenced, no connection begun
 * and ended then may reach b, and clients reach b again after step 11.
 */
async function recoverUnderClients(flags: Record<string, unknown>, dir: string) {
  const clients = clientLoop();
  let r: Awaited<ReturnType<typeof recover>>;
  try {
    await eventually(async () => clients.seen.some((c) => c.port === lab.b.port), 20_000, 'a client reaching b through HAProxy before the run');
    let fencedTotal = -1;
    let atStep11 = -1;
    r = await recover(flags, {
      state: dir,
      afterStep: async (id) => {
        if (id !== 1) return;
        clients.phase = 'fenced';
        fencedTotal = await totalOnB();
      },
      answer: async (q) => {
        if (!/Undo step 1/.test(q)) return true;
        atStep11 = await totalOnB();
        expect(await stateOfB()).toBe('maint');
        clients.phase = 'after';
        return true;
      },
    });
    expect(r.exitCode, JSON.stringify(r.events.find((e) => e.event === 'stop'))).toBe(0);
    expect(fencedTotal).toBeGreaterThanOrEqual(0);
    expect(atStep11).toBe(fencedTotal);
    const fenced = clients.seen.filter((c) => c.began === 'fenced' && c.ended === 'fenced');
    expect(fenced.length).toBeGreaterThan(5);
    expect(fenced.filter((c) => c.port === lab.b.port)).toEqual([]);
    expect(await stateOfB()).toBe('ready');
    // Step 11 watched HAProxy's counters until it gave b a connection again, and said so.
    const back = r.events.filter((e) => e.event === 'note' && e.step === 11).map((e) => (e.event === 'note' ? e.text : ''));
    expect(back.join('\n')).toMatch(new RegExp(`HAProxy ${BACKEND()}/b is given connections again \\(\\d+ of the \\d+`));
  } finally {
    await clients.stop();
  }
  // HAProxy sends clients to b again, also once the tool has gone: new connections one after the other until one lands
  // on b (round robin may give a a few in a row around a server that has just come back).
  const ports: number[] = [];
  while (ports.length < 100 && !ports.includes(lab.b.port)) {
    const s = await ServerSession.connect(APP());
    ports.push(Number(await s.value('SELECT @@port')));
    await s.close();
  }
  expect(ports).toContain(lab.b.port);
  return r;
}

describe('bad input: one line, exit 2, nothing changed', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a socket that is not HAProxy’s (the MariaDB port)', () => `haproxy:127.0.0.1:${lab.b.port}:${BACKEND()}/b`, /does not answer as HAProxy|did not answer/],
    ['a backend that does not exist', () => `haproxy:${lab.state.haproxy!.socket}:nope/b`, /no backend "nope"/],
    ['a server that does not exist', () => `haproxy:${lab.state.haproxy!.socket}:${BACKEND()}/zz`, /no server "zz"/],
    ['GS’s entry instead of BS’s', () => `haproxy:${lab.state.haproxy!.socket}:${BACKEND()}/a`, /is GS/],
    ['a malformed --fence', () => 'haproxy:only-a-socket', /--fence/],
  ];
  for (const [what, spec, message] of cases)
    it(what, async () => {
      const r = await runCli(yesArgs(lab, ['--fence', spec(), '--connect-timeout', '2']), { ...lab.env(), XDG_STATE_HOME: state() });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await stateOfB()).toBe('ready');
      await withSessions(lab, async (_a, b) => expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(0));
    });
});

it('a dry run shows the HAProxy lines, the hook and the watches, and changes nothing', async () => {
  const r = await runCli(yesArgs(lab, ['--fence', fence, '--fence-command', 'exit 9', '--dry-run']), { ...lab.env(), XDG_STATE_HOME: state() });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(`[haproxy ${lab.state.haproxy!.socket}] set server ${BACKEND()}/b state drain`);
  expect(r.stderr).toContain(`[haproxy ${lab.state.haproxy!.socket}] set server ${BACKEND()}/b state maint`);
  expect(r.stderr).toMatch(/sh -c 'exit 9'/);
  expect(r.stderr).toMatch(/watch BS’s client connections for 5 s, after step 1/);
  expect(r.stderr).toMatch(/watch BS’s client connections for 5 s, just before the copy/);
  expect(await stateOfB()).toBe('ready');
});

describe('hooks', () => {
  it('a fence hook that fails stops the run before anything changes; it saw the addresses and no password', async () => {
    const dir = state();
    const r = await recover(
      {
        fenceCommand: `env | grep -c PASSWORD > ${dir}/pw; echo "$MMRECOVER_STEP $MMRECOVER_BS_HOST:$MMRECOVER_BS_PORT" > ${dir}/env; echo no vip >&2; exit 3`,
      },
      { state: dir },
    );
    expect(r.exitCode).toBe(1);
    const stop = r.events.find((e) => e.event === 'stop');
    expect(stop && stop.event === 'stop' && stop.reason).toMatch(/--fence-command exited 3: no vip; nothing was changed on the servers/);
    expect(r.executed.filter((e) => e.mode === 'run').map((e) => e.text)).toEqual([expect.stringMatching(/^\[local\] \$ sh -c/)]);
    expect(await stateOfB()).toBe('ready');
    await withSessions(lab, async (_a, b) => expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(0));
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'env'), 'utf8').trim()).toBe(`1 127.0.0.1:${lab.b.port}`);
    expect(readFileSync(join(dir, 'pw'), 'utf8').trim()).toBe('0');
  });

  it('a fence hook that hangs is killed at --stall-timeout; GS untouched', async () => {
    const started = Date.now();
    const r = await recover({ fenceCommand: 'sleep 60', stallTimeout: 2 }, { state: state() });
    expect(r.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    const stop = r.events.find((e) => e.event === 'stop');
    expect(stop && stop.event === 'stop' && stop.reason).toMatch(/did not finish within 2 s/);
    expect(await stateOfB()).toBe('ready');
    await withSessions(lab, async (a, b) => {
      expect(Number(await a.value('SELECT @@GLOBAL.read_only'))).toBe(0);
      expect(Number(await b.value('SELECT @@GLOBAL.read_only'))).toBe(0);
    });
  });
});

describe('a whole recovery behind HAProxy', () => {
  it('a client reaching BS directly during the watch stops the run before step 2, naming it; --resume then recovers with no client reaching BS from step 1 to step 11', async () => {
    await breakLab(lab, 'conflict');
    const dir = state();
    // 1. A client that bypasses HAProxy connects to BS while the watch after step 1 runs.
    let direct: ServerSession | undefined;
    const r1 = await recover(
      { fenceWatch: 3 },
      {
        state: dir,
        onEvent: (e) => {
          if (e.event === 'activity' && e.id === 'fence-watch:1' && e.state === 'start')
            void ServerSession.connect({
              label: 'direct',
              host: '127.0.0.1',
              port: lab.b.port,
              user: lab.state.adminUser,
              password: lab.state.adminPassword,
            }).then((s) => (direct = s));
        },
      },
    );
    await direct?.close();
    expect(r1.exitCode).toBe(1);
    const stop = r1.events.find((e) => e.event === 'stop');
    expect(stop?.event === 'stop' && stop.step).toBe(1);
    expect(stop?.event === 'stop' && stop.reason).toMatch(
      /a client reached BS 127\.0\.0\.1:\d+ after step 1 although it is fenced: #\d+ root@(localhost|127\.0\.0\.1)/,
    );
    expect(stop?.event === 'stop' && stop.states?.BS).toMatch(/HAProxy \S+\/b in (drain or )?maint \(was ready/);
    expect(r1.executed.some((e) => e.step >= 2)).toBe(false);
    expect(await stateOfB()).toBe('maint');

    // 2. HAProxy restarted meanwhile would have forgotten: set it ready, as a restart would, and resume with clients on.
    await setServerState(sock, BACKEND(), 'b', 'ready', 5000);
    const r2 = await recoverUnderClients({ resume: true, fenceWatch: 1 }, dir);
    expect(r2.executed.map((e) => e.text)).toContain(`[haproxy ${lab.state.haproxy!.socket}] set server ${BACKEND()}/b state maint`);
    expect(r2.executed.filter((e) => e.step === 11).map((e) => e.text)).toContain(
      `[haproxy ${lab.state.haproxy!.socket}] set server ${BACKEND()}/b state ready`,
    );
    await expectPairHealthy(lab);
  });

  it('online: a client loop through HAProxy the whole recovery; none reaches BS from the end of step 1 to step 11', async () => {
    await breakLab(lab, 'stopped');
    await recoverUnderClients({ method: 'online' }, state());
    await expectPairHealthy(lab);
  });

  it('a No at step 11 leaves HAProxy as the stop report says; the resumed step 11 gives back exactly the state found (drain)', async () => {
    await breakLab(lab, 'stopped');
    await setServerState(sock, BACKEND(), 'b', 'drain', 5000);
    const dir = state();
    // The online method: its step 3 takes no lock, and the watch before the copy still runs first.
    const r = await recover({ method: 'online' }, { state: dir, answer: (q) => !/Undo step 1/.test(q) });
    expect(r.executed.filter((e) => e.step === 3)[0]?.text).toMatch(/^watch BS’s client connections for 1 s, just before the copy/);
    expect(r.exitCode).not.toBe(0);
    const stop = r.events.find((e) => e.event === 'stop');
    expect(stop?.event === 'stop' && stop.step).toBe(11);
    expect(stop?.event === 'stop' && stop.states?.BS).toMatch(/HAProxy \S+\/b in maint \(was drain; step 11 gives that back\)/);
    expect(await stateOfB()).toBe('maint');
    const again = await recover({ resume: true, method: 'online' }, { state: dir });
    expect(again.exitCode).toBe(0);
    expect(await stateOfB()).toBe('drain');
    await setServerState(sock, BACKEND(), 'b', 'ready', 5000);
  });

  it('a tool killed after step 1 leaves BS in maint, journaled; --resume sets maint again and step 11 gives back ready', async () => {
    await breakLab(lab, 'stopped');
    const env = { ...lab.env(), XDG_STATE_HOME: state() };
    const run = startCli(yesArgs(lab, ['--fence', fence, '--fence-watch', '1']), env);
    await waitForText(run.output, /Step 2\/11/);
    run.child.kill('SIGKILL');
    await run.result;
    expect(await stateOfB()).toBe('maint');
    expect(readJournal(env.XDG_STATE_HOME).data.state.traffic).toEqual([
      { socket: lab.state.haproxy!.socket, backend: BACKEND(), server: 'b', before: 'ready' },
    ]);
    // As if HAProxy had been reloaded meanwhile: the resumed run puts BS back into maint before anything else.
    await setServerState(sock, BACKEND(), 'b', 'ready', 5000);
    // And b's weight set to 0 meanwhile (an operator's "no new connection"): step 11 says so rather than wait for traffic.
    await command(sock, `set weight ${BACKEND()}/b 0`, 5000);
    const r = await runCli(yesArgs(lab, ['--fence', fence, '--fence-watch', '1', '--resume']), env);
    await command(sock, `set weight ${BACKEND()}/b 1`, 5000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/set server \S+\/b state maint/);
    expect(r.stderr).toMatch(/b is ready with weight 0: HAProxy gives it no new connection until its weight is raised/);
    expect(await stateOfB()).toBe('ready');
    await expectPairHealthy(lab);
  });
});

describe('Ctrl-C at the questions', () => {
  it('before step 1, after it, and at step 11: HAProxy is as before, or as the stop report says; --resume gives back ready', async () => {
    await breakLab(lab, 'conflict');
    expect(await stateOfB()).toBe('ready');
    const env = { ...lab.env(), XDG_STATE_HOME: state() };
    const args = (extra: string[] = []) => recoverArgs(lab, ['--fence', fence, '--fence-watch', '1', ...extra]);
    /** Run in a terminal, Yes to each question until the one matching `at`, Ctrl-C there; the screen after. */
    async function ctrlCAt(at: RegExp, extra: string[] = []): Promise<string> {
      const pty = startPty(args(extra), env);
      let from = 0;
      for (;;) {
        const end = await pty.waitFor(/\(y\/N\)/, 60_000, from);
        if (at.test(pty.screen().slice(from, end))) break;
        pty.type('y\r');
        from = await pty.waitFor(/\? Yes/, 60_000, end);
      }
      pty.type('\x03');
      expect(await pty.exit).toBe(130);
      return pty.screen();
    }
    // 1. At step 1's own question: nothing was changed, HAProxy still sends clients to BS.
    const first = await ctrlCAt(/Fence BS/);
    expect(first).toMatch(/Stopped at step 1: interrupted/);
    expect(await stateOfB()).toBe('ready');
    // A fresh journal for the next run: the first stopped before anything was done.
    env.XDG_STATE_HOME = state();
    // 2. At the copy's question (step 1 done): BS in maint, and the stop report says so.
    const second = await ctrlCAt(/Lock GS/);
    expect(second).toMatch(/Stopped at step \d+: interrupted/);
    expect(second).toMatch(/HAProxy \S+\/b in (drain or )?maint/);
    expect(await stateOfB()).toBe('maint');
    // 3. Resumed, and interrupted again at step 11's question: still maint, as the report says.
    const third = await ctrlCAt(/Undo step 1/, ['--resume']);
    expect(third).toMatch(/Stopped at step 11: interrupted/);
    expect(third).toMatch(/HAProxy \S+\/b in (drain or )?maint/);
    expect(await stateOfB()).toBe('maint');
    // 4. Resumed to the end: step 11 gives back the state found before the first fence (ready).
    const r = await runCli(yesArgs(lab, ['--resume', '--fence', fence, '--fence-watch', '1']), env);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(await stateOfB()).toBe('ready');
    await expectPairHealthy(lab);
  });
});
