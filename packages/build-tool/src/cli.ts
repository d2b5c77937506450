import { readFileSync } from 'node:fs';
import { runCli } from '@ocikit/oci-image/cli';
import { buildCommands } from './cli/commands.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

void runCli({ name: 'oci-build', version, commands: buildCommands });
