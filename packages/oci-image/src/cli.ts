import { readFileSync } from 'node:fs';
import { runCli } from './cli/run.js';
import { localCommands } from './cli/commands/index.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

void runCli({ name: 'oci-image', version, commands: localCommands });
