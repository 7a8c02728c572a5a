// npm run lint rejects what the architecture forbids and accepts what it allows: the very config files it uses
// (.dependency-cruiser.cjs, eslint.config.js, .prettierrc.json) run here with the installed binaries, on small trees
// under test/fixtures/lint shaped like src/. Each tree is the working directory, as the repo root is for the real lint,
// so the configs' src/... paths and globs apply to it unchanged.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'lint');

type Tool = 'depcruise' | 'eslint' | 'prettier';
const TOOLS: Tool[] = ['depcruise', 'eslint', 'prettier'];
/** Each tool as scripts/lint.sh runs it, its config named by absolute path (ESLint reports as JSON to be read here). */
const ARGS: Record<Tool, string[]> = {
  depcruise: ['--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err-long', 'src'],
  eslint: ['--config', join(ROOT, 'eslint.config.js'), '--format', 'json', 'src'],
  prettier: ['--check', '--config', join(ROOT, '.prettierrc.json'), 'src/**/*.ts'],
};

/** Each fixture tree, the tools run on it, and whether they must reject it. */
const TREES: Record<string, { tools: Tool[]; rejected: boolean }> = {
  // Every layer importing what it may; process and chalk in src/cli, process in src/bench: the rules do not reject all.
  clean: { tools: TOOLS, rejected: false },
  cycle: { tools: ['depcruise'], rejected: true }, // src/base: a ↔ b; src/engine: x → y → z → x
  upward: { tools: ['depcruise'], rejected: true }, // src/<layer>/upward.ts importing src/<a layer it may not>/target.ts
  'terminal-lib': { tools: ['depcruise'], rejected: true }, // chalk, ora, @inquirer/confirm, wrap-ansi outside src/cli
  'step-imports-config': { tools: ['depcruise'], rejected: true }, // a step and a ring step importing the settings
  'recovery-io': { tools: ['depcruise'], rejected: true }, // the recovery measuring a disk, logging in, finding clients itself
  'report-runtime': { tools: ['depcruise'], rejected: true }, // report and inspect importing the recovery's runtime modules
  'process-outside': { tools: ['eslint'], rejected: true }, // process.env, node:process, globalThis.process
  'process-in-entry': { tools: ['eslint'], rejected: false }, // the same in src/cli and src/bench
  'method-name': { tools: ['eslint'], rejected: true }, // a copy method's name compared outside the methods' modules
  'server-from-settings': { tools: ['eslint'], rejected: true }, // a server's address taken from the settings under src/recovery
  unformatted: { tools: ['prettier'], rejected: true },
};
const CASES = Object.entries(TREES).flatMap(([tree, { tools, rejected }]) => tools.map((tool) => [tree, tool, rejected] as const));

interface Run {
  code: number | null;
  stdout: string;
  /** stdout and stderr */
  output: string;
}

function run(tool: Tool, tree: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', tool), ARGS[tool], {
      cwd: join(FIXTURES, tree),
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, output: stdout + stderr }));
  });
}

const runs = new Map<string, Run>();
const result = (tool: Tool, tree: string): Run => {
  const r = runs.get(`${tool} ${tree}`);
  if (!r) throw new Error(`${tool} did not run on ${tree}`);
  return r;
};

beforeAll(async () => {
  // Three at a time: each run is mostly the tool's start (a second or two).
  const jobs = [...CASES];
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) runs.set(`${job[1]} ${job[0]}`, await run(job[1], job[0]));
  };
  await Promise.all([worker(), worker(), worker()]);
}, 120_000);

/** depcruise's violations as "rule: from → to" (cycles: "no-circular: first module"). */
const violations = (output: string): string[] =>
  [...output.matchAll(/^ {2}error ([\w-]+): (\S+) →(?: (\S+))?/gm)].map(([, rule, from, to]) => `${rule}: ${from}${to ? ` → ${to}` : ''}`);

interface EslintFile {
  filePath: string;
  messages: { ruleId: string | null }[];
}
/** ESLint's findings as "src/… rule". */
const eslintFindings = (output: string): string[] =>
  (JSON.parse(output) as EslintFile[]).flatMap((f) => f.messages.map((m) => `${f.filePath.slice(f.filePath.indexOf('/src/') + 1)} ${m.ruleId}`)).sort();

describe('exit status, which fails npm run lint', () => {
  it.each(CASES)('%s: %s rejects it: %s', (tree, tool, rejected) => {
    const r = result(tool, tree);
    if (rejected) expect(r.code, r.output).not.toBe(0);
    else expect(r.code, r.output).toBe(0);
  });
});

