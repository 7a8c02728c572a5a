// The post-incident report from journals written by hand: the three formats, the timeline, no secret.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/model.js';
import { renderHtml, renderJson, renderMarkdown } from '../../src/report/render.js';
import { timelineSvg } from '../../src/report/timeline.js';
import type { JournalData, JournalStep } from '../../src/engine/journal.js';
import { STEPS } from '../../src/recovery/procedure.js';
import { checkHtml, checkSteps, expectNoSecret } from '../helpers/report-check.js';

const fp = (port: number, serverId: number) => ({ host: '10.0.0.1', port, serverId, serverUuid: `u${serverId}`, version: '10.11.19-MariaDB' });
const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 9, 0, 0) + s * 1000).toISOString();

function journal(doneUpTo: number, stop?: { outcome: 'failed' | 'interrupted' | 'declined'; step: number }): JournalData {
  const steps: JournalStep[] = STEPS.map((s) => {
    const ran = s.id <= doneUpTo;
    const stopped = stop?.step === s.id;
    return {
      id: s.id,
      title: s.title,
      status: ran ? 'done' : stopped ? 'failed' : 'pending',
      ...(ran || stopped ? { startedAt: at(s.id * 10), endedAt: at(s.id * 10 + (stopped ? 3 : 8)) } : {}),
      ...(ran ? { ms: 8000 } : {}),
      plan: [{ role: s.on === 'GS' ? 'GS' : 'BS', text: `statement of step ${s.id}` }],
      executed: ran || stopped ? [{ role: 'BS', text: `statement of step ${s.id} with MASTER_PASSWORD='********'`, mode: 'run', at: at(s.id * 10 + 1) }] : [],
    };
  });
  return {
    format: 2,
    runId: '0f0e0d0c-aaaa-bbbb-cccc-000000000001',
    startedAt: at(0),
    updatedAt: at(stop ? stop.step * 10 + 3 : 120),
    finished: !stop,
    outcome: stop?.outcome ?? 'completed',
    ...(stop ? { stoppedAt: { step: stop.step, reason: 'you answered No before step ' + stop.step } } : {}),
    method: 'classic',
    servers: { GS: fp(3306, 1), BS: fp(3307, 2) },
    steps,
    state: {
      fence: [{ variable: 'read_only', before: '0' }],
      killed: [],
      positioning: 'file',
      gsCoords: { file: 'mysql-bin.000001', position: 3608 },
      ...(doneUpTo >= 8 ? { bsCoords: { file: 'mysql-bin.000002', position: 400 } } : {}),
      ...(doneUpTo >= 10
        ? { verification: { caughtUp: true, markerGsToBs: true, markerBsToGs: true, tablesCompared: 2, mismatched: [], verified: true } }
        : {}),
      bsOnly: { schemas: ['shop'], from: { file: 'mysql-bin.000001', position: 328 }, own: { transactions: 8, tables: ['shop.orders'] } },
      backup: { dir: '/var/backups/x', rows: { file: '/var/backups/x/bs-only-rows.sql', inserts: 7, replaces: 1, tables: ['shop.orders'] } },
    },
    invocations: [{ at: at(0), user: 'alice', host: 'ops1', argv: ['--good', '10.0.0.1:3306', '--bad', '10.0.0.1:3307'], resume: false }],
    gsLocks: [{ from: at(31), to: at(52) }],
    copies: [{ from: at(41), to: at(48), bytes: 7 * 1024 * 1024, complete: true }],
  } as JournalData;
}

function all(d: JournalData) {
  const r = buildReport(d, { journal: '/var/lib/j.json' });
  return { r, md: renderMarkdown(r, 'j.timeline.svg'), html: renderHtml(r), json: renderJson(r), svg: timelineSvg(r) };
}

