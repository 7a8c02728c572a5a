// A TCP port that records every connection made to it and answers none: proof that nothing was reached.
import { createServer, type Server } from 'node:net';

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
