// What every lab server is doing, for `mmrecover lab status`.
import { readReplicaStatus } from '../adapters/mysql/replication.js';
import type { Lab, LabName } from './lab.js';

export interface LabServerStatus {
  name: LabName;
  port: number;
  socket: string;
  up: boolean;
  /** The member it replicates from. */
  upstream: LabName;
  replication?: { io: string; sql: string; lastIoErrno: number; lastIoError: string; lastSqlErrno: number; lastSqlError: string; lag: number | null };
  error?: string;
}

export async function labStatus(lab: Lab): Promise<{ dir: string; gtid: boolean; tls: boolean; masters: number; servers: LabServerStatus[] }> {
  const servers = await Promise.all(
    lab.all.map(async (w): Promise<LabServerStatus> => {
      const s = lab.server(w);
      const base = { name: w, port: s.port, socket: s.socket, up: lab.isUp(w), upstream: w === 'r' ? ('a' as LabName) : lab.upstream(w) };
      if (!base.up) return base;
      try {
        const session = await lab.connect(w);
        try {
          const r = await readReplicaStatus(session);
          return {
            ...base,
            replication: {
              io: r.ioRunning,
              sql: r.sqlRunning,
              lastIoErrno: r.lastIoErrno,
              lastIoError: r.lastIoError,
              lastSqlErrno: r.lastSqlErrno,
              lastSqlError: r.lastSqlError,
              lag: r.lagSeconds,
            },
          };
        } finally {
          await session.close();
        }
      } catch (err) {
        return { ...base, error: (err as Error).message };
      }
    }),
  );
  return { dir: lab.dir, gtid: lab.gtid, tls: Boolean(lab.state.tls), masters: lab.masters, servers };
}
