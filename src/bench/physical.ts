// The benchmark's part for --method physical: the flags a lab run needs, and the figures of the line it prints.
import type { Lab } from '../lab/lab.js';

export const BENCH_METHODS = ['classic', 'online', 'physical'] as const;
export type BenchMethod = (typeof BENCH_METHODS)[number];

/** Extra flags of the tool's run: the lab's own stop/start scripts for BS (its restart is part of the copy). */
export function methodArgs(lab: Lab, method: BenchMethod): string[] {
  if (method !== 'physical') return [];
  const svc = lab.serviceCommands('b');
  return ['--bad-stop-command', svc.stop, '--bad-start-command', svc.start];
}

/** The raw pipe each method is compared with: the logical dump | load with the same consistency (physical: a snapshot). */
export const rawConsistency = (method: BenchMethod): 'classic' | 'online' => (method === 'classic' ? 'classic' : 'online');

/**
 * For the physical method, the whole of step 4 (the stream, the prepare, BS's stop, the swap and BS's restart, until
 * BS answers again) against the raw logical pipe of the same run: the issue asks for ≤ 0.5.
 */
export function physicalFigures(method: BenchMethod, stepsMs: Record<string, number>, rawSeconds: number): Record<string, number | null> {
  if (method !== 'physical') return {};
  const s = (stepsMs['4'] ?? 0) / 1000;
  return { physicalCopySeconds: Math.round(s * 100) / 100, physicalToRawPipe: rawSeconds > 0 ? Math.round((s / rawSeconds) * 100) / 100 : null };
}
