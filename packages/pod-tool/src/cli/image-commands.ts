import { printJson, printLine } from '@ocikit/oci-image/cli';
import { otherTransports, storeFromArgs } from './images.js';
import { strings } from './context.js';
import { formatTable } from './ps-command.js';

type Args = Record<string, unknown>;

/** Copy an image into the store; prints storage:NAME@DIGEST (or the digest alone for unnamed images). */
export async function pull(argv: Args): Promise<void> {
  const { pullIntoStore } = await import('../images/pull-image.js');
  const store = await storeFromArgs(argv);
  const { digest, name } = await pullIntoStore(store, String(argv.image), await otherTransports(String(argv.image)));
  printLine(name ? `storage:${name}@${digest}` : `storage:${digest}`);
}

export async function images(argv: Args): Promise<void> {
  const { listImages, shortId } = await import('@ocikit/storage');
  const store = await storeFromArgs(argv);
  const list = await listImages(store);
  if (argv.format === 'json') return printJson(list);
  if (argv.quiet) {
    for (const image of list) printLine(shortId(image.id));
    return;
  }
  const table = [['REPOSITORY', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const image of list) {
    for (const name of image.names.length ? image.names : ['<none>']) {
      table.push([name, shortId(image.id), image.created?.slice(0, 19).replace('T', ' ') ?? '', String(image.size)]);
    }
  }
  printLine(formatTable(table));
}

export async function rmi(argv: Args): Promise<void> {
  const { removeImage } = await import('@ocikit/storage');
  const store = await storeFromArgs(argv);
  for (const name of strings(argv.images)) {
    const result = await removeImage(store, name, { force: Boolean(argv.force) });
    printLine(result.digest);
  }
}
