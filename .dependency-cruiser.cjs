// The architecture of src/, checked by `npm run lint` (depcruise src) and by test/unit/lint.test.ts on small trees.
// Paths are relative to the working directory, so the same file checks this repo and a test fixture alike.
//
//   rank 0  base       pure helpers                          imports nothing of ours
//   rank 0  dialect    pure: (flavor, version) → SQL          base
//   rank 1  adapters   the only I/O to servers and processes  base, dialect
//   rank 2  config     options, settings, loading them        base, dialect, adapters
//   rank 3  recovery   the procedure                          base, dialect, adapters, config
//   rank 3  lab        local MariaDB test pairs               base, dialect, adapters, config
//   rank 4  engine     runner, executors, journal             base … recovery
//   rank 4  inspect    status/check logic                     base … recovery
//   rank 4½ report     the post-incident report (pure)        base, dialect, config, recovery, engine
//   rank 5  cli        argv, environment, signals, rendering  everything above but bench
//   rank 5  bench      the benchmark entry point              everything above but cli
//
// A module imports from its own layer or from the layers listed for it (never from another layer of the same rank),
// never from a folder of src/ that is no layer.

/** Each layer and the other layers it may import. */
const LAYERS = {
  base: [],
  dialect: ['base'],
  adapters: ['base', 'dialect'],
  config: ['base', 'dialect', 'adapters'],
  recovery: ['base', 'dialect', 'adapters', 'config'],
  lab: ['base', 'dialect', 'adapters', 'config'],
  engine: ['base', 'dialect', 'adapters', 'config', 'recovery'],
  inspect: ['base', 'dialect', 'adapters', 'config', 'recovery'],
  report: ['base', 'dialect', 'config', 'recovery', 'engine'],
  cli: ['base', 'dialect', 'adapters', 'config', 'recovery', 'lab', 'engine', 'inspect', 'report'],
  bench: ['base', 'dialect', 'adapters', 'config', 'recovery', 'lab', 'engine', 'inspect'],
};
const ALL = Object.keys(LAYERS);
const folders = (names) => `^src/(${names.join('|')})/`;

/** The modules of src/recovery that hold data and words only (no I/O): what report and inspect may read. */
const PURE_RECOVERY = ['state', 'events', 'compare', 'bs-objects', 'bs-only-text', 'donor-text', 'step-headings'];

/** Packages that draw on a terminal: colours, spinners, wrapping, prompts. Matched resolved (node_modules/…) or not. */
const TERMINAL_LIBS = ['chalk', 'ora', 'wrap-ansi', 'string-width', 'inquirer', '@inquirer/*'];
const terminalLibNames = TERMINAL_LIBS.map((name) => name.replace('*', '[^/]+')).join('|');
const terminalLib = `(^|/)node_modules/(${terminalLibNames})/|^(${terminalLibNames})(/|$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle of any length in src/ (type-only imports count: they tie the modules together too).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...ALL.map((layer) => ({
      name: `layer-${layer}`,
      severity: 'error',
      comment: `src/${layer} imports only from itself and from: ${LAYERS[layer].join(', ') || 'nothing else of ours'} (see the layer table at the top of this file).`,
      from: { path: folders([layer]) },
      to: { path: '^src/', pathNot: folders([layer, ...LAYERS[layer]]) },
    })),
    {
      name: 'layer-unknown',
      severity: 'error',
      comment: `Every module of src/ lives in one of the layers: ${ALL.join(', ')}.`,
      // Imports into such a folder are caught by the layer rules above; this catches its imports of our other modules.
      from: { path: '^src/([^/]+)/', pathNot: folders(ALL) },
      to: { path: '^src/', pathNot: '^src/$1/' },
    },
    {
      name: 'steps-take-the-context',
      severity: 'error',
      comment:
        'A step (src/recovery/steps, src/recovery/ring) gets the settings, the members and their dialects from the RecoveryContext it is given: it never imports src/config to work out a server or an option again.',
      from: { path: '^src/recovery/(steps|ring)/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'recovery-does-no-io',
      severity: 'error',
      comment:
        'Planning performs no I/O of its own: src/recovery reads the servers through its context and asks the engine for everything else (engine/host-probes.ts). It imports no filesystem, process or socket module and opens no session (a session type is fine).',
      from: { path: '^src/recovery/' },
      to: {
        path: '^(node:)?(fs|fs/promises|child_process|net|tls)$|^src/adapters/mysql/session\\.ts$|^src/adapters/shell/clients\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'report-and-inspect-read-no-runtime',
      severity: 'error',
      comment:
        'report (a journal in, a document out) and inspect (status, check) take from src/recovery only its pure modules: the recorded state and events, the comparison, and the words for what only BS holds, the donor and the steps; never the steps, the context or anything that opens a session or spawns a process.',
      from: { path: '^src/(report|inspect)/' },
      to: { path: '^src/recovery/', pathNot: `^src/recovery/(${PURE_RECOVERY.join('|')})\\.ts$` },
    },
    {
      name: 'terminal-libs-only-in-cli',
      severity: 'error',
      comment: `Only src/cli draws on the terminal: ${TERMINAL_LIBS.join(', ')} are imported nowhere else.`,
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: terminalLib },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
