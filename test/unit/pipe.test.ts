// The copy pipe with real child processes (node scripts standing in for the dump and import programs): completeness,
// which side failed, abort, redaction, bounded memory. The same code runs mariadb-dump | mariadb in the integration tests.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyAborted, CopyFailed, runCopyPipe, type Command } from '../../src/adapters/shell/pipe.js';

const node = (script: string): Command => ({ command: process.execPath, args: ['-e', script] });
const MARKER = '-- Dump completed on 2026-11-25 03:00:00\n';
/** Writes `lines` lines of SQL-like data, then `end`. */
const dump = (lines: number, end = MARKER, exit = 0) =>
  node(
    `let i=0;const w=()=>{while(i<${lines}){i++;if(!process.stdout.write('INSERT INTO t VALUES ('+i+');\\n'))return process.stdout.once('drain',w);}process.stdout.write(${JSON.stringify(end)},()=>process.exit(${exit}));};w();`,
  );
const sink = (file: string) => node(`const fs=require('fs');const o=fs.createWriteStream(${JSON.stringify(file)});process.stdin.pipe(o);`);

describe('runCopyPipe', () => {
  it('streams everything and resolves when both exit 0 and the dump ended with its marker', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    let last = 0;
    const r = await runCopyPipe({ dump: dump(50_000), load: sink(out), onProgress: (b) => (last = b) });
    const written = readFileSync(out, 'utf8');
    expect(written.endsWith(MARKER)).toBe(true);
    expect(r.bytes).toBe(Buffer.byteLength(written));
    expect(last).toBe(r.bytes);
  });

  it('fails when the dump exits 0 without its completion marker at the end', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    await expect(runCopyPipe({ dump: dump(1000, ''), load: sink(out) })).rejects.toThrow(/did not end with its completion marker/);
    // A marker followed by more data is not an end either.
    const late = node(`process.stdout.write(${JSON.stringify(MARKER)} + 'x'.repeat(10000) + '\\n')`);
    await expect(runCopyPipe({ dump: late, load: sink(out) })).rejects.toThrow(/did not end with its completion marker/);
  });

  it('names the dump side when the dump fails, with its last stderr line and no password', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    const failing = node(
      `process.stdout.write('-- partial\\n');console.error("mysqldump: Got error: 1045: Access denied (using password: 's3cr3t!')");process.exit(2)`,
    );
    const err = await runCopyPipe({ dump: failing, load: sink(out), secrets: ['s3cr3t!'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyFailed);
    expect((err as CopyFailed).side).toBe('dump');
    expect((err as Error).message).toMatch(/exited 2: .*Access denied/);
    expect((err as Error).message).not.toContain('s3cr3t!');
  });

  it('names the import side when the import fails, and stops the dump', async () => {
    const load = node(`process.stdin.once('data',()=>{console.error('ERROR 1064 (42000) at line 1: You have an error in your SQL syntax');process.exit(1)})`);
    const err = await runCopyPipe({ dump: dump(2_000_000), load }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyFailed);
    expect((err as CopyFailed).side).toBe('load');
    expect((err as Error).message).toMatch(/exited 1: ERROR 1064/);
  });

  it('a dump that failed writing because the import had gone is a consequence, even when its exit is seen first', async () => {
    // As in CI: BS killed the import's connection; the import closed its input and exits late (after printing its
    // error), while the dump, writing into a closed socket, says "Got errno 104 on write" and exits 5 first.
    const load: Command = {
      command: 'sh',
      args: ['-c', "head -c 100 >/dev/null; exec 0<&-; echo 'ERROR 2013 (HY000) at line 40: Lost connection to server during query' >&2; sleep 0.7; exit 1"],
    };
    const writer = node(
      `process.stdout.on('error',()=>{console.error('mariadb-dump: Got errno 104 on write');process.exit(5)});const w=()=>{while(process.stdout.write('INSERT INTO t VALUES (1);\\n'));process.stdout.once('drain',w)};w();`,
    );
    const err = await runCopyPipe({ dump: writer, load }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyFailed);
    expect((err as CopyFailed).side).toBe('load');
    expect((err as Error).message).toMatch(/the import side, writing to BS, lost its connection: sh exited 1: ERROR 2013/);
  });

  it('a dump whose server went away names that server, whichever side the tool saw fail first', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    const lost = node(
      `process.stdout.write('-- partial\\n');console.error("mariadb-dump: Error 2013: Lost connection to server during query when dumping table \`orders\` at row: 1");process.exit(2)`,
    );
    const servers = { dump: 'GS 127.0.0.1:3306', load: 'BS 127.0.0.1:3307' };
    const err = (await runCopyPipe({ dump: lost, load: sink(out), servers }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^the dump side, reading GS 127\.0\.0\.1:3306, lost its connection: .*exited 2: .*Lost connection/);
    const load = node(`process.stdin.once('data',()=>{console.error('ERROR 1064 (42000) at line 1: syntax');process.exit(1)})`);
    const importErr = (await runCopyPipe({ dump: dump(2_000_000), load, servers }).catch((e: unknown) => e)) as Error;
    expect(importErr.message).toMatch(/\(the import side, writing to BS 127\.0\.0\.1:3307\)$/);
    const gone = node(`process.stdin.once('data',()=>{console.error('ERROR 2006 (HY000) at line 3097: Server has gone away');process.exit(1)})`);
    const goneErr = (await runCopyPipe({ dump: dump(2_000_000), load: gone, servers }).catch((e: unknown) => e)) as Error;
    expect(goneErr.message).toMatch(
      /^the import side, writing to BS 127\.0\.0\.1:3307, lost its connection: .*gone away\. If BS is still up, a row larger than its max_allowed_packet/,
    );
  });

  it('an import that exits 0 and reports an ERROR line still fails the copy', async () => {
    const load = node(`process.stdin.resume();process.stdin.on('end',()=>{console.error('ERROR 1146 (42S02) at line 9: Table does not exist')})`);
    await expect(runCopyPipe({ dump: dump(10), load })).rejects.toThrow(/reported an error: ERROR 1146/);
  });

  it('abort kills both processes and rejects with CopyAborted', async () => {
    const ac = new AbortController();
    let pids: { dump?: number; load?: number } = {};
    const slowLoad = node(`process.stdin.on('data',()=>{process.stdin.pause();setTimeout(()=>process.stdin.resume(),50)})`);
    const p = runCopyPipe({ dump: dump(10_000_000), load: slowLoad, signal: ac.signal, onSpawn: (x) => (pids = x) });
    setTimeout(() => ac.abort(), 300);
    await expect(p).rejects.toBeInstanceOf(CopyAborted);
    for (const pid of [pids.dump!, pids.load!]) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a program that cannot start fails with its name', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    await expect(runCopyPipe({ dump: { command: '/nonexistent/mysqldump', args: [] }, load: sink(out) })).rejects.toThrow(/could not start mysqldump/);
  });

  it('streams with backpressure: a slow import holds the dump back instead of the tool buffering it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pipe-')), 'out.sql');
    // The import writes each chunk synchronously before it pauses, so the file's size is exactly what it consumed.
    const slowSink = node(
      `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(out)},'w');process.stdin.on('data',(c)=>{fs.writeSync(fd,c);process.stdin.pause();setTimeout(()=>process.stdin.resume(),2)})`,
    );
    // Before the import has even opened its file, it has consumed nothing.
    const consumed = () => (existsSync(out) ? statSync(out).size : 0);
    let inFlight = 0;
    let nextCheck = 0;
    const r = await runCopyPipe({
      dump: dump(1_500_000),
      load: slowSink,
      onProgress: (bytes) => {
        if (bytes < nextCheck) return;
        nextCheck = bytes + 1024 * 1024;
        inFlight = Math.max(inFlight, bytes - consumed());
      },
    });
    expect(r.bytes).toBeGreaterThan(30_000_000);
    // What passed the tool but the import had not taken yet: pipe and stream buffers only, never the dump.
    expect(inFlight).toBeLessThan(4 * 1024 * 1024);
  });
});
