#!/usr/bin/env node
// npm run package: one self-contained executable for Linux x64 that runs where Node is not installed, as a Node
// single-executable application (https://nodejs.org/api/single-executable-applications.html): the CLI bundled into one
// CommonJS file by esbuild, made into a preparation blob by `node --experimental-sea-config`, and injected into a copy
// of this Node binary by postject. Output: build/mmrecover-linux-x64, or <dir>/mmrecover-linux-x64 with
// `node scripts/package.mjs <dir>` (the size is printed; the README keeps it).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The output directory: build/ unless given (the test builds into a temp directory).
const out = resolve(process.argv[2] ?? join(root, 'build'));
const sea = join(out, 'sea');
const exe = join(out, 'mmrecover-linux-x64');
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`npm run package builds for Linux x64 only, with that Node binary (this is ${process.platform}-${process.arch})`);
  process.exit(2);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`Node ${process.versions.node} has no single-executable applications; use Node 20 or later`);
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
rmSync(sea, { recursive: true, force: true });
mkdirSync(sea, { recursive: true });

// 1. One CommonJS file: a single-executable application runs one script, and its require() loads built-ins only.
const bundle = join(sea, 'mmrecover.cjs');
await build({
  stdin: { contents: "import { main } from './src/cli/main.ts';\nvoid main(process.argv);\n", resolveDir: root, loader: 'ts', sourcefile: 'sea-entry.ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${major}`,
  outfile: bundle,
  define: { __MMRECOVER_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
// mysql2 tries `require('cardinal')` (optional: colours in its debug output) when it loads; in an executable that
// require can only fail, and Node warns on stderr each time. Make it fail without asking.
const code = readFileSync(bundle, 'utf8').replace(/require\(`cardinal\$\{REQUIRE_TERMINATOR\}`\)/g, "(() => { throw new Error('not bundled'); })()");
writeFileSync(bundle, code);

// 2. The preparation blob.
const config = join(sea, 'sea-config.json');
const blob = join(sea, 'sea-prep.blob');
writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

// 3. A copy of this Node binary with the blob injected.
rmSync(exe, { force: true });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// postject warns about ELF note sections it does not know; only a failure is worth showing.
try {
  execFileSync(
    join(root, 'node_modules', '.bin', 'postject'),
    [exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
} catch (err) {
  console.error(`postject failed: ${err.stderr?.toString() || err.message}`);
  process.exit(1);
}
const size = statSync(exe).size;
console.log(`${exe}: ${(size / 1024 / 1024).toFixed(1)} MB (Node ${process.versions.node} + ${(code.length / 1024 / 1024).toFixed(1)} MB of bundled JavaScript)`);
