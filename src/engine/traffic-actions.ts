// The executor's part for the traffic layer: HAProxy's runtime API (--fence), the operator's hooks (--fence-command,
// --unfence-command) and the watch that proves the fence holds (--fence-watch). Each is recorded (screen and journal)
// as the plan shows it, before it is sent; every call is bounded by --stall-timeout.
import { backendServers, backendStats, parseSocket, serverState, setServerState, showInfo, type HaproxySocket } from '../adapters/haproxy/runtime-api.js';
import { lastLine, runOnHost, LOCAL } from '../adapters/shell/host-exec.js';
import type { Settings } from '../config/settings.js';
import { parseFence } from '../config/traffic-fence.js';
import { Interrupted, StepFailed } from '../base/errors.js';
import { pollUntil } from '../base/poll.js';
import {
  haproxyText,
  renderAction,
  type FenceWatchAction,
  type HaproxyAction,
  type HaproxyTrafficAction,
  type HookAction,
  type Role,
} from '../recovery/actions.js';
import { describeConnection, parseConnections } from '../recovery/connections.js';
import type { RecoveryState } from '../recovery/state.js';
import type { ActionDeps } from './action-deps.js';

export interface TrafficDeps extends ActionDeps {
  ownThreadIds?: Record<Role, number[]>;
}

function socketOf(text: string): HaproxySocket {
  const s = parseSocket(text);
  if (!s) throw new Error(`internal: ${text} is not a HAProxy socket`);
  return s;
}

export class TrafficActions {
  constructor(private readonly d: TrafficDeps) {}

  private get timeoutMs(): number {
    return this.d.settings.stallTimeout * 1000;
  }

