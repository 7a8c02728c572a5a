// The order files start in: longest first by test/durations.json (each file's seconds in a recent run), files it does
// not list first of all (new ones, as vitest itself does), ties in vitest's own order. Without it, a fresh clone has
// no durations of vitest's own and goes by file size, which started 20 s lab files last and ended on one running
// alone. Longest first onto two workers is the classic greedy schedule: the short unit files fill the end. A stale
// entry only costs time, never a result; `npm run test:durations` refreshes the file from test-results/vitest.json.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

function durations(root: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(`${root}/test/durations.json`, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const vitestOrder = await super.sort(files);
    const root = this.ctx.config.root;
    const known = durations(root);
    const seconds = (f: TestSpecification) => known[relative(root, f.moduleId).split('\\').join('/')];
    const rank = new Map(vitestOrder.map((f, i) => [f, i]));
    return [...vitestOrder].sort((a, b) => {
      const [da, db] = [seconds(a), seconds(b)];
      if (da === undefined || db === undefined)
        return da === undefined && db !== undefined ? -1 : db === undefined && da !== undefined ? 1 : rank.get(a)! - rank.get(b)!;
      return db - da || rank.get(a)! - rank.get(b)!;
    });
  }
}
