// The report drawn three ways: Markdown (for a ticket or a wiki; the timeline is an SVG file beside it), one
// self-contained HTML file (inline CSS and SVG, nothing loaded from anywhere) and JSON (the value itself).
import { formatBytes, formatDuration } from '../base/format.js';
import type { Coordinates } from '../recovery/state.js';
import type { Report, ReportStep } from './model.js';
import { escapeXml, timelineSvg } from './timeline.js';

export type ReportFormat = 'md' | 'html' | 'json';

const coords = (c?: Coordinates) => (c ? `${c.file} / ${c.position}${c.gtid !== undefined ? ` (GTID ${c.gtid})` : ''}` : 'not recorded');
const duration = (s: ReportStep) => (s.ms !== undefined ? formatDuration(s.ms / 1000) : '—');
const when = (iso?: string) =>
  iso
    ? iso
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
        .replace(/Z$/, ' UTC')
    : '—';

function outcomeLine(r: Report): string {
  const how = {
    completed: 'completed',
    failed: 'failed',
    interrupted: 'interrupted',
    declined: 'stopped at a question (answered No)',
    unfinished: 'unfinished (the journal does not say how it ended)',
  }[r.outcome];
  return `${how}${r.stopped ? ` at step ${r.stopped.step}: ${r.stopped.reason}` : ''}`;
}

/** The figures that matter most after an incident, each as a sentence. */
function keyFigures(r: Report): string[] {
  const out: string[] = [];
  if (r.donor) out.push(sentence(r.donor.text));
  out.push(
    r.gsLockedSeconds === undefined
      ? 'GS’s lock time: not recorded (the journal was begun by an older mmrecover)'
      : r.gsLockedSeconds === 0
        ? 'GS was never locked by this run'
        : `GS locked (production could not write): ${formatDuration(r.gsLockedSeconds)}`,
  );
  if (r.bsOutOfService)
    out.push(`BS out of service: ${formatDuration(r.bsOutOfService.seconds)}${r.steps.at(-1)?.status === 'done' ? '' : ' (so far: step 11 did not run)'}`);
  for (const c of r.copies)
    out.push(
      `Copy ${r.donor ? 'R' : 'GS'} → BS: ${c.complete ? 'complete' : 'did not complete'}${c.bytes !== undefined ? `, ${formatBytes(c.bytes)}` : ''} in ${formatDuration(c.seconds)}${c.rateBytesPerSecond !== undefined ? ` (${formatBytes(c.rateBytesPerSecond)}/s)` : ''}`,
    );
  return out;
}

/** A clause as a sentence: its first letter upper case. */
const sentence = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
/** Where BS's coordinates on GS came from: with --donor, the donor's point. */
const gsCoordsFrom = (r: Report) => (r.donor ? ` (${r.donor.coordinatesFrom})` : '');

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** A fenced block that no line of `text` can close. */
function mdFence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

export function renderMarkdown(r: Report, svgFile: string): string {
  const o: string[] = [];
  o.push(`# mmrecover post-incident report: rebuild BS ${r.servers.BS.address} from GS ${r.servers.GS.address}`, '');
  o.push(`- **Outcome:** ${mdCell(outcomeLine(r))}`);
  o.push(`- **When:** ${when(r.startedAt)} → ${when(r.endedAt)} (${formatDuration(r.seconds)})`);
  o.push(`- **Method:** ${r.method}${r.coordinates.positioning ? `, positioning by ${r.coordinates.positioning === 'gtid' ? 'GTID' : 'file/position'}` : ''}`);
  if (r.donor) o.push(`- **Copy read from:** the donor R ${r.donor.address}, a replica of GS; GS was not read by the copy`);
  o.push(`- **Run:** ${r.runId}${r.journal ? ` (journal \`${r.journal}\`)` : ''}`);
  o.push('', '## Who ran what', '');
  if (!r.invocations.length) o.push('The journal does not record who started this run (written by an older mmrecover).');
  for (const i of r.invocations) o.push(`- ${when(i.at)}: **${i.user}** on **${i.host}**${i.resume ? ' (resumed)' : ''}: \`mmrecover ${i.argv.join(' ')}\``);
  o.push('', '## Servers', '', '| role | address | server_id | version |', '|---|---|---|---|');
  for (const role of ['GS', 'BS'] as const)
    o.push(`| ${role} | ${r.servers[role].address} | ${r.servers[role].serverId} | ${mdCell(r.servers[role].version)} |`);
  if (r.donor) o.push(`| R (donor, the copy’s source) | ${r.donor.address} | ${r.donor.serverId} | ${mdCell(r.donor.version)} |`);
  o.push('', '## Key figures', '', ...keyFigures(r).map((l) => `- ${l}`));
  o.push('', '## Timeline', '', `![Timeline: one bar per step that ran; GS's lock span shaded, the copy outlined](${encodeURI(svgFile)})`);
  o.push('', '## Steps', '', '| step | on | status | duration | started |', '|---|---|---|---|---|');
  for (const s of r.steps) o.push(`| ${s.id}. ${mdCell(s.title)} | ${s.on} | ${s.status} | ${duration(s)} | ${when(s.startedAt)} |`);
  for (const s of r.steps) {
    o.push('', `### Step ${s.id}: ${s.title} (${s.status}, ${duration(s)})`, '');
    if (!s.executed.length) {
      o.push(s.status === 'not run' ? 'Not run.' : 'Ran nothing.');
      continue;
    }
    o.push(mdFence(s.executed.map((x) => `${x.mode.padEnd(5)} ${x.role}> ${x.text}`).join('\n')));
  }
  o.push('', '## Coordinates', '');
  o.push(`- BS replicates from GS at: ${coords(r.coordinates.gs)}${mdCell(gsCoordsFrom(r))}`);
  o.push(`- GS replicates from BS at: ${coords(r.coordinates.bs)}`);
  o.push('', '## Verification', '', mdCell(r.verification.text));
  o.push('', '## What only BS held', '', mdCell(r.bsOnly.text), '');
  if (r.bsOnly.skipped) o.push('It was **not kept** (--no-backup).');
  for (const k of r.bsOnly.kept) o.push(`- ${k.what}: \`${k.file}\``);
  if (!r.bsOnly.kept.length && !r.bsOnly.skipped) o.push('Nothing was kept.');
  o.push('');
  return o.join('\n');
}