describe('report', () => {
  it('a completed run: every step, the figures, the coordinates, the proof and what was kept', () => {
    const { r, md, html, json, svg } = all(journal(11));
    checkSteps(r, md, html, json);
    expect(r.outcome).toBe('completed');
    expect(r.gsLockedSeconds).toBe(21);
    expect(r.bsOutOfService?.seconds).toBe(108);
    expect(r.copies[0].rateBytesPerSecond).toBe(Math.round((7 * 1024 * 1024) / 7));
    expect(md).toContain('GS locked (production could not write): 21s');
    expect(md).toContain('![Timeline');
    expect(md).toContain('(j.timeline.svg)');
    expect(md).toContain('alice** on **ops1');
    expect(md).toContain('BS replicates from GS at: mysql-bin.000001 / 3608');
    expect(md).toContain('GS replicates from BS at: mysql-bin.000002 / 400');
    expect(md).toMatch(/verified: both directions carry data .*2 tables match/);
    expect(md).toContain('`/var/backups/x/bs-only-rows.sql`');
    const { bars, svgs } = checkHtml(html);
    expect(svgs).toBe(1);
    // and the browser is told so: nothing may load even if something slipped in
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(bars).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(checkHtml(svg).bars.length).toBe(11);
    expect(svg).toContain('class="gs-lock"');
    expect(svg).toContain('class="copy"');
  });

  for (const outcome of ['declined', 'interrupted', 'failed'] as const)
    it(`a run ${outcome} at step 4: the steps after it "not run", bars only for those that ran`, () => {
      const { r, md, html, json } = all(journal(3, { outcome, step: 4 }));
      checkSteps(r, md, html, json);
      expect(r.steps[3].status).toBe(outcome);
      expect(r.steps.slice(4).every((s) => s.status === 'not run')).toBe(true);
      expect(checkHtml(html).bars).toEqual([1, 2, 3, 4]);
      expect(md).toContain('not made: the run did not reach the proof (step 10)');
      expect(md).toContain('GS replicates from BS at: not recorded');
    });

  it('GS’s lock time: never locked, or not recorded by an older journal, are told apart', () => {
    const never = journal(2, { outcome: 'declined', step: 3 });
    never.gsLocks = [];
    expect(all(never).md).toContain('GS was never locked by this run');
    const old = journal(11);
    delete old.gsLocks;
    delete old.copies;
    delete old.invocations;
    const r = all(old);
    expect(r.md).toContain('GS’s lock time: not recorded');
    expect(r.md).toContain('does not record who started this run');
    checkSteps(r.r, r.md, r.html, r.json);
  });

  it('a run from a donor (--donor): the copy’s source R named, GS not read by the copy nor locked, its coordinates the donor’s point', () => {
    const d = journal(11);
    d.servers.R = fp(3309, 3);
    d.gsLocks = [];
    d.state.donor = { frozen: false, at: { file: 'mysql-bin.000001', position: 3608 } };
    const { r, md, html, json } = all(d);
    checkSteps(r, md, html, json);
    expect(r.donor).toMatchObject({ address: '10.0.0.1:3309', serverId: 3, at: { file: 'mysql-bin.000001', position: 3608 } });
    expect(md).toContain('- **Copy read from:** the donor R 10.0.0.1:3309, a replica of GS; GS was not read by the copy');
    expect(md).toContain('| R (donor, the copy’s source) | 10.0.0.1:3309 | 3 |');
    expect(md).toContain('- The copy read the donor R 10.0.0.1:3309, a replica of GS, not GS: GS was not read by the copy and not locked');
    expect(md).toContain('Copy R → BS: complete');
    expect(md).toContain('GS was never locked by this run');
    expect(md).toMatch(/BS replicates from GS at: mysql-bin\.000001 \/ 3608 \(the donor’s recorded point: where step 3 stopped its SQL thread/);
    expect(html).toContain('<b>Copy read from:</b> the donor R 10.0.0.1:3309');
    expect(html).toContain('<td>R (donor, the copy’s source)</td><td>10.0.0.1:3309</td>');
    expect(checkHtml(html).svgs).toBe(1);
    expect(html).toMatch(/BS replicates from GS at: mysql-bin\.000001 \/ 3608 \(the donor’s recorded point/);
    // The online method does not lock GS either way: its sentence does not boast of it.
    d.method = 'online';
    expect(all(d).md).toContain('GS was not read by the copy\n');
    // A run without a donor says none of it.
    const plain = all(journal(11));
    expect(plain.r.donor).toBeUndefined();
    expect(plain.md).not.toMatch(/donor/);
    expect(plain.md).toContain('Copy GS → BS: complete');
  });

  it('the HTML check catches a resource loaded from elsewhere', () => {
    const { html } = all(journal(11));
    expect(() => checkHtml(html.replace('</head>', '<link rel="stylesheet" href="https://example.com/x.css"></head>'))).toThrow();
    expect(() => checkHtml(html.replace('<style>', '<style>@import "x.css";'))).toThrow();
  });

  it('escapes what it shows: a statement cannot break out of the HTML or the Markdown fence', () => {
    const d = journal(11);
    d.steps[0].executed[0].text = "SELECT '</pre><script src=x></script>' ```";
    const { md, html } = all(d);
    expect(checkHtml(html).svgs).toBe(1);
    expect(html).not.toContain('<script');
    expect(md).toContain('````\n');
    expectNoSecret({ md, html }, ['s3cr3t']);
  });
});

describe('the secret check', () => {
  it('finds a password however it was escaped', () => {
    const pw = 'it\'s "q\\uote\\\\d" ñ';
    for (const leaked of [
      pw,
      JSON.stringify(pw),
      pw.replace(/\\/g, '\\\\').replace(/'/g, "\\'"),
      pw.replace(/'/g, "''"),
      pw.replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
    ])
      expect(() => expectNoSecret({ x: `before ${leaked} after` }, [pw])).toThrow();
  });
});
