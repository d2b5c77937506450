import type { CommandModule } from 'yargs';
import { jobsOption, twoSidedOptions, withBothSides, withExamples, type Argv, type RegistryCommandsOptions } from '../options.js';

export function copyCommand(options: RegistryCommandsOptions): CommandModule {
  return {
    command: 'copy <source> <destination>',
    describe: 'copy an image between any two transports (docker://, oci:, oci-archive:, dir:)',
    builder: (y) =>
      withExamples(
        y
          .options(twoSidedOptions)
          .option('all', { alias: 'a', type: 'boolean', describe: 'copy the whole index, every platform' })
          .option('platform', { type: 'string', describe: 'pick os/arch[/variant] from an index' })
          .option('jobs', jobsOption)
          .option('dest-compress-format', { choices: ['gzip', 'zstd', 'none'], describe: 're-compress layers for the destination (changes digests)' })
          .option('manifest-format', { choices: ['oci', 'v2s2'], describe: 'convert the manifest format (changes the digest; layers untouched)' })
          .option('progress', { choices: ['auto', 'plain', 'none'], default: 'auto', describe: 'progress on stderr' })
          .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress output' })
          .option('format', { choices: ['text', 'json'], default: 'text', describe: 'output format' })
          .option('digestfile', { type: 'string', describe: 'also write the digest of the copied manifest to this file (as skopeo does)' }),
        [
          ['$0 copy oci:./layout:v1 docker://localhost:5000/app:v1', 'push a layout'],
          ['ref=$($0 copy docker://localhost:5000/app:v1 oci:./out:v1)', 'pull and keep the reference'],
        ],
      ),
    handler: async (raw) => {
      const argv = raw as Argv;
      const { copyImage } = await import('../../copy-image.js');
      const { parsePlatform } = await import('@ocikit/oci-image');
      const { printJson, printLine, interruptSignal } = await import('@ocikit/oci-image/cli');
      const { progressReporter } = await import('../progress.js');
      const progress = progressReporter(argv.quiet ? 'none' : (argv.progress as 'auto' | 'plain' | 'none'));
      await withBothSides(options.transports, argv, async (src, dst) => {
        const result = await copyImage(argv.source as string, argv.destination as string, {
          sourceTransports: src.all,
          destinationTransports: dst.all,
          jobs: argv.jobs as number,
          ...(argv.all ? { all: true } : {}),
          ...(argv.platform ? { platform: parsePlatform(argv.platform as string) } : {}),
          ...(argv['dest-compress-format'] ? { compressFormat: argv['dest-compress-format'] as 'gzip' | 'zstd' | 'none' } : {}),
          ...(argv['manifest-format'] ? { manifestFormat: argv['manifest-format'] as 'oci' | 'v2s2' } : {}),
          signal: interruptSignal(),
          ...(progress.active ? { onProgress: progress.onProgress } : {}),
        });
        progress.finish();
        if (argv.digestfile) {
          const { writeFileAtomic } = await import('@ocikit/oci-image');
          await writeFileAtomic(argv.digestfile as string, result.digest);
        }
        if (argv.format === 'json') printJson(result);
        else printLine(result.reference);
      });
    },
  };
}
