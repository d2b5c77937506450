import type { CommandModule } from 'yargs';
import { UsageError } from '../run.js';

// Placeholder until the layer commands land (issue 3).
export const repackCommand: CommandModule = {
  command: 'repack',
  describe: false as unknown as string,
  handler: () => {
    throw new UsageError('repack is not available yet');
  },
};
