// Checks shared by the report's unit and integration tests: every step with its status and duration in each format,
// the HTML parsed (parse5) with one SVG bar per step that ran and nothing loaded from elsewhere, and no secret.
import { expect } from 'vitest';
import { parse } from 'parse5';
import type { Report } from '../../src/report/model.js';

export const STEP_COUNT = 11;

interface P5Node {
  nodeName: string;
  tagName?: string;
  attrs?: Array<{ name: string; value: string }>;
  childNodes?: P5Node[];
  content?: P5Node;
  value?: string;
}

function walk(n: P5Node, visit: (n: P5Node) => void): void {
  visit(n);
  for (const c of n.childNodes ?? []) walk(c, visit);
  if (n.content) walk(n.content, visit);
}

const attr = (n: P5Node, name: string) => n.attrs?.find((a) => a.name === name)?.value;

/** The HTML parses; returns the step numbers of the SVG's bars, and fails on anything that would load a resource. */
export function checkHtml(html: string): { bars: number[]; svgs: number } {
  const doc = parse(html, { sourceCodeLocationInfo: false }) as unknown as P5Node;
  const bars: number[] = [];
  let svgs = 0;
  const external: string[] = [];
  walk(doc, (n) => {
    if (n.tagName === 'svg') svgs++;
    if (n.tagName === 'rect' && attr(n, 'class') === 'step') bars.push(Number(attr(n, 'data-step')));
    if (['script', 'link', 'img', 'iframe', 'object', 'embed', 'image', 'use', 'video', 'audio', 'source'].includes(n.tagName ?? ''))
      external.push(`<${n.tagName}>`);
    for (const a of n.attrs ?? []) {
      if (['src', 'href', 'xlink:href', 'srcset', 'action', 'data', 'poster'].includes(a.name) && !a.value.startsWith('#'))
        external.push(`${a.name}=${a.value}`);
      if (a.name === 'style' && /url\(|@import/i.test(a.value)) external.push(`style=${a.value}`);
    }
    if (n.nodeName === '#text' && /@import|url\((?!#)/i.test(n.value ?? '')) external.push(`text: ${n.value?.slice(0, 80)}`);
  });
  expect(external, 'the HTML loads nothing from elsewhere').toEqual([]);
  return { bars, svgs };
}

/** Each of the eleven steps, with its status and its duration (a dash for a step that did not run). */
export function checkSteps(r: Report, md: string, html: string, json: string): void {
  const j = JSON.parse(json) as Report;
  expect(j.steps.map((s) => s.id)).toEqual(Array.from({ length: STEP_COUNT }, (_, i) => i + 1));
  for (const s of r.steps) {
    const dur = s.startedAt ? /\d+(\.\d)?s|\d+m\d\ds|\d+h\d\dm/ : /—/;
    const js = j.steps[s.id - 1];
    expect(js.status).toBe(s.status);
    // A duration for every step that started; a step that never started (not run, or declined at its question) has none.
    expect(js.ms === undefined).toBe(!s.startedAt);
    if (s.status === 'not run') expect(s.startedAt).toBeUndefined();
    const mdRow = md.split('\n').find((l) => l.startsWith(`| ${s.id}. `));
    expect(mdRow, `md row of step ${s.id}`).toBeDefined();
    expect(mdRow).toContain(`| ${s.status} |`);
    expect(mdRow!.split('|')[4]).toMatch(dur);
    const htmlRow = html.split('\n').find((l) => l.includes(`<tr class="${s.status.replace(' ', '-')}"><td>${s.id}</td>`));
    expect(htmlRow, `html row of step ${s.id}`).toBeDefined();
    expect(htmlRow).toContain(`<td class="status">${s.status}</td>`);
    expect(htmlRow!.split('<td>')[4]).toMatch(dur);
  }
}

/** A secret as it could leak: raw, JSON-escaped, SQL-escaped (backslashes or doubled quotes) or HTML-escaped. */
export function leakForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const sqlBackslash = secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const sqlDoubled = secret.replace(/'/g, "''");
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return [...new Set([secret, json, sqlBackslash, sqlDoubled, html])];
}

export function expectNoSecret(outputs: Record<string, string>, secrets: string[]): void {
  for (const [name, text] of Object.entries(outputs))
    for (const s of secrets) for (const form of leakForms(s)) expect(text.includes(form), `${name} holds a secret (${JSON.stringify(form)})`).toBe(false);
}
