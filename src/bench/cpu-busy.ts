// CPU the whole machine spent, from /proc/stat: user, nice, system, irq and softirq of every core, in seconds. The
// parallel bench reads it at a copy's start and end: on a machine whose cores the copy saturates (both servers and
// every client on the same cores), the copy's wall time follows the CPU it needs, and the CPU is the steadier figure
// on a shared host (another tenant's load shows as steal, which is not counted here). Linux only; undefined elsewhere.
import { readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc/stat on Linux (sysconf(_SC_CLK_TCK), 100 on every mainstream architecture). */
const TICKS_PER_SECOND = 100;

export function cpuBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds between two readings, rounded; undefined when either is. */
export const cpuBetween = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : Math.round((to - from) * 100) / 100;
