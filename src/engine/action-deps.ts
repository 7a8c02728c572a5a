// What the executor hands each of its parts that run actions outside a SQL session (host commands, the traffic layer).
// They run live only: a dry run stops at the gate (gate.ts), so nothing here says which run it is.
import type { ServerSession } from '../adapters/mysql/session.js';
import type { Settings } from '../config/settings.js';
import type { Member, Role } from '../recovery/actions.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { Members } from '../config/members.js';

export interface ActionDeps<K extends Member = Member> {
  settings: Settings;
  /** The run's servers, resolved once from the settings: the endpoint of each. */
  members: Members;
  sessions: Partial<Record<K, ServerSession>>;
  emit: Emit;
  signal: AbortSignal;
  record: (step: number, role: Member, text: string, mode: ActionMode) => void;
}

/** Copies, exports and connection lists act on GS or BS only: a ring's other members get statements and waits. */
export function pairRole(role: Member): Role {
  if (role !== 'GS' && role !== 'BS') throw new Error(`internal: a copy, export or connection list on ${role}`);
  return role;
}