const h = escapeXml;

export function renderHtml(r: Report): string {
  const title = `mmrecover post-incident report: rebuild BS ${r.servers.BS.address} from GS ${r.servers.GS.address}`;
  const rows = r.steps
    .map(
      (s) =>
        `<tr class="${h(s.status.replace(' ', '-'))}"><td>${s.id}</td><td>${h(s.title)}</td><td>${h(s.on)}</td><td class="status">${h(s.status)}</td><td>${h(duration(s))}</td><td>${h(when(s.startedAt))}</td></tr>`,
    )
    .join('\n');
  const details = r.steps
    .map((s) => {
      const body = s.executed.length
        ? `<pre>${s.executed.map((x) => `${h(x.mode.padEnd(5))} ${h(x.role)}&gt; ${h(x.text)}`).join('\n')}</pre>`
        : `<p>${s.status === 'not run' ? 'Not run.' : 'Ran nothing.'}</p>`;
      return `<section class="step" id="step-${s.id}"><h3>Step ${s.id}: ${h(s.title)} <small>(${h(s.status)}, ${h(duration(s))})</small></h3>\n${body}</section>`;
    })
    .join('\n');
  const who = r.invocations.length
    ? `<ul>${r.invocations.map((i) => `<li>${h(when(i.at))}: <b>${h(i.user)}</b> on <b>${h(i.host)}</b>${i.resume ? ' (resumed)' : ''}: <code>mmrecover ${h(i.argv.join(' '))}</code></li>`).join('')}</ul>`
    : '<p>The journal does not record who started this run (written by an older mmrecover).</p>';
  const kept = [
    ...(r.bsOnly.skipped ? ['<li>It was <b>not kept</b> (--no-backup).</li>'] : []),
    ...r.bsOnly.kept.map((k) => `<li>${h(k.what)}: <code>${h(k.file)}</code></li>`),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
svg { max-width: 100%; height: auto; }
pre { background: #f5f5f5; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
tr.failed .status, tr.interrupted .status, tr.declined .status { color: #c62828; font-weight: bold; }
tr.not-run { color: #888; }
.outcome-completed { color: #2e7d32; } .outcome-failed, .outcome-interrupted, .outcome-declined, .outcome-unfinished { color: #c62828; }
</style>
</head>
<body>
<h1>${h(title)}</h1>
<p class="outcome-${h(r.outcome)}"><b>Outcome:</b> ${h(outcomeLine(r))}</p>
<p><b>When:</b> ${h(when(r.startedAt))} → ${h(when(r.endedAt))} (${h(formatDuration(r.seconds))}). <b>Method:</b> ${h(r.method)}.${r.donor ? ` <b>Copy read from:</b> the donor R ${h(r.donor.address)}, a replica of GS; GS was not read by the copy.` : ''} <b>Run:</b> ${h(r.runId)}${r.journal ? ` (journal <code>${h(r.journal)}</code>)` : ''}</p>
<h2>Who ran what</h2>
${who}
<h2>Servers</h2>
<table><tr><th>role</th><th>address</th><th>server_id</th><th>version</th></tr>
${(['GS', 'BS'] as const).map((role) => `<tr><td>${role}</td><td>${h(r.servers[role].address)}</td><td>${r.servers[role].serverId}</td><td>${h(r.servers[role].version)}</td></tr>`).join('\n')}${r.donor ? `\n<tr><td>R (donor, the copy’s source)</td><td>${h(r.donor.address)}</td><td>${r.donor.serverId}</td><td>${h(r.donor.version)}</td></tr>` : ''}
</table>
<h2>Key figures</h2>
<ul>${keyFigures(r)
    .map((l) => `<li>${h(l)}</li>`)
    .join('')}</ul>
<h2>Timeline</h2>
<figure>
${timelineSvg(r)}
<figcaption>One bar per step that ran; GS's lock span shaded, the copy outlined.</figcaption>
</figure>
<h2>Steps</h2>
<table><tr><th>step</th><th>title</th><th>on</th><th>status</th><th>duration</th><th>started</th></tr>
${rows}
</table>
${details}
<h2>Coordinates</h2>
<ul><li>BS replicates from GS at: ${h(coords(r.coordinates.gs) + gsCoordsFrom(r))}</li><li>GS replicates from BS at: ${h(coords(r.coordinates.bs))}</li></ul>
<h2>Verification</h2>
<p>${h(r.verification.text)}</p>
<h2>What only BS held</h2>
<p>${h(r.bsOnly.text)}</p>
${kept.length ? `<ul>${kept.join('')}</ul>` : '<p>Nothing was kept.</p>'}
</body>
</html>
`;
}

export function renderJson(r: Report): string {
  return JSON.stringify(r, null, 2) + '\n';
}
