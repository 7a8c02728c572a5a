// `mmrecover report`: the post-incident report of a run, from its journal alone (no server is contacted). Markdown
// (with the timeline as an SVG file beside it), one self-contained HTML file, or JSON; on stdout or into --output.
import { Option, type Command } from 'commander';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../base/errors.js';
import { redact, registerSecret } from '../base/redact.js';
import { PASSWORD_ENV } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import type { JournalData } from '../engine/journal.js';
import { buildReport } from '../report/model.js';
import { renderHtml, renderJson, renderMarkdown, type ReportFormat } from '../report/render.js';
import { timelineSvg } from '../report/timeline.js';
import type { CliIo } from './io.js';

const FORMATS: ReportFormat[] = ['md', 'html', 'json'];

export function registerReportCommand(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('post-incident report of a recovery run (finished, failed or interrupted), from its journal')
    .option('--journal <file>', 'the run’s journal (default: the newest under $XDG_STATE_HOME/mmrecover/)')
    .addOption(new Option('--format <format>', 'md (with the timeline as an SVG beside it), html (one self-contained file) or json').choices(FORMATS))
    .option('--output <file>', 'write the report there (default: stdout; md then writes its SVG in the current directory)')
    .action((flags: { journal?: string; format?: ReportFormat; output?: string }) => {
      report(flags, io);
    });
}

/** The newest journal of any pair, when none is named. */
function newestJournal(env: NodeJS.ProcessEnv): string {
  const dir = stateDir(env);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^recover-.*\.json$/.test(f)) : [];
  if (!files.length) throw new UsageError(`no journal under ${dir}; name one with --journal <file>`);
  return files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

function readJournal(path: string): JournalData {
  let data: JournalData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as JournalData;
  } catch (err) {
    throw new UsageError(`--journal ${path}: not a readable journal (${(err as Error).message.split('\n')[0]})`);
  }
  if (!data || !Array.isArray(data.steps) || !data.servers || !data.state) throw new UsageError(`--journal ${path}: not an mmrecover journal`);
  if (data.format !== 2)
    throw new UsageError(`--journal ${path}: written by another version of mmrecover (journal format ${String(data.format)}); report it with that version`);
  return data;
}

function report(flags: { journal?: string; format?: ReportFormat; output?: string }, io: CliIo): void {
  // Defence in depth: the journal holds no password, and if one slipped in it is masked on the way out.
  registerSecret(io.env[PASSWORD_ENV.password]);
  registerSecret(io.env[PASSWORD_ENV.replPassword]);
  const path = resolve(io.cwd, flags.journal ?? newestJournal(io.env));
  if (!existsSync(path)) throw new UsageError(`--journal ${path}: no such file`);
  const fromExt = flags.output
    ? (extname(flags.output)
        .slice(1)
        .replace(/^markdown$/, 'md')
        .replace(/^htm$/, 'html') as ReportFormat)
    : undefined;
  const format: ReportFormat = flags.format ?? (fromExt && FORMATS.includes(fromExt) ? fromExt : 'md');
  const r = buildReport(readJournal(path), { journal: path });
  const output = flags.output ? resolve(io.cwd, flags.output) : undefined;
  let text: string;
  if (format === 'md') {
    const svgPath = output
      ? join(dirname(output), `${basename(output, extname(output))}.timeline.svg`)
      : resolve(io.cwd, `mmrecover-${r.runId.slice(0, 8)}.timeline.svg`);
    writeOut(svgPath, redact(timelineSvg(r)) + '\n');
    text = renderMarkdown(r, basename(svgPath));
    if (!output) io.err(`mmrecover: timeline written to ${svgPath}`);
  } else text = format === 'html' ? renderHtml(r) : renderJson(r);
  if (output) {
    writeOut(output, redact(text));
    io.err(`mmrecover: report written to ${output}`);
  } else io.out(redact(text).trimEnd());
}

/** Mode 0600 like the journal (it names servers, accounts and files); a path that cannot be written is one line. */
function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
