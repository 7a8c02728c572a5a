// Issue 29: where the import's time goes, on one lab and the same data, in the same run. The dump is spooled to a file
// once, so that each import below reads the same bytes and times BS alone:
//   - the dump alone, to /dev/null (GS and the dump client: the floor of any one-stream copy);
//   - the import with BS's binary log and without it (sql_log_bin = 0, the tool's default where no replica of BS needs
//     it: recovery/import-binlog.ts);
//   - the same unlogged import with one transaction per table (the dump's --no-autocommit) instead of one per
//     extended INSERT, for the cost of commits;
//   - for each import, the CPU the client (parsing the SQL text, sending it) and BS's mariadbd spent, from
//     /proc/<pid>/stat and the client's rusage: how much of the two cores each side takes.
// One JSON object per line on stdout, like the rest of the bench.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { findClients } from '../adapters/shell/clients.js';
import { dumpArgs, loadArgs } from '../adapters/shell/dump-args.js';
import { writeOptionFile } from '../adapters/shell/option-file.js';
import { startLab, type Lab } from '../lab/lab.js';
import { loadOrders } from '../lab/load.js';

/** user + system CPU seconds a process has used so far (Linux /proc; clock ticks of 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Run a command with stdin/stdout redirected; wall seconds and the child's own CPU seconds (via /usr/bin/time). */
function timed(command: string, args: string[], io: { stdin?: string; stdout?: string }): Promise<{ seconds: number; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn('/usr/bin/time', ['-f', '%U %S', command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    if (io.stdin) createReadStream(io.stdin).pipe(p.stdin);
    else p.stdin.end();
    p.stdout.pipe(io.stdout ? createWriteStream(io.stdout) : createWriteStream('/dev/null'));
    p.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const last = err.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${command} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      const [u, s] = last.split(' ').map(Number);
      resolve({ seconds, cpuSeconds: (u || 0) + (s || 0) });
    });
  });
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function importBench(o: { rows: number; dir?: string }): Promise<void> {
  const lab: Lab = await startLab({ dir: o.dir ? join(o.dir, `import-${o.rows}`) : undefined });
  const spool = mkdtempSync(join(tmpdir(), 'mmrecover-bench-import-'));
  try {
    process.stderr.write(`bench: import, ${o.rows} rows: loading…\n`);
    const a = await lab.connect('a');
    await loadOrders(a, o.rows);
    await a.close();
    // BS must not replicate anything while it is imported into, nor GS replicate the logged import back.
    for (const w of ['a', 'b'] as const) {
      const s = await lab.connect(w);
      await s.query(s.dialect.stopReplica());
      await s.close();
    }
    const c = await findClients();
    const creds = (w: 'a' | 'b') => ({ host: '127.0.0.1', port: lab.server(w).port, user: lab.state.adminUser, password: lab.state.adminPassword });
    const [gs, bs] = [await writeOptionFile(creds('a'), c.dump.flavor), await writeOptionFile(creds('b'), c.load.flavor)];
    const emit = (x: Record<string, unknown>) => process.stdout.write(JSON.stringify({ part: 'import', rows: o.rows, cores: cpus().length, ...x }) + '\n');
    try {
      const dump = (extra: string[]) => [...dumpArgs(c, { optionFile: gs.path, consistency: 'transaction', databases: ['shop'] }), ...extra];
      process.stderr.write('bench: import: the dump alone, to /dev/null…\n');
      const alone = await timed(c.dump.command, dump([]), {});
      emit({ variant: 'dump alone to /dev/null', seconds: round(alone.seconds), clientCpuSeconds: round(alone.cpuSeconds) });
      const files = { perInsert: join(spool, 'per-insert.sql'), perTable: join(spool, 'per-table.sql') };
      await timed(c.dump.command, dump([]), { stdout: files.perInsert });
      await timed(c.dump.command, dump(['--no-autocommit']), { stdout: files.perTable });
      const bsPid = lab.server('b').pid;
      const variants: Array<{ variant: string; file: string; unlogged: boolean }> = [
        { variant: 'import, binary log on', file: files.perInsert, unlogged: false },
        { variant: 'import, sql_log_bin = 0', file: files.perInsert, unlogged: true },
        { variant: 'import, sql_log_bin = 0, one transaction per table (--no-autocommit)', file: files.perTable, unlogged: true },
        { variant: 'import, binary log on (again, for the spread)', file: files.perInsert, unlogged: false },
        { variant: 'import, sql_log_bin = 0 (again)', file: files.perInsert, unlogged: true },
      ];
      for (const v of variants) {
        process.stderr.write(`bench: import: ${v.variant}…\n`);
        const s = await lab.connect('b');
        const before = (await s.query('SHOW BINARY LOGS')).reduce((n, r) => n + Number(r.File_size), 0);
        const serverBefore = cpuSeconds(bsPid);
        const r = await timed(c.load.command, loadArgs(c, { optionFile: bs.path, unlogged: v.unlogged }), { stdin: v.file });
        const serverCpu = cpuSeconds(bsPid) - serverBefore;
        const after = (await s.query('SHOW BINARY LOGS')).reduce((n, x) => n + Number(x.File_size), 0);
        await s.close();
        emit({
          variant: v.variant,
          dumpBytes: statSync(v.file).size,
          seconds: round(r.seconds),
          mbPerSecond: round(statSync(v.file).size / 1e6 / r.seconds),
          clientCpuSeconds: round(r.cpuSeconds),
          serverCpuSeconds: round(serverCpu),
          binlogBytesWritten: after - before,
        });
      }
    } finally {
      await Promise.all([gs.dispose(), bs.dispose()]);
    }
  } finally {
    rmSync(spool, { recursive: true, force: true });
    await lab.stop();
  }
}
