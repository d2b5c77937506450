import { runCli } from '@ocikit/oci-image/cli';
import { buildCommands } from './cli/commands.js';

void runCli({
  name: 'oci-build',
  packageJson: new URL('../package.json', import.meta.url),
  commands: buildCommands,
});
