// Integration tests never skip silently: without mariadbd they fail with the install command.
// At the end, any lab server left by a crashed test file is killed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram, INSTALL_COMMAND } from '../../src/lab/mariadbd.js';

function killLeftovers(): void {
  try {
    execFileSync('pkill', ['-9', '-f', 'mariadbd --no-defaults --datadir=.*mmrecover-lab-'], { stdio: 'ignore' });
  } catch {
    /* none left: pkill exits 1 */
  }
}

export function setup(): void {
  if (!findProgram('mariadbd') && !findProgram('mysqld')) throw new Error(`mariadbd is not installed; integration tests need it. Install it with: ${INSTALL_COMMAND}`);
  // Tests keep their journals and lab pointers away from the developer's own state directory.
  process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), 'mmrecover-test-state-'));
}

export function teardown(): void {
  killLeftovers();
}
