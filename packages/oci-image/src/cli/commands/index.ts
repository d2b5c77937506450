import type { Argv } from 'yargs';
import { layerCommand } from './layer.js';
import { unpackCommand } from './unpack.js';
import { repackCommand } from './repack.js';

/**
 * Every oci-image command. Command files hold only option definitions; their
 * handlers import the library code they need, so start-up stays small.
 */
export function localCommands(parser: Argv): Argv {
  return parser.command(layerCommand).command(unpackCommand).command(repackCommand);
}
