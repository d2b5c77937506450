import type { CommandModule } from 'yargs';
import { UsageError } from '../run.js';

// Placeholder until the layer commands land (issue 3).
export const layerCommand: CommandModule = {
  command: 'layer',
  describe: false as unknown as string,
  handler: () => {
    throw new UsageError('layer is not available yet');
  },
};
