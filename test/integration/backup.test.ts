// Issue 10: what only BS holds is reported before it is overwritten and kept: its own events as replayable SQL and
// the rows that differ (issue 26: by key, not a dump of their schema); both are replayed on a scratch server to prove
// they hold what BS had.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumTables, listUserTables } from '../../src/recovery/compare.js';
import { breakLab } from '../../src/lab/break.js';
import type { Lab, Which } from '../../src/lab/lab.js';
import { runCli } from '../helpers/cli.js';
import { readJournal } from '../helpers/faults.js';
import { dropLab, newLab, useLab } from '../helpers/lab.js';
import { expectPairHealthy, snapshot, withSessions, yesArgs, privateState, applySql } from '../helpers/pair.js';

async function shopChecksums(lab: Lab, which: Which): Promise<Map<string, string | null>> {
  return withSessions(lab, async (a, b) => {
    const s = which === 'a' ? a : b;
    const tables = (await listUserTables((q) => s.query(q))).filter((t) => t.startsWith('shop.'));
    return checksumTables((q) => s.query(q), tables);
  });
}

describe('keeping what only BS holds', () => {
  const shared = useLab();

  it('diverged: the plan and the question name BS’s own transactions and tables; the kept events and rows restore what BS had', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'diverged');
    const bsBefore = await shopChecksums(lab, 'b');
    const r = await runCli(yesArgs(lab), env);
    expect(r.code, r.stderr).toBe(0);
    // The preflight, the plan and the question before the copy (logged with --yes) say it in plain words.
    expect(r.stderr).toMatch(/warn\s+only on BS\s+BS has 8 transaction\(s\) \([^)]*UTC\) on shop\.customers, shop\.orders that GS does not have/);
    expect(r.stderr).toMatch(
      /Lock GS [^\n]*over BS [^\n]* \(overwriting 8 BS-only transaction\(s\) on shop\.customers, shop\.orders, kept by step 2\), then unlock/,
    );
    expect(r.stderr).toMatch(/BS> \$ (stdbuf -o64K )?mariadb-dump [^\n]*-- replaces all data on BS[^\n]*BS has 8 transaction\(s\)/);
    await expectPairHealthy(lab);

    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    expect(kept.events!.transactions).toBe(8);
    expect(r.stderr).toContain(kept.events!.file);
    expect(r.stderr).toContain(kept.rows!.file);
    expect(kept.dump).toBeUndefined();
    const events = readFileSync(kept.events!.file, 'utf8');
    expect(events).toMatch(/^-- mmrecover: events BS 127\.0\.0\.1:\d+ \(server_id 2\) wrote itself/);
    expect(events).toMatch(/### INSERT INTO `shop`\.`orders`/);

    const scratch = await newLab();
    try {
      await withSessions(scratch, (a, b) => Promise.all([a.query('STOP SLAVE'), b.query('STOP SLAVE')]));
      // The rows kept, replayed on a server with the lab's original data, make it BS's pre-recovery data exactly.
      await applySql(scratch, 'a', readFileSync(kept.rows!.file, 'utf8'));
      expect(await shopChecksums(scratch, 'a')).toEqual(bsBefore);
      // The events, replayed on a server with the lab's original data, reproduce BS's own rows.
      await applySql(scratch, 'b', events);
      await withSessions(scratch, async (_a, b) => {
        expect(Number(await b.value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'BS during split brain%'"))).toBe(7);
        expect(await b.value('SELECT email FROM shop.customers WHERE id = 3')).toBe('changed-on-bs@example.com');
        expect(Number(await b.value("SELECT COUNT(*) FROM shop.orders WHERE note LIKE 'GS during split brain%'"))).toBe(0);
      });
    } finally {
      await dropLab(scratch);
    }
  });

  it('conflict: the one conflicting BS-only row is reported and saved', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'conflict');
    const r = await runCli(yesArgs(lab), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/only on BS\s+BS stopped replicating on error 1062 on shop\.customers, a row GS does not have: id=\d+, name="written on BS only"/);
    const kept = readJournal(env.XDG_STATE_HOME).data.state.backup!;
    expect(readFileSync(kept.rows!.file, 'utf8')).toContain('written on BS only');
    expect(kept.dump).toBeUndefined();
    await expectPairHealthy(lab);
  });

  it('a stopped BS with nothing of its own: nothing only on BS at step 2, no backup unless asked (--backup all)', async () => {
    const lab = shared.get();
    const env = { ...lab.env(), ...privateState() };
    await breakLab(lab, 'stopped');
    const dir = join(env.XDG_STATE_HOME, 'backups-here');
    const r = await runCli(yesArgs(lab, ['--backup-dir', dir]), env);
    expect(r.code, r.stderr).toBe(0);
    // Said from both sources: BS's binary log since GS last applied it (the preflight), and its data compared with
    // GS's at step 2 (GS is ahead), before the question for the copy.
    expect(r.stderr).toMatch(
      /ok\s+only on BS\s+its binary log shows no transaction of its own since GS last applied it \([^)]+\); its data are not read before the copy/,
    );
    expect(r.stderr).toMatch(/Compared \(BS fenced and stopped\): no row that GS lacks or holds otherwise; \d+ tables on both servers compared/);
    expect(r.stderr).toMatch(/Its data \(compared at step 2, BS fenced\): shop\.orders: 25 only on GS \(nothing GS lacks or holds otherwise\)\. /);
    expect(r.stderr).not.toMatch(/Kept BS/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);

    await breakLab(lab, 'stopped');
    const all = await runCli(yesArgs(lab, ['--backup-dir', dir, '--backup', 'all']), { ...lab.env(), ...privateState() });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toMatch(/Kept BS’s data before the copy \(mmrecover, shop\)/);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('not enough free space for the backup: stops before step 1 with the figure, unless --no-backup', async () => {
    const lab = shared.get();
    // A real small filesystem: a 256 KB tmpfs where mounting is allowed (root), else procfs, which reports 0 bytes free.
    const mountPoint = mkdtempSync(join(tmpdir(), 'mmrecover-tinyfs-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0;
    const tiny = mounted ? mountPoint : '/proc/mmrecover-backups';
    try {
      await breakLab(lab, 'diverged');
      const before = await snapshot(lab);
      const r = await runCli(yesArgs(lab, ['--backup-dir', tiny]), { ...lab.env(), ...privateState() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/STOP\s+backup space\s+the backup needs up to [\d.]+ [KM]B in \S+, only [\d.]+ K?B is free/);
      expect(r.stderr).toMatch(/Nothing was changed/);
      expect(await snapshot(lab)).toEqual(before);

      const skip = await runCli(yesArgs(lab, ['--backup-dir', tiny, '--no-backup']), { ...lab.env(), ...privateState() });
      expect(skip.code, skip.stderr).toBe(0);
      expect(skip.stderr).toMatch(/Overwrite it without keeping a copy \(--no-backup\)\? It cannot be recovered later\. yes \(--yes\)/);
      expect(skip.stderr).toMatch(/What only BS held was not kept \(--no-backup\)/);
      await expectPairHealthy(lab);
    } finally {
      if (mounted) spawnSync('umount', [mountPoint]);
    }
  });
});
