// chalk, with colour decided once: off when NO_COLOR is set, when stderr is not a TTY, or for --json.
import { Chalk, type ChalkInstance } from 'chalk';

export function makeChalk(opts: { stream: NodeJS.WriteStream | NodeJS.WritableStream; env: NodeJS.ProcessEnv; json?: boolean }): ChalkInstance {
  const tty = Boolean((opts.stream as NodeJS.WriteStream).isTTY);
  const noColor = opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '';
  const forced = opts.env.FORCE_COLOR !== undefined && opts.env.FORCE_COLOR !== '0';
  const level = opts.json || noColor ? 0 : forced || tty ? 1 : 0;
  return new Chalk({ level: level as 0 | 1 });
}
