// The I/O that planning needs beyond reading the servers, supplied to the recovery through its context: recovery/
// itself opens no session, spawns no process and reads no filesystem (issue 27, "planning performs no I/O of its
// own"). Each probe only looks; none changes anything.
import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ownEventsSince } from '../adapters/shell/binlog-reader.js';
import { findBinlogReader, type ClientProgram } from '../adapters/shell/clients.js';
import { checkOnHost, runOnHost } from '../adapters/shell/host-exec.js';
import { ServerSession } from '../adapters/mysql/session.js';
import type { Coordinates } from '../adapters/mysql/replication.js';
import type { Members } from '../config/members.js';
import type { HostProbes } from '../recovery/context.js';

async function free(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

export function hostProbes(members: Members, o: { bsTls: () => boolean; signal: AbortSignal }): HostProbes {
  let reader: Promise<ClientProgram> | undefined;
  return {
    async loginToGs(user, password) {
      const s = await ServerSession.connect({ ...members.GS.endpoint, user, password, label: 'GS' }, { connectTimeoutMs: 5000 }).catch((err: Error) => err);
      if (s instanceof Error) return s;
      await s.close();
      return undefined;
    },
    async freeBytes(path, o = {}) {
      if (!o.orNearestParent) return existsSync(path) ? free(path) : undefined;
      // The directory may not exist yet: measure the nearest parent that does.
      for (let d = path; ; d = dirname(d)) {
        try {
          return await free(d);
        } catch {
          if (dirname(d) === d) return undefined;
        }
      }
    },
    run: runOnHost,
    check: checkOnHost,
    readKept: (path) => readFile(path, 'utf8'),
    binlogReader: () => (reader ??= findBinlogReader()),
    bsOwnEvents: (from: Coordinates, serverId: number) => ownEventsSince({ ...members.BS.endpoint, serverTls: o.bsTls() }, from, serverId, o.signal),
  };
}
