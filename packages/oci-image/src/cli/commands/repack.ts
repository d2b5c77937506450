import type { CommandModule } from 'yargs';
import { layerWriteOptions } from '../../layers/cli/options.js';

export const repackCommand: CommandModule<object, never> = {
  command: 'repack <bundle> <reference>',
  describe: 'make a layer of the changes to an unpacked bundle and append it to the image, written to REF, like umoci repack',
  builder: (y) =>
    y.options({
      ...layerWriteOptions,
      'created-by': { type: 'string', describe: 'the history created_by text' },
      message: { type: 'string', describe: 'the history comment' },
      format: { choices: ['text', 'json'], default: 'text' },
    }) as never,
  handler: async (args) => (await import('../../layers/cli/bundle-handlers.js')).repackHandler(args as never),
};
