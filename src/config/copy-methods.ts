// What each copy method is and what it works with, as one value per method (issue 27): the option checks, the steps and
// the report ask these traits and never compare a method's name. Pure data, so that `report` and the option loader can
// read it without the recovery's runtime code; recovery/copy-method.ts builds the run's full method on it.

export const METHOD_NAMES = ['classic', 'online', 'physical', 'clone'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** What the recovery can be asked to do alongside a copy; a method that cannot says why, in one line. */
export type MethodFeature = 'ring' | 'parallel' | 'maxRate' | 'donor' | 'maxLoad' | 'hostSsh';

export interface MethodTraits {
  name: MethodName;
  /** A logical copy (SQL through a client) rather than data files (mariadb-backup) or a copy inside the servers (CLONE). */
  logical: boolean;
  /** GS is under FLUSH TABLES WITH READ LOCK from step 3 to step 5 when the copy reads GS (the seed's procedure). */
  locksGs: boolean;
  /** Reading GS, the copy holds one snapshot (a transaction) for its whole length: DDL on GS waits for it. */
  snapshotOnGs: boolean;
  /** How GS stands on the live line while the copy runs, when it is not locked and is read. */
  gsWhileCopying?: string;
  /** Features the method cannot work with, each with the one line that refuses it. */
  refuses: Partial<Record<MethodFeature, string>>;
}

/** An ssh target (--good-ssh, --bad-ssh, --donor-ssh) given to a method that runs no command on a server's host. */
const noHostCommands = (m: MethodName) =>
  `the ssh targets run the physical method’s host commands (mariadb-backup, BS’s stop and start); --method ${m} runs none: add --method physical, or leave them out`;

const MAX_LOAD_LOCKS = 'GS is locked during the copy, so a pause would lengthen the lock: use --method online or physical, or --max-rate';

export const METHOD_TRAITS: Record<MethodName, MethodTraits> = {
  classic: {
    name: 'classic',
    logical: true,
    locksGs: true,
    snapshotOnGs: false,
    refuses: { maxLoad: `--max-load pauses the copy while GS is busy; with --method classic ${MAX_LOAD_LOCKS}`, hostSsh: noHostCommands('classic') },
  },
  online: {
    name: 'online',
    logical: true,
    locksGs: false,
    snapshotOnGs: true,
    gsWhileCopying: 'GS writable (snapshot)',
    refuses: { hostSsh: noHostCommands('online') },
  },
  physical: {
    name: 'physical',
    logical: false,
    locksGs: false,
    snapshotOnGs: false,
    refuses: { parallel: '--parallel splits a logical copy (--method classic or online); --method physical copies data files' },
  },
  clone: {
    name: 'clone',
    logical: false,
    locksGs: false,
    snapshotOnGs: false,
    refuses: {
      // A ring's extra steps (D's catch-up, D pointed at BS) are rehearsed with every copy the lab's MariaDB can run;
      // CLONE is MySQL's own, and a ring recovered with it would run steps never rehearsed.
      ring: '--ring works with --method classic, online or physical, not clone: a ring’s steps are rehearsed only with copies MariaDB can run, and CLONE is MySQL’s (use --method physical)',
      parallel: '--parallel splits a logical copy (--method classic or online); --method clone copies data files',
      maxRate: '--max-rate caps a copy stream; --method clone copies inside the servers (CLONE INSTANCE): leave it out',
      donor:
        '--donor does not work with --method clone: CLONE INSTANCE copies from the server BS clones (GS), not from a replica of it; leave out --donor or use --method classic, online or physical',
      maxLoad:
        '--max-load pauses the copy while GS is busy; with --method clone there is no copy stream to pause: use --method online or physical, or --max-rate',
      hostSsh: noHostCommands('clone'),
    },
  },
};

/** The line refusing the first feature asked (`true`, in the order given) that `method` cannot work with, or undefined. */
export function methodRefusal(method: MethodName | undefined, asked: Partial<Record<MethodFeature, boolean>>): string | undefined {
  if (!method) return undefined; // not given: the default (classic) is applied after these checks
  const refused = (Object.keys(asked) as MethodFeature[]).find((f) => asked[f] && METHOD_TRAITS[method].refuses[f]);
  return refused && METHOD_TRAITS[method].refuses[refused];
}

/** The options that serve only the physical method's host commands: where each is read, and its flag. */
export const HOST_OPTIONS = [
  ['goodSsh', '--good-ssh'],
  ['badSsh', '--bad-ssh'],
  ['donorSsh', '--donor-ssh'],
  ['sshConfig', '--ssh-config'],
  ['badService', '--bad-service'],
  ['badStopCommand', '--bad-stop-command'],
  ['badStartCommand', '--bad-start-command'],
] as const;
export type HostOption = (typeof HOST_OPTIONS)[number][0];

/**
 * The host options a run with this method (and donor, or none) never uses: all of them for a method that runs no
 * command on a server's host; --good-ssh from a donor (the backup runs on the donor's host); --donor-ssh without one.
 * Typed on the command line they are refused; a resume line leaves them out (the run it resumes never used them).
 */
export function unusedHostOptions(method: MethodName, donor: boolean): Set<HostOption> {
  if (METHOD_TRAITS[method].refuses.hostSsh) return new Set(HOST_OPTIONS.map(([k]) => k));
  const unused = new Set<HostOption>();
  if (donor) unused.add('goodSsh');
  else unused.add('donorSsh');
  return unused;
}
