// The procedure, in the seed's order. This list is the plan: the dry run and the real run walk the very same steps.
import { isolate } from './s01-isolate.js';
import { stopBsReplica } from './s02-stop-bs-replica.js';
import { lockGs } from './s03-lock-gs.js';
import { copyData } from './s04-copy.js';
import { unlockGs } from './s05-unlock-gs.js';
import { pointBsAtGs } from './s06-point-bs-at-gs.js';
import { startBsReplica } from './s07-start-bs-replica.js';
import { recordBs } from './s08-record-bs.js';
import { pointGsAtBs } from './s09-point-gs-at-bs.js';
import { startGsReplica } from './s10-start-gs-replica.js';
import { restoreBs } from './s11-restore-bs.js';
import type { Step } from './step.js';

export const STEPS: readonly Step[] = [isolate, stopBsReplica, lockGs, copyData, unlockGs, pointBsAtGs, startBsReplica, recordBs, pointGsAtBs, startGsReplica, restoreBs];

/** Steps whose question is asked by an earlier step (3 confirms 4 and 5). */
export const CONFIRMED_BY: ReadonlyMap<number, number> = new Map(STEPS.flatMap((s) => (s.confirms ?? []).map((id) => [id, s.id] as [number, number])));

export type { Step, PlannedAction } from './step.js';
