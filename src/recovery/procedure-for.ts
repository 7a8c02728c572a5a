// What a run walks, decided once from its settings (issue 27, "one procedure for any topology"): the steps, the
// servers, the preflight's checks and what each server is left in at a stop. The runner walks this value and asks no
// question about the topology or the copy method; a pair and a ring of any size differ only here. Pure: no I/O.
import { resolveMembers, type Members, type ServerMember } from '../config/members.js';
import type { Settings } from '../config/settings.js';
import type { RecoveryContext, Role } from './context.js';
import type { Check } from './events.js';
import { copyMethod } from './copy-method.js';
import { donorAtStop, donorChecks, type DonorAtStop } from './donor.js';
import { copyData } from './steps/s04-copy.js';
import { runPreflight } from './preflight.js';
import { serverStates, type Step } from './procedure.js';
import { ringChecks } from './ring/preflight.js';
import { ringStates, stepsFor } from './ring/procedure.js';
import { isRing } from './ring-topology.js';
import type { RunEvent } from './events.js';

type Summary = Extract<RunEvent, { event: 'summary' }>;

export interface Procedure {
  /** What GS does while the copy runs, when the method says it (the run's first line). */
  gsWhileCopying?: string;
  /** The steps to walk, in order: the pair's eleven, or with a ring's forms of 2, 6, 9 and 10. */
  steps: readonly Step[];
  /** Every server of the run, resolved once. */
  members: Members;
  /** GS, BS and a ring's D, E, … in replication order: connected up front, each one's identity and dialect on the context (the donor is connected on its own). */
  topology: ServerMember[];
  /** The servers the run names at its start (a ring's donor is refused by the preflight, so not named). */
  shown: ServerMember[];
  /** The servers the run lock holds a session on while the run lasts (a ring's D too: it is changed). */
  locked: ServerMember[];
  /** The servers whose identity the journal keeps (a --resume against others is refused; the report names them). */
  journaled: ServerMember[];
  /** The preflight's checks, in the order they are said. */
  preflight: ReadonlyArray<(ctx: RecoveryContext) => Promise<Check[]>>;
  /** What each server is in when the run stops at `stoppedAt` (the steps before it done, it possibly half done). */
  states(ctx: RecoveryContext, stoppedAt: number): Record<Role, string> & Record<string, string>;
  /** Where replication from BS starts, for the summary: GS in a pair, D in a ring. */
  replicationFromBs(ctx: RecoveryContext): Pick<Summary, 'bsCoords' | 'ring'>;
  /** What the copy read when it was not GS (--donor), for the summary. */
  copyReadFrom(ctx: RecoveryContext): Pick<Summary, 'donor'>;
  /** What a live run's stop does with a server it froze (the donor), beyond releasing GS's read lock. */
  atStop(ctx: RecoveryContext, stop: { stoppedIn?: Step; declined: boolean }): DonorAtStop;
}

export function procedureFor(settings: Settings): Procedure {
  const members = resolveMembers(settings);
  const ring = isRing(members);
  const steps = stepsFor(ring);
  const topology = [members.GS, members.BS, ...members.ring];
  const donor = members.R ? [members.R] : [];
  const method = copyMethod({ settings });
  return {
    ...(method.gsWhileCopying ? { gsWhileCopying: method.gsWhileCopying } : {}),
    steps,
    members,
    topology,
    shown: [...topology, ...(ring ? [] : donor)],
    locked: [members.GS, members.BS, ...members.ring.slice(0, 1)],
    journaled: [...topology, ...(method.fromDonor ? donor : [])],
    preflight: [runPreflight, ...(ring ? [ringChecks] : []), ...(members.R ? [donorChecks] : [])],
    states: (ctx, stoppedAt) => ({ ...serverStates(ctx, stoppedAt, steps), ...(ring ? ringStates(members, stoppedAt) : {}) }),
    replicationFromBs: ({ state: s }) =>
      ring
        ? {
            // In a ring GS is not pointed at BS: what replicates from BS is D, from the position after the import.
            bsCoords: undefined,
            ring: { downstream: hostPort(members.ring[0].address), ...(s.ring?.bsAfterImport ? { dFromBs: s.ring.bsAfterImport } : {}) },
          }
        : { bsCoords: s.bsCoords },
    copyReadFrom: ({ state: s }) =>
      members.R && method.fromDonor
        ? { donor: { address: hostPort(members.R.address), lockSpared: method.lockSpared === true, ...(s.donor?.at ? { at: s.donor.at } : {}) } }
        : {},
    atStop: (ctx, stop) => donorAtStop(ctx, { copyBegan: stop.stoppedIn?.id === copyData.id, declined: stop.declined }),
  };
}

const hostPort = (hp: { host: string; port: number }) => `${hp.host}:${hp.port}`;
