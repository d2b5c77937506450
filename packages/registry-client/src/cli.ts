import { readFileSync } from 'node:fs';
import { runCli } from '@ocikit/oci-image/cli';
import { registryCommands } from './cli/commands/index.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

await runCli({
  name: 'oci-registry',
  version,
  commands: registryCommands({ transports: async () => (await import('@ocikit/oci-image')).localTransports }),
});
