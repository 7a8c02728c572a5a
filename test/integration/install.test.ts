// Issue 19: getting the tool onto a database host. `npm pack` on a clean checkout (no dist/) builds first and yields a
// package that installs into an empty prefix and runs: --version and a dry run against a lab. `npm run package`
// builds one executable that runs with no Node on PATH: --version, `lab up`, `lab down`.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakLab } from '../../src/lab/break.js';
import type { Lab } from '../../src/lab/lab.js';
import { dropLab, newLab } from '../helpers/lab.js';
import { recoverArgs } from '../helpers/pair.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'mmrecover-install-'));
let lab: Lab | undefined;

afterAll(async () => {
  await dropLab(lab);
});

/** The checkout as a fresh clone has it: the tracked files, no dist/ (node_modules linked, as `npm ci` would make it). */
function cleanCheckout(): string {
  const dir = join(work, 'checkout');
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  expect(existsSync(join(dir, 'dist'))).toBe(false);
  return dir;
}

const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

describe('install', () => {
  it('npm pack on a clean checkout builds dist/, and the package installs into an empty prefix and runs', async () => {
    const checkout = cleanCheckout();
    const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: checkout });
    expect(packed.code, packed.out).toBe(0);
    const tgz = join(work, `mmrecover-${VERSION}.tgz`);
    expect(existsSync(tgz)).toBe(true);
    const listing = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing).toContain('package/bin/mmrecover');

    const prefix = join(work, 'prefix');
    const installed = run('npm', ['install', '-g', '--prefix', prefix, tgz, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: work });
    expect(installed.code, installed.out).toBe(0);
    const bin = join(prefix, 'bin', 'mmrecover');
    expect(run(bin, ['--version']).stdout.trim()).toBe(VERSION);

    // A dry run against a lab pair, with the installed command.
    lab = await newLab();
    await breakLab(lab, 'diverged');
    const dry = run(bin, [...recoverArgs(lab, ['--dry-run'])], { env: { ...process.env, ...lab.env(), NO_COLOR: '1' } });
    expect(dry.code, dry.stderr).toBe(0);
    for (let step = 1; step <= 11; step++) expect(dry.stderr).toContain(`Step ${step}/11`);
    expect(dry.stderr).toMatch(/Dry run complete: nothing was changed/);
  }, 400_000);

  it('npm run package: one executable that runs with no Node on PATH: --version, lab up, lab down', () => {
    const out = join(work, 'sea');
    const built = run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), out], { cwd: ROOT });
    expect(built.code, built.out).toBe(0);
    const exe = join(out, 'mmrecover-linux-x64');
    expect(statSync(exe).size).toBeGreaterThan(10 * 1024 * 1024);
    // PATH without node: every program of /usr/bin but node, npm and npx (the lab's mariadbd is in /usr/sbin).
    const bin = join(work, 'bin-without-node');
    mkdirSync(bin);
    for (const name of readdirSync('/usr/bin')) if (!/^(node|nodejs|npm|npx|corepack)$/.test(name)) symlinkSync(join('/usr/bin', name), join(bin, name));
    const env = { PATH: `${bin}:/usr/sbin:/sbin`, HOME: work, TMPDIR: tmpdir(), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mmrecover-sea-state-')) };
    expect(run('sh', ['-c', 'command -v node || echo none'], { env }).stdout.trim()).toBe('none');
    const version = run(exe, ['--version'], { env });
    expect(version.stdout.trim(), version.out).toBe(VERSION);
    expect(version.stderr).toBe('');
    const up = run(exe, ['lab', 'up'], { env });
    try {
      expect(up.code, up.out).toBe(0);
      expect(up.out).toMatch(/Lab up in .*two MariaDB servers replicating master-master/);
      const status = run(exe, ['lab', 'status'], { env });
      expect(status.code, status.out).toBe(0);
    } finally {
      const down = run(exe, ['lab', 'down'], { env });
      expect(down.code, down.out).toBe(0);
    }
  }, 400_000);
});
