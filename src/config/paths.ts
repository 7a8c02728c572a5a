// Where mmrecover keeps its state (journals, the current lab): $XDG_STATE_HOME/mmrecover.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'mmrecover');
}
