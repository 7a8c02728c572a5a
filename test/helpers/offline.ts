// A recovery context with no server behind it, for checking the plans the steps compute for versions that cannot
// run here (MySQL). Any read fails: what the steps show is what they show without measuring.
import { findClients, type Clients } from '../../src/adapters/shell/clients.js';
import { loadSettings } from '../../src/config/load.js';
import { hostProbes } from '../../src/engine/host-probes.js';
import { resolveMembers } from '../../src/config/members.js';
import { dialectFor } from '../../src/dialect/dialect.js';
import { parseVersion } from '../../src/dialect/version.js';
import { renderAction } from '../../src/recovery/actions.js';
import type { RecoveryContext } from '../../src/recovery/context.js';
import { STEPS } from '../../src/recovery/procedure.js';
import type { Settings } from '../../src/config/settings.js';

export function offlineContext(
  version: string,
  state: Partial<RecoveryContext['state']> = {},
  flags: Record<string, unknown> = {},
  clients?: Clients,
): RecoveryContext {
  const settings: Settings = {
    ...loadSettings({ flags: { good: 'db1:3306', bad: 'db2:3306', ...flags }, env: {}, cwd: '/' }),
    password: 'pw',
    replPassword: 'r3pl',
  };
  const d = dialectFor(parseVersion(version));
  const members = resolveMembers(settings);
  return {
    settings,
    members,
    identity: {},
    dialect: { GS: d, BS: d },
    read: async () => {
      throw new Error('offline: no server');
    },
    clients: clients ? async () => clients : () => findClients(),
    state: { positioning: 'gtid', fence: [], killed: [], ...state },
    signal: new AbortController().signal,
    emit: () => undefined,
    ownThreadIds: { GS: [], BS: [] },
    host: hostProbes(members, { bsTls: () => false, signal: new AbortController().signal }),
  };
}

/** "N ROLE> line" for every line of every step's plan. */
export async function planLines(ctx: RecoveryContext): Promise<string[]> {
  const out: string[] = [];
  for (const step of STEPS) for (const a of (await step.plan(ctx)).actions) for (const l of renderAction(a)) out.push(`${step.id} ${l.role}> ${l.text}`);
  return out;
}
