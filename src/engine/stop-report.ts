// The exact command to go on after a stop: every setting that changes what runs, from the one option table.
import { resumeLine } from '../config/options.js';
import type { Settings } from '../config/settings.js';

export function resumeCommand(s: Settings, journalPath: string): string {
  return resumeLine(s, journalPath);
}
