import { runCli } from '@ocikit/oci-image/cli';
import { storageCommands } from './cli/commands.js';

void runCli({ name: 'oci-storage', packageJson: new URL('../package.json', import.meta.url), commands: storageCommands });
