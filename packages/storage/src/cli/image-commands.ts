import type { Argv } from 'yargs';
import { interruptSignal, printJson, printLine } from '@ocikit/oci-image/cli';
import { cmd, humanSize, json, storeFromArgs, table, type GlobalArgs } from './context.js';

type Args<T> = GlobalArgs & T;

export function imageCommands(parser: Argv): Argv {
  return parser
    .command(cmd('images', 'list images', {}, async (args: Args<object>) => {
      const { listImages, shortId } = await import('../images.js');
      const images = await listImages(await storeFromArgs(args));
      if (json(args)) return printJson(images);
      printLine(table(['IMAGE ID', 'NAMES', 'SIZE', 'CREATED'], images.map((i) => [shortId(i.id), i.names.join(',') || '<none>', humanSize(i.size), i.created ?? ''])));
    }))
    .command(cmd(
      'pull <SOURCE> [NAME]',
      'copy an image of another transport (oci:DIR:TAG, oci-archive:FILE, dir:DIR) into the store',
      (y) => y.positional('SOURCE', { type: 'string' }).positional('NAME', { type: 'string' }),
      async (args: Args<{ SOURCE: string; NAME?: string }>) => {
        const { imageInStore } = await import('./pull.js');
        const { normaliseImageName } = await import('../names.js');
        const name = args.NAME ? normaliseImageName(args.NAME) : undefined;
        const digest = await imageInStore(await storeFromArgs(args), args.SOURCE, { ...(name ? { name } : {}), signal: interruptSignal() });
        const reference = `storage:${name ?? ''}@${digest}`;
        if (json(args)) return printJson({ reference, digest });
        printLine(reference);
      },
    ))
    .command(cmd(
      'rmi <IMAGE..>',
      'remove image names, and images whose last name goes',
      (y) => y.positional('IMAGE', { type: 'string', array: true }).option('force', { type: 'boolean', alias: 'f', describe: 'remove even if containers use it' }),
      async (args: Args<{ IMAGE: string[]; force?: boolean }>) => {
        const { removeImage } = await import('../images.js');
        const { containersOfImage } = await import('../containers.js');
        const store = await storeFromArgs(args);
        const results = [];
        for (const image of args.IMAGE) {
          results.push(await removeImage(store, image, { force: args.force ?? false, usersOf: (d) => containersOfImage(store, d) }));
        }
        if (json(args)) return printJson(results);
        for (const r of results) {
          for (const name of r.untagged) printLine(`Untagged: ${name}`);
          if (r.removed) printLine(`Deleted: ${r.digest}`);
        }
      },
    ))
    .command(cmd(
      'tag <IMAGE> <NAME..>',
      'give an image more names',
      (y) => y.positional('IMAGE', { type: 'string' }).positional('NAME', { type: 'string', array: true }),
      async (args: Args<{ IMAGE: string; NAME: string[] }>) => {
        const { tagImage } = await import('../images.js');
        const store = await storeFromArgs(args);
        const names = [];
        for (const name of args.NAME) names.push(await tagImage(store, args.IMAGE, name));
        if (json(args)) printJson(names);
      },
    ))
    .command(cmd('layers', 'list unpacked layers (by chain ID)', {}, async (args: Args<object>) => {
      const { listLayers } = await import('../layers.js');
      const layers = await listLayers(await storeFromArgs(args));
      if (json(args)) return printJson(layers.map((l) => ({ chainId: l.chainId, driver: l.driver, complete: l.record !== undefined, ...l.record })));
      printLine(table(['CHAIN ID', 'DRIVER', 'DIFF ID', 'PARENT'], layers.map((l) => [l.chainId, l.driver, l.record?.diffId ?? '(incomplete)', l.record?.parent ?? ''])));
    }));
}