  async haproxy(step: number, a: HaproxyAction, state: RecoveryState): Promise<void> {
    const text = haproxyText(a);
    const sock = socketOf(a.socket);
    const where = `HAProxy ${a.backend}/${a.server} (${a.socket})`;
    try {
      if (a.capture) {
        this.d.record(step, a.role, `[haproxy ${a.socket}] show servers state ${a.backend}`, 'read');
        const found = await serverState(sock, a.backend, a.server, this.timeoutMs, this.d.signal);
        a.capture(found.admin, state);
      }
      this.d.record(step, a.role, text, 'run');
      await setServerState(sock, a.backend, a.server, a.state, this.timeoutMs, this.d.signal);
      // Read back: HAProxy answers nothing when it took the command, so only its state says it holds.
      const now = await serverState(sock, a.backend, a.server, this.timeoutMs, this.d.signal);
      if (now.admin !== a.state) throw new Error(`it reads back as ${now.admin} (srv_admin_state ${now.adminBits}), not ${a.state}`);
      a.effect?.(state);
      this.d.emit({ event: 'note', level: 'ok', step, text: `${where} is in ${a.state}.` });
    } catch (err) {
      if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step} (${text})`);
      throw new StepFailed(
        `${where}: ${(err as Error).message}`,
        step,
        `Check HAProxy (echo "show servers state ${a.backend}" | socat stdio ${a.socket}), set ${a.server}'s state by hand if needed, then run again with --resume.`,
      );
    }
  }

  /**
   * After step 11 gave an entry back its ready state: HAProxy's own session counters say whether it gives BS
   * connections again. Only what was seen is said; nothing here stops the run, since BS is recovered whatever the
   * traffic layer does next.
   */
  async trafficBack(step: number, a: HaproxyTrafficAction): Promise<void> {
    const text = renderAction(a)[0].text;
    this.d.record(step, 'BS', text, 'wait');
    const sock = socketOf(a.socket);
    const where = `HAProxy ${a.backend}/${a.server}`;
    const emit = (level: 'ok' | 'warn', t: string) => this.d.emit({ event: 'note', level, step, text: t });
    const counts = async () => {
      const rows = await backendStats(sock, a.backend, this.timeoutMs, this.d.signal);
      const mine = rows.find((r) => r.server === a.server)?.total ?? 0;
      return { mine, others: rows.filter((r) => r.server !== a.server).reduce((n, r) => n + r.total, 0) };
    };
    try {
      const servers = await backendServers(sock, a.backend, this.timeoutMs, this.d.signal);
      const own = servers.find((x) => x.server === a.server)?.weight;
      // Weight 0 is HAProxy's own "no new connection" (an operator's choice, kept by step 11): nothing to wait for.
      if (own === 0)
        return emit(
          'ok',
          `${where} is ready with weight 0: HAProxy gives it no new connection until its weight is raised (set weight ${a.backend}/${a.server} …).`,
        );
      // Round robin gives each server its weight's share of every round: three rounds elsewhere and none to BS is not a
      // round's luck, and is worth the operator's look (a health check failing, another layer in front).
      const mineWeight = Math.max(1, own ?? 1);
      const totalWeight = servers.filter((x) => x.admin === 'ready' && x.weight > 0).reduce((n, x) => n + x.weight, 0);
      const many = Math.max(10, 3 * Math.ceil(totalWeight / mineWeight));
      const base = await counts();
      const started = Date.now();
      let elsewhere = 0;
      const seen = await pollUntil(
        async () => {
          const now = await counts();
          const mine = now.mine - base.mine;
          elsewhere = now.others - base.others;
          const took = ((Date.now() - started) / 1000).toFixed(1);
          if (mine > 0)
            return {
              level: 'ok' as const,
              text: `${where} is given connections again (${mine} of the ${mine + elsewhere} HAProxy sent to ${a.backend} in ${took} s).`,
            };
          if (elsewhere >= many)
            return {
              level: 'warn' as const,
              text: `${where} is ready but HAProxy gave it none of the ${elsewhere} connections it sent to ${a.backend} in ${took} s: check "show stat" and "show servers state ${a.backend}" on ${a.socket} (a failing health check, its weight).`,
            };
          return undefined;
        },
        { everyMs: 200, timeoutMs: a.seconds * 1000, signal: this.d.signal },
      );
      if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step} (watching ${where})`);
      if (seen) return emit(seen.level, seen.text);
      emit(
        'ok',
        elsewhere
          ? `${where} is ready; HAProxy sent the ${elsewhere} connection(s) it took in ${a.seconds} s to the other servers (too few to tell whether it gives it any).`
          : `${where} is ready; whether HAProxy sends it connections was not observed (no connection went through ${a.backend} in ${a.seconds} s).`,
      );
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      // BS is recovered and its entry is ready (read back): a failure to read the counters is said, not fatal.
      emit('warn', `${where}: whether HAProxy sends it connections again could not be checked (${(err as Error).message}).`);
    }
  }

  async hook(step: number, a: HookAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step}`);
    this.d.record(step, a.role, text, 'run');
    const fence = a.option === '--fence-command';
    const after = fence ? 'nothing was changed on the servers' : 'BS is unfenced; only the hook’s own change is in doubt';
    try {
      // Its own process group: a timeout or Ctrl-C ends the shell and whatever it started.
      const r = await runOnHost(LOCAL, ['sh', '-c', a.command], {
        env: a.env,
        timeoutMs: a.timeoutSeconds * 1000,
        signal: this.d.signal,
        detached: true,
        secrets: [this.d.settings.password, this.d.settings.replPassword],
      });
      if (r.code !== 0) {
        const line = lastLine(r.stderr) || lastLine(r.stdout);
        throw new Error(`${r.signal ? `was killed (${r.signal})` : `exited ${r.code}`}${line ? `: ${line}` : ''}`);
      }
      a.effect?.(state);
      const out = lastLine(r.stdout);
      this.d.emit({ event: 'note', level: 'ok', step, text: `${a.option} exited 0${out ? `: ${out}` : ''}` });
    } catch (err) {
      if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step} (${a.option}); ${after}`);
      const msg = (err as Error).message.replace(/^sh did not finish/, 'it did not finish');
      throw new StepFailed(
        `${a.option} ${msg}; ${after}`,
        step,
        fence
          ? 'Fix the command (run it by hand with the same environment to see why), then run the same command again.'
          : 'Send traffic to BS by hand (what the command should have done), or fix it and run again with --resume.',
      );
    }
  }

  async watch(step: number, a: FenceWatchAction, state: RecoveryState): Promise<void> {
    const text = renderAction(a)[0].text;
    const session = this.d.sessions[a.role];
    // BS did not answer: the watch is shown, not made (as in a dry run).
    if (!session) return this.d.record(step, a.role, text, 'would-wait');
    this.d.record(step, a.role, text, 'wait');
    const id = `fence-watch:${step}`;
    const emit = this.d.emit;
    const own = () => new Set(this.d.ownThreadIds?.[a.role === 'GS' ? 'GS' : 'BS'] ?? []);
    const list = async () => parseConnections(await session.query(a.list)).filter((c) => !own().has(c.id));
    emit({ event: 'activity', id, state: 'start', text: `${this.d.members.BS.name}: watching client connections for ${a.seconds} s (${a.when})` });
    // Only a connection step 1 did not list counts: one made between step 1's list and the watch's start is a breach
    // too (the fence was set before the list). A journal without the list (a run begun before it was recorded) falls
    // back to what is there when the watch begins. Same id, user and host: a restarted BS reuses ids.
    const listed = state.listedConnections;
    const key = (c: { id: number; user: string; host: string }) => `${c.id} ${c.user}@${c.host}`;
    const known = new Set((listed ?? (await list())).map(key));
    const end = Date.now() + a.seconds * 1000;
    // The watch's normal end is its bound: only a new connection (thrown) or Ctrl-C ends it sooner.
    await pollUntil(
      async () => {
        const fresh = (await list()).filter((c) => !known.has(key(c)));
        if (fresh.length) {
          emit({ event: 'activity', id, state: 'fail', text: `${this.d.members.BS.name}: a client connected during the fence watch` });
          emit({ event: 'foreign_connections', role: 'BS', connections: fresh });
          throw new StepFailed(
            `a client reached ${this.d.members.BS.name} ${a.when} although it is fenced: ${fresh.map(describeConnection).join('; ')}; nothing on BS was overwritten`,
            step,
            `Find what connects as ${fresh.map((c) => `${c.user}@${c.host.replace(/:\d+$/, '')}`).join(', ')} and stop it reaching BS (load balancer, VIP, firewall, application config), then run again with --resume.`,
          );
        }
        const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        emit({ event: 'activity', id, state: 'update', text: `${this.d.members.BS.name}: no new client connection; ${left} s left` });
        return undefined;
      },
      { everyMs: 200, timeoutMs: a.seconds * 1000, signal: this.d.signal },
    );
    if (this.d.signal.aborted) throw new Interrupted(`interrupted during step ${step} (fence watch)`);
    emit({ event: 'activity', id, state: 'succeed', text: `${this.d.members.BS.name}: no new client connection for ${a.seconds} s (${a.when})` });
  }
}

/**
 * Before anything changes: every --fence socket answers as HAProxy, and knows its backend/server. A wrong entry must
 * never be fenced instead of BS: one whose address is GS's is refused outright. Returns one line for each problem.
 */
export async function checkFences(settings: Settings, signal?: AbortSignal): Promise<{ errors: string[]; warnings: string[] }> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const timeoutMs = Math.min(settings.stallTimeout, settings.connectTimeout) * 1000;
  for (const spec of settings.fence ?? []) {
    const f = parseFence(spec);
    const sock = socketOf(f.socket);
    try {
      await showInfo(sock, timeoutMs, signal);
      const st = await serverState(sock, f.backend, f.server, timeoutMs, signal);
      const at = (hp: { host: string; port: number }) => st.port === hp.port && (st.address === hp.host || isLoopback(st.address) === isLoopback(hp.host));
      if (at(settings.good) && !at(settings.bad))
        errors.push(`--fence ${spec}: that server is GS (${st.address}:${st.port}), not BS ${settings.bad.host}:${settings.bad.port}; name BS's entry`);
      else if (st.port !== undefined && st.port !== settings.bad.port)
        warnings.push(
          `--fence ${spec}: HAProxy sends that server's traffic to ${st.address}:${st.port}, not to BS's port ${settings.bad.port}; check that it is BS`,
        );
    } catch (err) {
      errors.push(`--fence ${spec}: ${(err as Error).message}`);
    }
  }
  return { errors, warnings };
}

const isLoopback = (h: string) => h === 'localhost' || h === '::1' || h.startsWith('127.');
