// `mmrecover lab up | status | break <mode> | down | env`: a local master-master pair (or a ring of 3 to 6) to rehearse on.
import { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { BREAK_MODES, breakLab } from '../lab/break.js';
import { MAX_MASTERS, forgetLab, isMember, loadLab, parseMasters, startLab, type Lab, type Which } from '../lab/lab.js';
import { labStatus } from '../lab/status.js';
import { recoverLine } from '../config/options.js';
import { shellQuote } from '../config/shell-quote.js';
import type { CliIo } from './io.js';

function port(flag: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`${flag} must be a port number 1-65535, not "${v}"`);
    return Number(v);
  };
}

/** --fence for the lab's HAProxy entry of `which`. */
export function labFence(lab: Lab, which: Which): string {
  const hp = lab.state.haproxy;
  if (!hp) throw new UsageError('this lab has no HAProxy: start it with "mmrecover lab up --haproxy"');
  return `haproxy:${hp.socket}:${hp.backend}/${hp.servers[which]}`;
}

export function labEnvLines(lab: Lab): string[] {
  return Object.entries(lab.env()).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}

export function labCommandLine(lab: Lab, good: 'a' | 'b' = 'a'): string {
  if (lab.members.length > 2) return labRingCommandLine(lab, 'b');
  const bad = good === 'a' ? lab.b : lab.a;
  const g = good === 'a' ? lab.a : lab.b;
  const tls = lab.state.tls ? { sslMode: 'VERIFY_CA', sslCa: lab.state.tls.ca, replicationSsl: true } : {};
  return recoverLine({ good: `127.0.0.1:${g.port}`, bad: `127.0.0.1:${bad.port}`, user: lab.state.adminUser, replUser: lab.state.replUser, ...tls });
}

/** The recover line for a ring lab with `bad` broken: --ring in replication order. */
export function labRingCommandLine(lab: Lab, bad: Which): string {
  const tls = lab.state.tls ? { sslMode: 'VERIFY_CA', sslCa: lab.state.tls.ca, replicationSsl: true } : {};
  const addr = (w: Which) => `127.0.0.1:${lab.server(w).port}`;
  return recoverLine({ ring: lab.members.map(addr).join(','), bad: addr(bad), user: lab.state.adminUser, replUser: lab.state.replUser, ...tls });
}

