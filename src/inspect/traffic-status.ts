// `status --fence …`: the state HAProxy gives each named backend/server (runtime API, read only), and its sessions.
import { parseSocket, serverCounters, serverState, showInfo } from '../adapters/haproxy/runtime-api.js';
import { parseFence } from '../config/traffic-fence.js';

export interface FenceStatus {
  fence: string;
  /** ready, drain or maint; absent when HAProxy could not tell (then `error`). */
  state?: string;
  /** Sessions to that server now, and since HAProxy started. */
  current?: number;
  total?: number;
  error?: string;
}

export async function gatherFenceStatus(specs: readonly string[], timeoutMs: number): Promise<FenceStatus[]> {
  return Promise.all(
    specs.map(async (spec): Promise<FenceStatus> => {
      const f = parseFence(spec);
      const sock = parseSocket(f.socket)!;
      try {
        await showInfo(sock, timeoutMs);
        const st = await serverState(sock, f.backend, f.server, timeoutMs);
        const c = await serverCounters(sock, f.backend, f.server, timeoutMs);
        return { fence: spec, state: st.admin, current: c.current, total: c.total };
      } catch (err) {
        return { fence: spec, error: (err as Error).message };
      }
    }),
  );
}

export function renderFenceStatus(list: readonly FenceStatus[]): string[] {
  if (!list.length) return [];
  return [
    'HAProxy (--fence):',
    ...list.map((f) =>
      f.error ? `  ${f.fence}: UNKNOWN (${f.error})` : `  ${f.fence}: ${f.state}, ${f.current} session(s) now, ${f.total} since HAProxy started`,
    ),
  ];
}
