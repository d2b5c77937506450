import type { Argv } from 'yargs';
import type { RegistryCommandsOptions } from '../options.js';
import { copyCommand } from './copy.js';
import { syncCommand } from './sync.js';
import { catalogCommand, deleteCommand, manifestCommand, referrersCommand, tagsCommand } from './inspect.js';
import { loginCommand, logoutCommand } from './login.js';

export type { RegistryCommandsOptions, TransportsProvider } from '../options.js';

/**
 * The oci-registry command set, given the transports besides docker://.
 * Another package (storage) can build a CLI with more transports from this.
 */
export function registryCommands(options: RegistryCommandsOptions): (parser: Argv) => Argv {
  return (parser) =>
    parser
      .command(copyCommand(options))
      .command(syncCommand(options))
      .command(tagsCommand)
      .command(manifestCommand(options))
      .command(deleteCommand)
      .command(referrersCommand)
      .command(catalogCommand)
      .command(loginCommand)
      .command(logoutCommand);
}
