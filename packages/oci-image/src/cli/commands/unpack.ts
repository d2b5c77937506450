import type { CommandModule } from 'yargs';
import type { OutputFormat } from '../run.js';

export const unpackCommand: CommandModule<object, { reference: string; bundle: string; platform?: string; format: OutputFormat; debug?: boolean }> = {
  command: 'unpack <reference> <bundle>',
  describe: 'unpack an image into a runtime bundle (rootfs/ and config.json), like umoci unpack',
  builder: (y) =>
    y.options({
      platform: { type: 'string', describe: 'pick the image for os/arch[/variant] from an index' },
      format: { choices: ['text', 'json'], default: 'text' },
    }) as never,
  handler: async (args) => (await import('../../layers/cli/bundle-handlers.js')).unpackHandler(args),
};
