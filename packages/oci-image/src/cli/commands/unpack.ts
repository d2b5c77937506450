import type { CommandModule } from 'yargs';
import { UsageError } from '../run.js';

// Placeholder until the layer commands land (issue 3).
export const unpackCommand: CommandModule = {
  command: 'unpack',
  describe: false as unknown as string,
  handler: () => {
    throw new UsageError('unpack is not available yet');
  },
};
