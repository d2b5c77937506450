import type { Argv, CommandModule } from 'yargs';
import { layerWriteOptions } from '../../layers/cli/options.js';
import type { OutputFormat } from '../run.js';

const layerOption = { type: 'number' as const, describe: 'only this layer (0 is the bottom one, -1 the top one)' };
const platformOption = { type: 'string' as const, describe: 'pick the image for os/arch[/variant] from an index' };
const formatOption = { choices: ['text', 'json'] as const, default: 'text' as const };

const lsCommand: CommandModule<object, { reference: string; layer?: number; platform?: string; format: OutputFormat }> = {
  command: 'ls <reference>',
  describe: 'list the entries of each layer, like tar -tv',
  builder: (y) => y.options({ layer: layerOption, platform: platformOption, format: formatOption }) as never,
  handler: async (args) => (await import('../../layers/cli/layer-handlers.js')).layerLs(args),
};

const addCommand: CommandModule<object, never> = {
  command: 'add <reference> <source>',
  describe: 'append a layer made from a folder, a tar file or - (a tar on stdin), write the image back (or to --dest)',
  builder: (y) =>
    y.options({
      ...layerWriteOptions,
      dest: { type: 'string', describe: 'write the result here instead of back to the reference' },
      base: { type: 'string', describe: 'with a folder: add only its difference from this folder (deletions become whiteouts)' },
      'created-by': { type: 'string', describe: 'the history created_by text' },
      platform: platformOption,
    }) as never,
  handler: async (args) => (await import('../../layers/cli/layer-handlers.js')).layerAdd(args as never),
};

const extractCommand: CommandModule<object, { reference: string; directory: string; layer?: number; platform?: string; format: OutputFormat; debug?: boolean }> = {
  command: 'extract <reference> <directory>',
  describe: 'apply the layers (whiteouts included) to a folder, safely',
  builder: (y) => y.options({ layer: layerOption, platform: platformOption, format: formatOption }) as never,
  handler: async (args) => (await import('../../layers/cli/layer-handlers.js')).layerExtract(args),
};

export const layerCommand: CommandModule = {
  command: 'layer',
  describe: 'list, add and extract layers',
  builder: (y: Argv) => y.command(lsCommand).command(addCommand).command(extractCommand).demandCommand(1, 'name a layer command: ls, add, extract'),
  handler: () => {},
};
