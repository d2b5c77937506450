import type { Argv } from 'yargs';
import { containerCommands } from './container-commands.js';
import { imageCommands } from './image-commands.js';
import { storeCommands } from './store-commands.js';

/**
 * Every oci-storage command. Handlers import the library when they run, so
 * start-up loads only yargs and this table.
 */
export function storageCommands(parser: Argv): Argv {
  const withGlobals = parser
    .option('root', { type: 'string', alias: 'storage-root', describe: 'store root (default: /var/lib/ocikit/storage as root, else $XDG_DATA_HOME/ocikit/storage; $OCIKIT_STORAGE_ROOT)', global: true })
    .option('runroot', { type: 'string', describe: 'mount state dir (default: /run/ocikit/storage as root, else inside the root)', global: true })
    .option('driver', { type: 'string', alias: 'storage-driver', choices: ['overlay', 'vfs', 'copy'], describe: 'storage driver for new containers', global: true })
    .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format', global: true });
  return containerCommands(imageCommands(storeCommands(withGlobals)));
}
