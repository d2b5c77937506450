import type { Argv } from 'yargs';
import { interruptSignal, printJson, printLine } from '@ocikit/oci-image/cli';
import { cmd, json, storeFromArgs, table, type GlobalArgs } from './context.js';

type Args<T> = GlobalArgs & T;

export function containerCommands(parser: Argv): Argv {
  return parser
    .command(cmd(
      'create <IMAGE>',
      'create a container from an image (of the store, or any local transport: pulled first); prints its id (with --mount: the id, then the mount point, one per line)',
      (y) =>
        y
          .positional('IMAGE', { type: 'string' })
          .option('name', { type: 'string', describe: 'container name' })
          .option('mount', { type: 'boolean', describe: 'mount it too, in the same process (as `mount ID` would)' }),
      async (args: Args<{ IMAGE: string; name?: string; mount?: boolean }>) => {
        const { createFromText, createMountedFromText } = await import('./pull.js');
        const store = await storeFromArgs(args);
        // storeFromArgs opened the store with --driver, when given: store.driver is the one to use.
        const options = { driver: store.driver, signal: interruptSignal(), ...(args.name ? { name: args.name } : {}) };
        if (args.mount) {
          const c = await createMountedFromText(store, args.IMAGE, options);
          if (json(args)) return printJson(c);
          printLine(c.id);
          printLine(c.mountPoint);
          return;
        }
        const c = await createFromText(store, args.IMAGE, options);
        if (json(args)) return printJson(c);
        printLine(c.id);
      },
    ))
    .command(cmd('containers', 'list containers', {}, async (args: Args<object>) => {
      const { listContainers } = await import('../containers.js');
      const { readMountRecord } = await import('../mounts.js');
      const store = await storeFromArgs(args);
      const rows = await Promise.all((await listContainers(store)).map(async (c) => ({ ...c, mounts: (await readMountRecord(store, c.id))?.count ?? 0 })));
      if (json(args)) return printJson(rows);
      printLine(table(['CONTAINER ID', 'NAME', 'IMAGE', 'DRIVER', 'MOUNTS', 'CREATED'], rows.map((c) => [c.id.slice(0, 12), c.name, c.image.replace(/^sha256:/, '').slice(0, 40), c.driver, String(c.mounts), c.created])));
    }))
    .command(cmd(
      'mount <ID>',
      'mount a container filesystem (counted); prints the mount point',
      (y) => y.positional('ID', { type: 'string' }),
      async (args: Args<{ ID: string }>) => {
        const { mountContainer } = await import('../mounts.js');
        const result = await mountContainer(await storeFromArgs(args), args.ID);
        if (json(args)) return printJson(result);
        printLine(result.mountPoint);
      },
    ))
    .command(cmd(
      ['umount <ID>', 'unmount <ID>'],
      'drop one user of a mount; the last one unmounts',
      (y) => y.positional('ID', { type: 'string' }).option('force', { type: 'boolean', alias: 'f', describe: 'unmount whatever the count' }),
      async (args: Args<{ ID: string; force?: boolean }>) => {
        const { unmountContainer } = await import('../mounts.js');
        const result = await unmountContainer(await storeFromArgs(args), args.ID, { force: args.force ?? false });
        if (json(args)) printJson(result);
      },
    ))
    .command(cmd(
      'rm <ID..>',
      'remove containers',
      (y) => y.positional('ID', { type: 'string', array: true }).option('force', { type: 'boolean', alias: 'f', describe: 'unmount first' }),
      async (args: Args<{ ID: string[]; force?: boolean }>) => {
        const { removeContainer } = await import('../remove.js');
        const store = await storeFromArgs(args);
        const removed = [];
        for (const id of args.ID) removed.push((await removeContainer(store, id, { force: args.force ?? false })).id);
        if (json(args)) return printJson(removed);
        for (const id of removed) printLine(id);
      },
    ))
    .command(cmd(
      'diff <ID>',
      'what a container changed: A added, C changed, D deleted',
      (y) => y.positional('ID', { type: 'string' }),
      async (args: Args<{ ID: string }>) => {
        const { containerChanges } = await import('../changes.js');
        const { changes } = await containerChanges(await storeFromArgs(args), args.ID);
        const shown = changes.map((c) => ({ kind: c.kind, path: `/${c.path}` }));
        if (json(args)) return printJson(shown);
        for (const c of shown) printLine(`${c.kind} ${c.path}`);
      },
    ))
    .command(cmd(
      'commit <ID> <DEST>',
      'write the container changes as a new layer on its image, to storage:NAME (or NAME) or any transport; prints the reference',
      (y) =>
        y
          .positional('ID', { type: 'string' })
          .positional('DEST', { type: 'string' })
          .option('message', { type: 'string', alias: 'm', describe: 'history comment' })
          .option('author', { type: 'string', describe: 'image author' })
          .option('compression', { choices: ['gzip', 'zstd', 'none'] as const, default: 'gzip' as const })
          .option('timestamp', { type: 'number', describe: 'seconds since the epoch for every time in the layer and config (default: $SOURCE_DATE_EPOCH), for reproducible images' }),
      async (args: Args<{ ID: string; DEST: string; message?: string; author?: string; compression: 'gzip' | 'zstd' | 'none'; timestamp?: number }>) => {
        const { parseReference } = await import('@ocikit/oci-image');
        const { transportsFor, isTransportReference } = await import('./pull.js');
        const { commitContainer } = await import('../commit.js');
        const store = await storeFromArgs(args);
        const transports = transportsFor(store);
        const dest = parseReference(isTransportReference(args.DEST, transports) ? args.DEST : `storage:${args.DEST}`, transports);
        const epoch = args.timestamp ?? (process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) : undefined);
        const fixed = epoch === undefined || Number.isNaN(epoch) ? {} : { timestamp: new Date(epoch * 1000), created: new Date(epoch * 1000) };
        const result = await commitContainer(store, args.ID, await dest.transport.openDestination(dest.value), {
          ...fixed,
          compression: args.compression,
          signal: interruptSignal(),
          ...(args.message ? { message: args.message } : {}),
          ...(args.author ? { author: args.author } : {}),
        });
        if (json(args)) return printJson({ reference: result.reference, digest: result.digest, changes: result.changes.length });
        printLine(result.reference);
      },
    ))
    .command(cmd(
      'export <ID>',
      'write the container filesystem as a tar to stdout (or --output FILE)',
      (y) => y.positional('ID', { type: 'string' }).option('output', { type: 'string', alias: 'o', describe: 'file to write' }),
      async (args: Args<{ ID: string; output?: string }>) => {
        const { exportContainer } = await import('../export.js');
        const { createWriteStream } = await import('node:fs');
        const out = args.output && args.output !== '-' ? createWriteStream(args.output) : process.stdout;
        await exportContainer(await storeFromArgs(args), args.ID, out, interruptSignal());
      },
    ));
}
