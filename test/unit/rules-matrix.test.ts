// Every version profile × method × positioning × starting state × client program: the steps' own plans, replayed
// through the manuals' rules (offline, branches and all, and as a connected run would compute them), break none.
// Where the preflight stops (no dump flag can work), nothing runs, and the stop says why.
import { describe, expect, it } from 'vitest';
import { CLIENTS, START, VERSIONS, ownClient, replayConnected, replayOffline, type Case } from '../helpers/rules.js';

function cases(version: string): Case[] {
  const mysql = !/MariaDB/.test(version);
  const out: Case[] = [];
  // --method clone where the clone plugin exists (MySQL 8.0.17+).
  const clone = mysql && /^(8\.0\.(1[7-9]|[2-9]\d)|8\.[1-9]|9)/.test(version);
  for (const method of ['classic', 'online', ...(clone ? (['clone'] as const) : [])] as const)
    for (const positioning of ['file', 'gtid'] as const)
      for (const [name, start] of Object.entries(START)) {
        // MySQL file/position: on a pair without GTIDs, and on one that had them (and auto-positioned; GTID_ONLY 8.0.27+).
        // (The operator accepted file/position on the GTID pair: without --accept-file-positioning-on-gtid a connected
        // run stops there, and the rule file-positioning-on-gtid-server says why.)
        const starts =
          mysql && positioning === 'file'
            ? [start, { ...start, gtidMode: true, autoPosition: true, gtidOnly: /^(8\.[1-9]|8\.0\.(2[7-9]|3)|9)/.test(version), fileOnGtidAccepted: true }]
            : [start];
        for (const s of starts) {
          for (const client of Object.values(CLIENTS)) out.push({ version, method, positioning, client, start: s, ...{ name } });
          // The clients an offline rehearsal plans with (--assume): that version's own, as this machine's PATH finds them.
          out.push({ version, method, positioning, client: ownClient(version), start: s, assumed: true, ...{ name } });
        }
      }
  return out;
}

const label = (c: Case) => `${c.method}/${c.positioning}/${c.client.program} ${c.client.version}/${JSON.stringify(c.start)}`;

describe('the manuals’ rules over every version profile', () => {
  for (const version of VERSIONS)
    it(version, async () => {
      const refused: string[] = [];
      const broken: string[] = [];
      let replayed = 0;
      for (const c of cases(version)) {
        const offline = await replayOffline(c);
        if (offline.stops.length) {
          refused.push(`${label(c)}: ${offline.stops.join('; ')}`);
          continue;
        }
        const connected = await replayConnected(c);
        replayed++;
        for (const v of [...offline.violations.map((x) => ({ ...x, mode: 'offline' })), ...connected.violations.map((x) => ({ ...x, mode: 'connected' }))])
          broken.push(`${v.mode} ${label(c)}: [${v.rule}] ${v.action.slice(0, 120)} — ${v.why}`);
      }
      expect(broken.slice(0, 10)).toEqual([]);
      // Every version recovers with some client here; refusals are only the dump program's (the preflight says why).
      expect(replayed).toBeGreaterThan(0);
      for (const r of refused) expect(r).toMatch(/dump program: /);
      // The version's own client programs, as --assume plans with them, are never refused: the rehearsal passes.
      expect(refused.filter((r) => r.includes(`/${ownClient(version).program} ${ownClient(version).version}/`))).toEqual([]);
    });
});
