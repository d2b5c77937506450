import type { Argv } from 'yargs';
import { printJson, printLine } from '@ocikit/oci-image/cli';
import { cmd, humanSize, json, storeFromArgs, type GlobalArgs } from './context.js';

type Args<T> = GlobalArgs & T;

export function storeCommands(parser: Argv): Argv {
  return parser
    .command(cmd('info', 'where the store is and what it holds', {}, async (args: Args<object>) => {
      const { storeInfo } = await import('../info.js');
      const info = await storeInfo(await storeFromArgs(args));
      if (json(args)) return printJson(info);
      printLine(
        [
          `root: ${info.root}`,
          `runroot: ${info.runroot}`,
          `driver: ${info.driver}`,
          `overlay supported: ${info.overlaySupported}`,
          `images: ${info.images}`,
          `containers: ${info.containers}`,
          `layers: ${info.layers.overlay} overlay, ${info.layers.vfs} vfs`,
        ].join('\n'),
      );
    }))
    .command(cmd(
      'prune',
      'remove blobs and unpacked layers no image or container uses',
      (y) => y.option('dangling', { type: 'boolean', describe: 'also remove unnamed images no container uses' }),
      async (args: Args<{ dangling?: boolean }>) => {
        const { pruneStore } = await import('../gc.js');
        const result = await pruneStore(await storeFromArgs(args), { dangling: args.dangling ?? false });
        if (json(args)) return printJson(result);
        printLine(`removed ${result.removedImages.length} image(s), ${result.removedBlobs} blob(s) (${humanSize(result.freedBytes)}), ${result.removedLayers} layer(s)`);
        if (result.skipped) printLine(`skipped: ${result.skipped}`);
      },
    ))
    .command(cmd(
      'check',
      'find what interrupted operations left; --repair removes it (exit 1 while problems remain)',
      (y) => y.option('repair', { type: 'boolean', describe: 'fix what is found' }),
      async (args: Args<{ repair?: boolean }>) => {
        const { checkStore } = await import('../check.js');
        const result = await checkStore(await storeFromArgs(args), { repair: args.repair ?? false });
        if (json(args)) printJson(result);
        else if (result.problems.length === 0) printLine('ok');
        else for (const p of result.problems) printLine(`${p.kind} ${p.subject}: ${p.message}${p.repaired ? ` (${p.repaired})` : ''}`);
        if (!result.ok) process.exitCode = 1;
      },
    ));
}
