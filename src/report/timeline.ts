// The run on one time axis, as a self-contained SVG (no font, image or stylesheet from anywhere else): one bar per
// step that ran, GS's read-lock span and the copy as highlighted bands behind them, ticks in seconds from the start.
import { formatDuration } from '../base/format.js';
import type { Report } from './model.js';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLORS: Record<string, string> = {
  done: '#2e7d32',
  failed: '#c62828',
  interrupted: '#ef6c00',
  declined: '#6d4c41',
  running: '#1565c0',
};

/** A tick step in seconds giving about six ticks over `total`. */
function tickStep(total: number): number {
  const raw = total / 6;
  for (const s of [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]) if (s >= raw) return s;
  return Math.ceil(raw / 3600) * 3600;
}

export function timelineSvg(r: Report): string {
  const ran = r.steps.filter((s) => s.startedAt);
  const t0 = Date.parse(r.startedAt);
  const ends = [Date.parse(r.endedAt), ...ran.map((s) => Date.parse(s.endedAt ?? r.endedAt))];
  const total = Math.max(0.001, (Math.max(...ends) - t0) / 1000);
  const label = 440;
  const plot = 560;
  const rowH = 22;
  const top = 28;
  const width = label + plot + 20;
  const height = top + r.steps.length * rowH + 40;
  const x = (iso: string) => label + (Math.max(0, (Date.parse(iso) - t0) / 1000) / total) * plot;
  const w = (from: string, to: string) => Math.max(1.5, x(to) - x(from));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Timeline of recovery run ${escapeXml(r.runId)}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>mmrecover run ${escapeXml(r.runId)}: ${escapeXml(r.outcome)}, ${escapeXml(formatDuration(r.seconds))}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const bandTop = top - 6;
  const bandH = r.steps.length * rowH + 6;
  for (const l of r.gsLocks)
    out.push(
      `<rect class="gs-lock" x="${x(l.from).toFixed(1)}" y="${bandTop}" width="${w(l.from, l.to).toFixed(1)}" height="${bandH}" fill="#ffcdd2" fill-opacity="0.7"><title>GS locked ${escapeXml(formatDuration(l.seconds))}</title></rect>`,
    );
  for (const c of r.copies)
    out.push(
      `<rect class="copy" x="${x(c.from).toFixed(1)}" y="${bandTop + 3}" width="${w(c.from, c.to).toFixed(1)}" height="${bandH - 6}" fill="none" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="5 3"><title>copy ${c.complete ? 'complete' : 'did not complete'}, ${escapeXml(formatDuration(c.seconds))}</title></rect>`,
    );
  const step = tickStep(total);
  for (let t = 0; t <= total + 1e-9; t += step) {
    const tx = label + (t / total) * plot;
    out.push(`<line x1="${tx.toFixed(1)}" y1="${top - 8}" x2="${tx.toFixed(1)}" y2="${top + r.steps.length * rowH}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${tx.toFixed(1)}" y="${top + r.steps.length * rowH + 16}" text-anchor="middle" fill="#555">${escapeXml(formatDuration(t))}</text>`);
  }
  r.steps.forEach((s, i) => {
    const y = top + i * rowH;
    out.push(`<text x="4" y="${y + 14}" fill="${s.startedAt ? '#000' : '#999'}">${escapeXml(`${s.id}. ${s.title}`.slice(0, 70))}</text>`);
    if (!s.startedAt) return;
    const end = s.endedAt ?? r.endedAt;
    out.push(
      `<rect class="step" data-step="${s.id}" x="${x(s.startedAt).toFixed(1)}" y="${y + 3}" width="${w(s.startedAt, end).toFixed(1)}" height="${rowH - 8}" fill="${COLORS[s.status] ?? '#1565c0'}"><title>step ${s.id}: ${escapeXml(s.status)}${s.ms !== undefined ? `, ${escapeXml(formatDuration(s.ms / 1000))}` : ''}</title></rect>`,
    );
  });
  const legendY = height - 8;
  out.push(`<rect x="${label}" y="${legendY - 9}" width="12" height="10" fill="#ffcdd2"/>`);
  out.push(`<text x="${label + 16}" y="${legendY}" fill="#333">GS locked</text>`);
  out.push(`<rect x="${label + 100}" y="${legendY - 9}" width="12" height="10" fill="none" stroke="#6a1b9a" stroke-dasharray="5 3"/>`);
  out.push(`<text x="${label + 116}" y="${legendY}" fill="#333">copy</text>`);
  out.push('</svg>');
  return out.join('\n');
}
