// The run's control socket (gh-ost's interactive commands are the model): a Unix socket the operator writes one
// command to, one answer line back. `status`, `throttle`, `no-throttle`, `max-rate=<n>` (10M, 512K; 0 or none: no cap).
import { createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { formatRate, parseRate, type Throttle } from './throttle.js';

export function answer(throttle: Throttle, line: string): string {
  const cmd = line.trim();
  const s = throttle.state();
  if (cmd === 'status' || cmd === '')
    return `${s.reason ? `throttled: ${s.reason}` : 'not throttled'}; max-rate ${s.maxRate !== undefined ? formatRate(s.maxRate) : 'none'}; ${throttle.granted} bytes copied`;
  if (cmd === 'throttle') {
    throttle.pause('operator', 'by the operator (control socket)');
    return 'throttled: the copy is paused until no-throttle';
  }
  if (cmd === 'no-throttle') {
    throttle.resume('operator');
    return 'no-throttle: the operator’s pause is lifted';
  }
  const m = /^max-rate\s*=\s*(.*)$/.exec(cmd);
  if (m) {
    if (m[1] === '0' || m[1] === 'none') {
      throttle.setMaxRate(undefined);
      return 'max-rate: none';
    }
    const rate = parseRate(m[1]);
    if (rate === undefined) return `error: max-rate=${m[1]}: must be bytes per second, at least 1K (10M, 512K), or 0 for none`;
    throttle.setMaxRate(rate);
    return `max-rate: ${formatRate(rate)}`;
  }
  return `error: unknown command "${cmd}" (status, throttle, no-throttle, max-rate=<n>)`;
}

export class ControlSocket {
  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  static async listen(path: string, throttle: Throttle): Promise<ControlSocket> {
    rmSync(path, { force: true });
    const server = createServer((conn) => {
      conn.setEncoding('utf8');
      let buf = '';
      conn.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          conn.write(answer(throttle, buf.slice(0, i)) + '\n');
          buf = buf.slice(i + 1);
        }
      });
      conn.on('end', () => {
        if (buf.trim()) conn.write(answer(throttle, buf) + '\n');
        conn.end();
      });
      conn.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return new ControlSocket(path, server);
  }

  /** Stop listening and remove the socket file (every exit path of the run calls it). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
