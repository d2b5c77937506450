import type { Argv, Options } from 'yargs';
import { COMMANDS, GLOBAL_OPTIONS, GROUPS, type CommandDef, type OptionDef } from './table.js';

/** The yargs form of the command table: --help, and the full parser for what the fast path leaves. */
function yargsOption(def: OptionDef): Options {
  const option: Options = { type: def.type };
  if (def.array) option.array = true;
  if (def.alias) option.alias = def.alias;
  if (def.default !== undefined) option.default = def.default;
  if (def.choices) option.choices = def.choices;
  if (def.describe) option.describe = def.describe;
  return option;
}

function addCommand(parser: Argv, def: CommandDef, depth: number): Argv {
  return parser.command({
    command: `${def.path[depth]}${def.args ? ` ${def.args}` : ''}`,
    describe: def.describe,
    builder: (y) => {
      for (const [name, option] of Object.entries(def.options)) y.option(name, yargsOption(option));
      return y;
    },
    handler: async (argv) => (await def.handler())(argv as Record<string, unknown>),
  });
}

export function podCommands(parser: Argv): Argv {
  let out = parser.parserConfiguration({ 'greedy-arrays': false });
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) {
    if (name !== 'debug') out = out.option(name, { ...yargsOption(option), global: true });
  }
  for (const def of COMMANDS.filter((c) => c.path.length === 1)) out = addCommand(out, def, 0);
  for (const [group, describe] of Object.entries(GROUPS)) {
    out = out.command({
      command: group,
      describe,
      builder: (y) => {
        let sub = y;
        for (const def of COMMANDS.filter((c) => c.path[0] === group)) sub = addCommand(sub, def, 1);
        return sub.demandCommand(1, `name a ${group} command`);
      },
      handler: () => {},
    });
  }
  return out;
}
