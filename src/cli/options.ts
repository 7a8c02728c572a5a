// The option table (src/config/options.ts) as commander options: one function for every command.
import { Option, type Command } from 'commander';
import { helpOf, optionsFor, type CommandName, type OptionSpec } from '../config/options.js';

function commanderOptions(o: OptionSpec, command: CommandName): Option[] {
  const names = o.short ? `${o.short}, ${o.flag}` : o.flag;
  const negated = (help: string) => new Option(`--no-${o.flag.slice(2)}`, help);
  const k = o.kind;
  if (k.type === 'flag') return [new Option(names, helpOf(o, command))];
  if (k.type === 'negatable') return [new Option(names, helpOf(o, command)), negated(k.negatedHelp)];
  const opt = new Option(`${names} <${o.value ?? 'value'}>`, helpOf(o, command));
  // Repeatable: every occurrence kept, in order.
  if (k.type === 'list') return [opt.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v])];
  if (k.type !== 'enum') return [opt];
  // The negation's value (--no-backup → none) is not typed after the flag.
  opt.choices(k.choices.filter((c) => c !== k.negation?.value));
  return k.negation ? [opt, negated(k.negation.help)] : [opt];
}

/**
 * Add `command`'s options from the table. `lenient` (check): a flag without its value or with a value outside its
 * choices is not a commander usage error but reaches the command, which reports it its own way.
 */
export function addOptions(cmd: Command, command: CommandName, opts: { lenient?: boolean } = {}): Command {
  for (const o of optionsFor(command)) {
    for (const opt of commanderOptions(o, command)) {
      if (opts.lenient) {
        if (opt.required) {
          opt.required = false;
          opt.optional = true;
        }
        // The choices stay in --help; only commander's own check of them goes.
        opt.parseArg = undefined;
      }
      cmd.addOption(opt);
    }
  }
  return cmd;
}
