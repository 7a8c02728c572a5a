// npm run test:durations: writes test/durations.json (each test file's seconds, longest first) from the last run's
// test-results/vitest.json, for the order the suite's files start in (test/helpers/sequencer.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A report from another checkout (a clean clone's CI run) names its own paths: keep the part from test/ on.
const inRepo = (file) => {
  const rel = relative(root, file).split('\\').join('/');
  return rel.startsWith('..') ? rel.slice(rel.indexOf('test/')) : rel;
};
const report = JSON.parse(readFileSync(join(root, 'test-results', 'vitest.json'), 'utf8'));
const seconds = Object.fromEntries(
  report.testResults.map((f) => [inRepo(f.name), Math.round((f.endTime - f.startTime) / 100) / 10]).sort((a, b) => b[1] - a[1]),
);
writeFileSync(join(root, 'test', 'durations.json'), JSON.stringify(seconds, null, 1) + '\n');
console.log(`test/durations.json: ${Object.keys(seconds).length} files`);
