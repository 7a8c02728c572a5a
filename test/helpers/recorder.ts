// A TCP port that records every connection made to it and answers none: proof that nothing was reached.
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface Recorder {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

export async function recordingPort(): Promise<Recorder> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Two recording ports standing for GS and BS, open for a file's tests: their --good/--bad, and every connection made. */
export function useRecordedPair() {
  let gs: Recorder;
  let bs: Recorder;
  beforeAll(async () => {
    [gs, bs] = await Promise.all([recordingPort(), recordingPort()]);
  });
  afterAll(async () => {
    await Promise.all([gs.close(), bs.close()]);
  });
  return {
    ports: () => ({ good: `127.0.0.1:${gs.port}`, bad: `127.0.0.1:${bs.port}` }),
    args: () => ['--good', `127.0.0.1:${gs.port}`, '--bad', `127.0.0.1:${bs.port}`],
    connections: () => gs.connections() + bs.connections(),
  };
}

/** The environment of a CLI run against the recorded pair: passwords given, a private state directory. */
export const recordedEnv = () => ({
  MMRECOVER_PASSWORD: 'pw',
  MMRECOVER_REPL_PASSWORD: 'r3pl',
  XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-state-')),
});
