// The procedure, in the seed's order. This list is the plan: the dry run and the real run walk the very same steps.
import { isolate } from './steps/s01-isolate.js';
import { stopBsReplica } from './steps/s02-stop-bs-replica.js';
import { lockGs } from './steps/s03-lock-gs.js';
import { copyData } from './steps/s04-copy.js';
import { unlockGs } from './steps/s05-unlock-gs.js';
import { pointBsAtGs } from './steps/s06-point-bs-at-gs.js';
import { startBsReplica } from './steps/s07-start-bs-replica.js';
import { recordBs } from './steps/s08-record-bs.js';
import { pointGsAtBs } from './steps/s09-point-gs-at-bs.js';
import { startGsReplica } from './steps/s10-start-gs-replica.js';
import { restoreBs } from './steps/s11-restore-bs.js';
import type { Step } from './steps/step.js';

export const STEPS: readonly Step[] = [isolate, stopBsReplica, lockGs, copyData, unlockGs, pointBsAtGs, startBsReplica, recordBs, pointGsAtBs, startGsReplica, restoreBs];

/** Steps whose question is asked by an earlier step (3 confirms 4 and 5). */
export const CONFIRMED_BY: ReadonlyMap<number, number> = new Map(STEPS.flatMap((s) => (s.confirms ?? []).map((id) => [id, s.id] as [number, number])));

export type { Step, PlannedAction } from './steps/step.js';
