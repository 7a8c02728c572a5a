// Integration tests never skip silently: without mariadbd they fail with the install command.
// Everything a test run creates lives under one private temp directory (TMPDIR points there for the workers): at the
// end, lab servers a crashed test file left behind are killed, and only those, never a lab the developer runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './host.js';
import { findProgram, initDatadir, INSTALL_COMMAND } from '../../src/lab/mariadbd.js';

let root: string | undefined;

function killLeftovers(dir: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', `mariadbd --no-defaults --datadir=${dir}/`], { stdio: 'ignore' });
  } catch {
    /* none left: pkill exits 1 */
  }
}

export async function setup(): Promise<void> {
  if (!findProgram('mariadbd') && !findProgram('mysqld'))
    throw new Error(`mariadbd is not installed; integration tests need it. Install it with: ${INSTALL_COMMAND}`);
  root = mkdtempSync(join(tmpdir(), 'mmrecover-test-'));
  process.env.TMPDIR = root;
  // Tests keep their journals and lab pointers away from the developer's own state directory.
  process.env.XDG_STATE_HOME = mkdtempSync(join(root, 'state-'));
  // One mariadb-install-db for the whole run: every lab copies this datadir (about 60 labs, seconds each).
  const template = join(root, 'lab-template', 'data');
  await initDatadir(template);
  process.env.MMRECOVER_LAB_TEMPLATE = template;
}

export function teardown(): void {
  if (!root) return;
  killLeftovers(root);
  // A tmpfs a failed test left mounted would make the removal fail; what cannot be removed is left for the OS.
  try {
    rmSync(root, { recursive: true, force: true });
  } catch {
    /* left behind */
  }
}
