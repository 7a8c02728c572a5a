// A stand-in MySQL server for unit tests (mysql2's own server side): it completes the login, answers the variables
// query a ServerSession reads on connecting, and then answers only what `answer` says; any other statement is left
// unanswered forever, as a frozen server would. Also a listener that accepts connections and never says a word.
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import mysql from 'mysql2';

const VAR_STRING = 253;
const UTF8 = 33;

interface ServerConnection {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: 'query', fn: (sql: string) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  writeTextResult(rows: Array<Record<string, string>>, columns: Array<Record<string, unknown>>): void;
  writeOk(args?: Record<string, unknown>): void;
  stream: Socket;
  sequenceId: number;
  handlePacket(packet?: { sequenceId: number }): void;
}

const column = (name: string) => ({
  catalog: 'def',
  schema: '',
  table: '',
  orgTable: '',
  name,
  orgName: name,
  characterSet: UTF8,
  columnLength: 1024,
  columnType: VAR_STRING,
  flags: 0,
  decimals: 0,
});

export interface FakeServer {
  port: number;
  /** Statements received, in order. */
  received: string[];
  close(): Promise<void>;
}

export async function fakeMysql(
  answer: (sql: string) => Array<Record<string, string>> | 'ok' | undefined = () => undefined,
  opts: { answerVariables?: boolean } = {},
): Promise<FakeServer> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = (
    mysql as unknown as {
      createServer(): {
        on(e: 'connection', fn: (c: ServerConnection) => void): void;
        listen(port: number, host: string, cb: () => void): void;
        _server: TcpServer;
      };
    }
  ).createServer();
  let id = 0;
  server.on('connection', (conn) => {
    sockets.add(conn.stream);
    conn.on('error', () => undefined);
    // Each command the client sends is numbered from 0; mysql2's server side does not expect that, and would warn.
    const handle = conn.handlePacket.bind(conn);
    conn.handlePacket = (packet) => {
      if (packet?.sequenceId === 0) conn.sequenceId = 0;
      handle(packet);
    };
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.99-MariaDB-fake',
      connectionId: ++id,
      statusFlags: 2,
      characterSet: UTF8,
      capabilityFlags: 0xf7ff,
    });
    conn.on('query', (sql) => {
      received.push(sql);
      if (/^SHOW GLOBAL VARIABLES/.test(sql) && opts.answerVariables !== false) {
        const vars: Record<string, string> = {
          version: '10.11.99-MariaDB',
          version_comment: 'fake',
          server_id: '9',
          hostname: 'fake',
          port: '3306',
          datadir: '/fake/',
          log_bin: 'ON',
        };
        conn.writeTextResult(
          Object.entries(vars).map(([Variable_name, Value]) => ({ Variable_name, Value })),
          [column('Variable_name'), column('Value')],
        );
        return;
      }
      // The rest of what a session reads on connecting: its sql_mode and whether it is encrypted.
      if (/^SELECT @@SESSION\.sql_mode/.test(sql) && opts.answerVariables !== false) {
        conn.writeTextResult([{ m: '' }], [column('m')]);
        return;
      }
      if (/^SHOW SESSION STATUS LIKE 'Ssl_cipher'/.test(sql) && opts.answerVariables !== false) {
        conn.writeTextResult([{ Variable_name: 'Ssl_cipher', Value: '' }], [column('Variable_name'), column('Value')]);
        return;
      }
      const a = answer(sql);
      if (a === 'ok') conn.writeOk();
      else if (a) conn.writeTextResult(a, Object.keys(a[0] ?? { x: '' }).map(column));
      // undefined: never answered.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tcp = server._server;
  return {
    port: (tcp.address() as AddressInfo).port,
    received,
    close: () => closeTcp(tcp, sockets),
  };
}

/** Accepts TCP connections and never sends anything: a stopped server's listen socket. */
export async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return { port: (tcp.address() as AddressInfo).port, close: () => closeTcp(tcp, sockets) };
}

function closeTcp(tcp: TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => tcp.close(() => resolve()));
}
