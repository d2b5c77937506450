import { processStdio, runCli } from '@ocikit/oci-image/cli';
import { registryCommands } from './cli/commands/index.js';

void runCli({
  name: 'oci-registry',
  packageJson: new URL('../package.json', import.meta.url),
  commands: registryCommands({
    transports: async (argv) => {
      const [{ localTransportsWith }, { optionalStorageTransport }] = await Promise.all([
        import('@ocikit/oci-image/local-transports'),
        import('./cli/storage-transport.js'),
      ]);
      const storage = await optionalStorageTransport(argv);
      return [...localTransportsWith(processStdio()), ...(storage ? [storage] : [])];
    },
  }),
});
