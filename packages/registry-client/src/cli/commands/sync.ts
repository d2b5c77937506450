import type { CommandModule } from 'yargs';
import { UsageError } from '@ocikit/oci-image/cli';
import { jobsOption, twoSidedOptions, withBothSides, withExamples, type Argv, type RegistryCommandsOptions } from '../options.js';

export function syncCommand(options: RegistryCommandsOptions): CommandModule {
  return {
    command: 'sync <references..>',
    describe: 'copy repositories (every tag) or images to a registry namespace or a folder of layouts; last argument is the destination',
    builder: (y) =>
      withExamples(
        y
          .options(twoSidedOptions)
          .option('all', { alias: 'a', type: 'boolean', describe: 'copy whole indexes, every platform' })
          .option('jobs', jobsOption)
          .option('format', { choices: ['text', 'json'], default: 'text', describe: 'output format' }),
        [
          ['$0 sync docker://localhost:5000/team/app ./mirror', 'every tag into ./mirror/app as an OCI layout'],
          ['$0 sync docker://a:5000/x docker://b:5000/mirror', 'every tag of x to b:5000/mirror/x'],
        ],
      ),
    handler: async (raw) => {
      const argv = raw as Argv;
      const refs = argv.references as string[];
      if (refs.length < 2) throw new UsageError('sync needs at least one source and a destination');
      const destination = refs[refs.length - 1] as string;
      const sources = refs.slice(0, -1);
      for (const s of sources) if (!s.startsWith('docker://')) throw new UsageError(`sync sources are docker:// references, not ${JSON.stringify(s)}`);
      const { syncImages } = await import('../../sync.js');
      const { printJson, printLine, interruptSignal } = await import('@ocikit/oci-image/cli');
      await withBothSides(options.transports, argv, async (src, dst) => {
        const results = await syncImages(sources, destination, {
          source: src.docker,
          destinationTransports: dst.all,
          jobs: argv.jobs as number,
          ...(argv.all ? { all: true } : {}),
          signal: interruptSignal(),
          onImage: (e) => {
            if (argv.format !== 'json') printLine(e.reference);
          },
        });
        if (argv.format === 'json') printJson(results);
      });
    },
  };
}
