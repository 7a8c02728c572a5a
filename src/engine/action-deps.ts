// What the executor hands each of its parts that run actions outside a SQL session (host commands, the traffic layer).
import type { ServerSession } from '../adapters/mysql/session.js';
import type { Settings } from '../config/settings.js';
import type { Member } from '../recovery/actions.js';
import type { ActionMode, Emit } from '../recovery/events.js';
import type { Members } from '../config/members.js';

export interface ActionDeps<K extends Member = Member> {
  live: boolean;
  settings: Settings;
  /** The run's servers, resolved once from the settings: the endpoint of each. */
  members: Members;
  sessions: Partial<Record<K, ServerSession>>;
  emit: Emit;
  signal: AbortSignal;
  record: (step: number, role: Member, text: string, mode: ActionMode) => void;
}
