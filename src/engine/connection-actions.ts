// The executor's part for step 1's client connections: listed (a read, in the dry run too), then KILLed only if the
// operator says so, and listed again until none is left or the operator accepts the ones that remain.
import { setTimeout as delay } from 'node:timers/promises';
import type { ServerSession } from '../adapters/mysql/session.js';
import { Declined } from '../base/errors.js';
import { fillStatement, type ConnectionsAction, type Member } from '../recovery/actions.js';
import { describeConnection, parseConnections, type ClientConnection } from '../recovery/connections.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { RecoveryState } from '../recovery/state.js';
import { pairRole } from './action-deps.js';

export interface ConnectionDeps {
  sessions: Partial<Record<Member, ServerSession>>;
  emit: Emit;
  record: (step: number, role: Member, text: string, mode: ActionMode) => void;
  ask: (steps: number[], question: string) => Promise<boolean>;
}

export const killQuestion = (n: number, role: Member) => `KILL these ${n} connection(s) on ${role}?`;

/** At most this many rounds of listing and KILLing before the run stops: clients that keep coming back. */
const ROUNDS = 5;

export class ConnectionActions {
  constructor(private readonly d: ConnectionDeps) {}

  /** The client connections that are neither ours nor replication, recorded and said; none when the server did not answer. */
  async list(step: number, a: ConnectionsAction, state: RecoveryState, round = 0): Promise<ClientConnection[]> {
    const session = this.d.sessions[a.role];
    const emit = this.d.emit;
    if (!session) {
      this.d.record(step, a.role, a.list.shown, 'would-run');
      emit({ event: 'note', level: 'warn', step, text: `Not checked: ${a.role} did not answer, so its client connections could not be listed.` });
      return [];
    }
    this.d.record(step, a.role, a.list.shown, 'read');
    const foreign = parseConnections(await session.query(a.list));
    if (a.role === 'BS') {
      // What the operator was shown; a rerun of step 1 (--resume) starts the list again.
      const seen = round === 0 ? [] : (state.listedConnections ?? []);
      state.listedConnections = [...seen, ...foreign.filter((c) => !seen.some((s) => s.id === c.id)).map((c) => ({ id: c.id, user: c.user, host: c.host }))];
    }
    if (foreign.length === 0) emit({ event: 'note', level: 'ok', step, text: `No client connections on ${a.role} other than ours and replication.` });
    else emit({ event: 'foreign_connections', role: pairRole(a.role), connections: foreign });
    return foreign;
  }

  /** Listed, and KILLed only if the operator says so; again until none is left. */
  async killForeign(step: number, a: ConnectionsAction, state: RecoveryState): Promise<void> {
    const emit = this.d.emit;
    for (let round = 0; round < ROUNDS; round++) {
      const foreign = await this.list(step, a, state, round);
      const session = this.d.sessions[a.role];
      if (foreign.length === 0 || !session) return;
      if (await this.d.ask([step], killQuestion(foreign.length, a.role))) {
        for (const c of foreign) {
          const kill = fillStatement(a.kill, { 'connection id': String(c.id) });
          this.d.record(step, a.role, kill.shown, 'run');
          await session.query(kill).catch((err: Error) => emit({ event: 'note', level: 'warn', step, text: `${describeConnection(c)}: ${err.message}` })); // it may have gone by itself
          state.killed.push({ id: c.id, user: c.user, host: c.host });
        }
        await delay(300);
        continue;
      }
      if (
        await this.d.ask([step], `Go on although ${foreign.length} client connection(s) remain on ${a.role}? Their writes will be lost or break replication.`)
      )
        return;
      throw new Declined(`stopped at step ${step}: foreign client connections remain on ${a.role}`);
    }
    throw new Declined(`stopped at step ${step}: client connections on ${a.role} keep coming back; block them at the firewall and run again`);
  }
}