describe('dependency-cruiser', () => {
  it('names the cycle rule for a cycle of two modules and one of three, and reports nothing else', () => {
    const found = violations(result('depcruise', 'cycle').output);
    expect(found).toHaveLength(2);
    expect(found.every((v) => v.startsWith('no-circular: '))).toBe(true);
    expect(found.join('\n')).toMatch(/src\/base\/[ab]\.ts/);
    expect(found.join('\n')).toMatch(/src\/engine\/[xyz]\.ts/);
  });

  const upward = [
    ['dialect', 'engine'],
    ['adapters', 'recovery'],
    ['recovery', 'lab'],
    ['engine', 'inspect'],
    ['inspect', 'engine'],
    ['lab', 'recovery'],
    ['base', 'dialect'],
    ['config', 'recovery'],
    ['cli', 'bench'],
  ];
  it.each(upward)('names the layer rule for src/%s importing src/%s', (from, to) => {
    expect(violations(result('depcruise', 'upward').output)).toContain(`layer-${from}: src/${from}/upward.ts → src/${to}/target.ts`);
  });

  it('flags a folder of src/ that is no layer, and nothing but the imports above in the upward tree', () => {
    const found = violations(result('depcruise', 'upward').output);
    expect(found).toContain('layer-unknown: src/util/helper.ts → src/dialect/target.ts');
    expect(found).toHaveLength(upward.length + 1);
  });

  it('names the step rule for a step and a ring step importing src/config (they take the context), and nothing else', () => {
    expect(violations(result('depcruise', 'step-imports-config').output).sort()).toEqual([
      'steps-take-the-context: src/recovery/ring/steps.ts → src/config/settings.ts',
      'steps-take-the-context: src/recovery/steps/s99-step.ts → src/config/settings.ts',
    ]);
  });

  it('names the rule that keeps the recovery from I/O of its own, and allows a session’s type', () => {
    expect(violations(result('depcruise', 'recovery-io').output).sort()).toEqual([
      'recovery-does-no-io: src/recovery/plan.ts → src/adapters/shell/clients.ts',
      'recovery-does-no-io: src/recovery/preflight.ts → fs/promises',
      'recovery-does-no-io: src/recovery/preflight.ts → src/adapters/mysql/session.ts',
    ]);
  });

  it('names the rule that keeps report and inspect off the recovery’s runtime, and allows its pure state', () => {
    expect(violations(result('depcruise', 'report-runtime').output).sort()).toEqual([
      'report-and-inspect-read-no-runtime: src/inspect/status.ts → src/recovery/steps/s01-isolate.ts',
      'report-and-inspect-read-no-runtime: src/report/model.ts → src/recovery/procedure.ts',
    ]);
  });

  it('names the terminal rule for chalk under src/recovery, and for ora, @inquirer/*, wrap-ansi outside src/cli', () => {
    const found = violations(result('depcruise', 'terminal-lib').output).map((v) => v.replace(/ → .*/, ''));
    expect(found.sort()).toEqual([
      'terminal-libs-only-in-cli: src/engine/spinner.ts',
      'terminal-libs-only-in-cli: src/inspect/ask.ts',
      'terminal-libs-only-in-cli: src/lab/wrap.ts',
      'terminal-libs-only-in-cli: src/recovery/colour.ts',
    ]);
  });
});

describe('ESLint', () => {
  it('rejects process.env under src/recovery, node:process under src/engine, globalThis.process under src/adapters', () => {
    expect(eslintFindings(result('eslint', 'process-outside').stdout)).toEqual([
      'src/adapters/pid.ts no-restricted-properties',
      'src/engine/exit.ts no-restricted-imports',
      'src/recovery/env.ts no-restricted-globals',
    ]);
  });

  it('accepts the same under src/cli and src/bench', () => {
    expect(eslintFindings(result('eslint', 'process-in-entry').stdout)).toEqual([]);
  });

  it('rejects a copy method named in a comparison outside the methods’ own modules (issue 27: ask the method)', () => {
    expect(eslintFindings(result('eslint', 'method-name').stdout)).toEqual([
      'src/cli/ui/render.ts no-restricted-syntax',
      'src/engine/executor.ts no-restricted-syntax',
    ]);
  });

  it('rejects a server worked out from the settings under src/recovery (issue 27: take the member), and keeps the method rule there', () => {
    expect(eslintFindings(result('eslint', 'server-from-settings').stdout)).toEqual([
      'src/recovery/method.ts no-restricted-syntax',
      'src/recovery/physical/plan.ts no-restricted-syntax',
      ...Array(4).fill('src/recovery/steps/s99-step.ts no-restricted-syntax'),
    ]);
  });
});

describe('prettier', () => {
  it('names the unformatted file', () => {
    expect(result('prettier', 'unformatted').output).toMatch(/\[warn\] src\/base\/ugly\.ts/);
  });
});

describe('npm run lint', () => {
  it('runs tsc, depcruise, eslint and prettier with the config files this test uses', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.lint).toBe('bash scripts/lint.sh');
    const script = readFileSync(join(ROOT, 'scripts', 'lint.sh'), 'utf8');
    // ESLint and prettier find eslint.config.js and .prettierrc.json at the repo root by themselves.
    for (const command of [
      'tsc" --noEmit -p tsconfig.json',
      'depcruise" --config .dependency-cruiser.cjs --output-type err-long src',
      'eslint" src test',
      'prettier" --check',
    ])
      expect(script).toContain(command);
  });
});
