import type { Argv } from 'yargs';
import { gcCommand, initCommand, lsCommand, tagCommand, untagCommand } from './layout-commands.js';
import { blobCommand, configShowCommand, indexCommand, manifestCommand, validateCommand } from './show-commands.js';
import { annotateCommand, configSetCommand, copyCommand, exportCommand, importCommand } from './write-commands.js';
import { layerCommand } from './layer.js';
import { unpackCommand } from './unpack.js';
import { repackCommand } from './repack.js';

/**
 * Every oci-image command. Command files hold only option definitions; their
 * handlers import the library code they need, so start-up stays small.
 */
export function localCommands(parser: Argv): Argv {
  return parser
    .command(initCommand)
    .command(lsCommand)
    .command(manifestCommand)
    .command(indexCommand)
    .command({
      command: 'config',
      describe: 'print the image config; `config set` changes it',
      builder: (y) => y.command(configSetCommand).command(configShowCommand),
      handler: () => {},
    })
    .command(blobCommand)
    .command(validateCommand)
    .command(tagCommand)
    .command(untagCommand)
    .command(gcCommand)
    .command(copyCommand)
    .command(annotateCommand)
    .command(exportCommand)
    .command(importCommand)
    .command(layerCommand)
    .command(unpackCommand)
    .command(repackCommand);
}
