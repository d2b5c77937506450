import { readFileSync } from 'node:fs';
import { runCli } from './cli/run.js';
import { localCommands } from './cli/commands/index.js';

void runCli({
  name: 'oci-image',
  // Read only when yargs needs it (--version): a plain command skips the file.
  get version() {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  },
  commands: localCommands,
});
