import { readFileSync } from 'node:fs';
import { runCli } from '@ocikit/oci-image/cli';
import { separateCommand } from './cli/argv.js';
import { podCommands } from './cli/commands.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

await runCli({ name: 'oci-pod', version, commands: podCommands, argv: separateCommand(process.argv.slice(2)) });
