import { runCli } from './cli/run.js';
import { localCommands } from './cli/commands/index.js';

void runCli({
  name: 'oci-image',
  packageJson: new URL('../package.json', import.meta.url),
  commands: localCommands,
});
