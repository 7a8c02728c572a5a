// The credentials a client program (the dump, the import, the binlog reader) reaches a server with: a 0600 option file
// per server a command line names, created when it runs and removed by the caller on every exit path.
import type { ServerSession } from '../adapters/mysql/session.js';
import type { Clients } from '../adapters/shell/clients.js';
import { endpointCredentials, writeOptionFile, type OptionFile } from '../adapters/shell/option-file.js';
import { memberOf, type Members } from '../config/members.js';
import { argvWith, optionFileRoles, type CommandLine, type FileRole, type Member } from '../recovery/actions.js';

export interface ClientDeps {
  members: Members;
  sessions: Partial<Record<Member, ServerSession>>;
  clients: () => Promise<Clients>;
}

/** How a client program reaches `role`; whether the server offered TLS to our own session stands in for PREFERRED. */
export function clientEndpoint(d: ClientDeps, role: FileRole) {
  return { ...memberOf(d.members, role).endpoint, serverTls: Boolean(d.sessions[role]?.identity.sslCipher) };
}

/** What to spawn for a command line, its option files filled in (the pipe runs `via` first, as shown). */
export function spawnOf(c: CommandLine, paths: Partial<Record<FileRole, string>>): { command: string; args: string[]; via?: string[] } {
  return { command: c.program, args: argvWith(c, paths), ...(c.via ? { via: c.via } : {}) };
}

/** Option files for the roles a command line needs, pushed onto `files` for the caller to remove. */
export async function clientOptionFiles(d: ClientDeps, c: CommandLine, files: OptionFile[]): Promise<Partial<Record<FileRole, string>>> {
  const clients = await d.clients();
  const out: Partial<Record<FileRole, string>> = {};
  for (const role of optionFileRoles(c)) {
    const program = c.program === clients.load.command ? clients.load : clients.dump;
    const f = await writeOptionFile(endpointCredentials(clientEndpoint(d, role)), { flavor: program.flavor, version: program.version });
    files.push(f);
    out[role] = f.path;
  }
  return out;
}