export function registerLabCommand(program: Command, io: CliIo): void {
  const lab = program
    .command('lab')
    .description(`a local pair of MariaDB servers replicating master-master (or a ring of 3 to ${MAX_MASTERS}), to rehearse on`);

  lab
    .command('up')
    .description(`start two mariadbd servers (a and b) replicating master-master, or a ring of 3 to ${MAX_MASTERS} (--masters)`)
    .option('--dir <dir>', 'keep the lab in this directory (default: a new temp directory)')
    .option('--gtid', 'replicate with MASTER_USE_GTID=slave_pos')
    .option('--tls', 'TLS everywhere: a generated CA, require_secure_transport, replication over SSL')
    .option('--port-a <port>', 'TCP port of server a (default: a free one)', port('--port-a'))
    .option('--port-b <port>', 'TCP port of server b (default: a free one)', port('--port-b'))
    .option('--port-c <port>', 'TCP port of server c, with --masters 3 or more (default: a free one; d, e, f always get free ones)', port('--port-c'))
    .option('--replica', 'add server r, a replica of a (file/position, or GTID with --gtid), to copy from with --donor')
    .option('--port-r <port>', 'TCP port of server r, with --replica (default: a free one)', port('--port-r'))
    .option('--masters <n>', `2: a master-master pair; 3 to ${MAX_MASTERS}: a ring a → b → … → a`, parseMasters, 2)
    .option('--haproxy', "Debian's HAProxy in front of the servers (TCP mode, one backend with all of them, its stats socket in the lab directory)")
    .action(
      async (o: {
        dir?: string;
        gtid?: boolean;
        tls?: boolean;
        portA?: number;
        portB?: number;
        portC?: number;
        portR?: number;
        replica?: boolean;
        masters: number;
        haproxy?: boolean;
      }) => {
        const started = Date.now();
        const l = await startLab({ ...o, env: io.env });
        const ring = l.members.length > 2;
        io.err(
          `Lab up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${ring ? `a ring of ${l.members.length} MariaDB masters (${[...l.members, l.members[0]].join(' → ')})` : 'two MariaDB servers replicating master-master'}${l.gtid ? ' by GTID' : ''}${l.state.tls ? ' over TLS' : ''}.`,
        );
        for (const w of l.members) {
          const s = l.server(w);
          io.err(
            `  ${w}: 127.0.0.1:${s.port} (socket ${s.socket}), server_id ${s.serverId}${ring ? `, gtid_domain_id ${s.serverId}, replicates from ${l.upstream(w)}` : ''}`,
          );
        }
        if (l.state.r) {
          const r = l.server('r');
          io.err(`  r: 127.0.0.1:${r.port} (socket ${r.socket}), server_id ${r.serverId}, a replica of a (copy from it: add --donor 127.0.0.1:${r.port})`);
        }
        io.err(`  admin ${l.state.adminUser}, replication ${l.state.replUser}; data in ${l.dir}`);
        const hp = l.state.haproxy;
        if (hp)
          io.err(`  haproxy: clients on 127.0.0.1:${hp.port} (backend ${hp.backend}: ${Object.values(hp.servers).join(', ')}), stats socket ${hp.socket}`);
        io.err('');
        io.err(`Break it (conflict | diverged | stopped | wiped), then recover b from ${ring ? 'its upstream a' : 'a'}:`);
        io.err('  mmrecover lab break conflict');
        io.err('  eval "$(mmrecover lab env)"');
        io.err(`  ${labCommandLine(l)}`);
        const svc = l.serviceCommands('b');
        if (hp) io.err(`  (traffic fence: add --fence ${shellQuote(labFence(l, 'b'))})`);
        io.err(`  (physical copy: add --method physical --bad-stop-command ${shellQuote(svc.stop)} --bad-start-command ${shellQuote(svc.start)})`);
        io.err('Stop it: mmrecover lab down');
      },
    );

  lab
    .command('env')
    .description('print shell exports of the lab passwords (eval "$(mmrecover lab env)")')
    .option('--dir <dir>', 'the lab directory (default: the lab started last)')
    .action((o: { dir?: string }) => {
      for (const line of labEnvLines(loadLab(o.dir, io.env))) io.out(line);
    });

  lab
    .command('status')
    .description('show every lab server and its replication')
    .option('--dir <dir>', 'the lab directory (default: the lab started last)')
    .option('--json', 'as JSON')
    .action(async (o: { dir?: string; json?: boolean }) => {
      const st = await labStatus(loadLab(o.dir, io.env));
      if (o.json) return io.out(JSON.stringify(st));
      io.out(`Lab in ${st.dir}${st.masters > 2 ? ` (ring of ${st.masters})` : ''}${st.gtid ? ' (GTID)' : ''}${st.tls ? ' (TLS)' : ''}`);
      const hp = loadLab(o.dir, io.env).state.haproxy;
      if (hp) io.out(`  haproxy: 127.0.0.1:${hp.port}, stats socket ${hp.socket}, backend ${hp.backend}`);
      for (const s of st.servers) {
        const r = s.replication;
        const repl = r
          ? `IO ${r.io}, SQL ${r.sql}, lag ${r.lag ?? 'NULL'}${r.lastIoErrno ? `, IO error ${r.lastIoErrno}: ${r.lastIoError}` : ''}${r.lastSqlErrno ? `, SQL error ${r.lastSqlErrno}: ${r.lastSqlError}` : ''}`
          : (s.error ?? '');
        io.out(`  ${s.name}: 127.0.0.1:${s.port} ${s.up ? 'up' : 'DOWN'}${s.up ? `; replicating from ${s.upstream}: ${repl}` : ''}`);
      }
    });

  lab
    .command('break')
    .description(`put the pair, or the ring link into one member, into a failed state: ${Object.keys(BREAK_MODES).join(' | ')}`)
    .argument(
      '<mode>',
      Object.entries(BREAK_MODES)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    )
    .option('--bad <server>', 'which member ends up bad, a to f (in a ring: the link from its upstream breaks)', 'b')
    .option('--dir <dir>', 'the lab directory (default: the lab started last)')
    .action(async (mode: string, o: { bad: string; dir?: string }) => {
      if (!Object.hasOwn(BREAK_MODES, mode)) throw new UsageError(`lab break: unknown mode "${mode}"; choose one of ${Object.keys(BREAK_MODES).join(', ')}`);
      const l = loadLab(o.dir, io.env);
      const bad = o.bad;
      if (!isMember(bad) || !l.members.includes(bad))
        throw new UsageError(
          `lab break --bad ${bad}: this lab's members are ${l.members.join(', ')}${l.state.r && bad === 'r' ? ' (r is a replica, not a member)' : ''}`,
        );
      io.err(`Broke the lab: ${await breakLab(l, mode, { bad })}`);
    });

  lab
    .command('down')
    .description('stop every lab server and remove their data')
    .option('--dir <dir>', 'the lab directory (default: the lab started last)')
    .action(async (o: { dir?: string }) => {
      const l = loadLab(o.dir, io.env);
      await l.stop();
      forgetLab(l, io.env);
      io.err(`Lab down: ${l.all.length > 2 ? `all ${l.all.length}` : 'both'} servers stopped, ${l.dir} removed.`);
    });
}
