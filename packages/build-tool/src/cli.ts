import { readFileSync } from 'node:fs';
import { runCli } from '@ocikit/oci-image/cli';
import { buildCommands } from './cli/commands.js';

void runCli({
  name: 'oci-build',
  // Read only when yargs needs it (--version): a plain command skips the file.
  get version() {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  },
  commands: buildCommands,
});
