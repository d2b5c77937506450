import type { Argv } from 'yargs';
import { budCommand, type BudArgs } from './bud.js';
import { cmd, globalOptions, list, storeFromArgs, timestampFrom, transportsFor, keyValues, type GlobalArgs } from './context.js';

const json = (args: GlobalArgs) => args.format === 'json';

function budOptions(y: Argv): Argv {
  return y
    .positional('context', { type: 'string', describe: 'build context folder, or - for a tar on stdin', default: '.' })
    .option('tag', { alias: 't', type: 'string', describe: 'destination (TRANSPORT:REF or a store name); repeatable' })
    .option('file', { alias: 'f', type: 'string', describe: 'Containerfile/Dockerfile (- for stdin)' })
    .option('build-arg', { type: 'string', describe: 'NAME=VALUE' })
    .option('target', { type: 'string', describe: 'stage to build' })
    .option('platform', { type: 'string', describe: 'target platform, e.g. linux/arm64' })
    .option('cache', { type: 'boolean', default: true, describe: 'reuse cached steps (--no-cache runs every step)' })
    .option('timestamp', { type: 'number', describe: 'seconds since the epoch for every created time (default: $SOURCE_DATE_EPOCH)' })
    .option('label', { type: 'string', describe: 'KEY=VALUE added to the image' })
    .option('annotation', { type: 'string', describe: 'KEY=VALUE manifest annotation' })
    .option('secret', { type: 'string', describe: 'id=ID,src=FILE for RUN --mount=type=secret' })
    .option('iidfile', { type: 'string', describe: 'write the image digest here' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no step progress' })
    .option('isolation', { choices: ['oci', 'chroot'] as const, default: 'oci' as const, describe: 'how RUN runs' })
    .option('runtime', { type: 'string', describe: 'OCI runtime for --isolation oci', default: 'runc' })
    .option('compression', { choices: ['gzip', 'zstd', 'none'] as const, describe: 'layer compression' })
    .option('format', { choices: ['oci', 'docker'] as const, describe: 'manifest format' })
    .option('ignorefile', { type: 'string', describe: 'ignore file (default .containerignore or .dockerignore)' })
    .option('jobs', { type: 'number', describe: 'independent stages built at once (default 1)' });
}

export function buildCommands(parser: Argv): Argv {
  return parser
    .options(globalOptions)
    .command(cmd<BudArgs>(['bud [context]', 'build [context]'], 'build an image from a Containerfile/Dockerfile', budOptions, budCommand))
    .command(
      cmd<{ image: string; name?: string; platform?: string }>(
        'from <image>',
        'make a working container from an image (any transport, a store name, or scratch); prints its name',
        (y) => y.positional('image', { type: 'string', demandOption: true }).option('name', { type: 'string' }).option('platform', { type: 'string' }),
        async (args) => {
          const [{ fromImage }, { printLine }, { parsePlatform }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli'), import('@ocikit/oci-image')]);
          const store = await storeFromArgs(args);
          const wc = await fromImage(store, args.image, {
            transports: await transportsFor(store, args, [args.image]),
            ...(args.name ? { name: args.name } : {}),
            ...(args.platform ? { platform: parsePlatform(args.platform) } : {}),
          });
          printLine(wc.container.name);
        },
      ),
    )
    .command(
      cmd<{ format?: string }>('containers', 'list working containers', (y) => y.option('format', { choices: ['text', 'json'] as const, default: 'text' }), async (args) => {
        const [{ listWorkingContainers }, { printLine, printJson }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
        const list = await listWorkingContainers(await storeFromArgs(args));
        if (json(args)) return printJson(list.map((w) => ({ id: w.container.id, name: w.container.name, image: w.builder.fromImage, imageDigest: w.builder.fromDigest })));
        printLine(['CONTAINER ID  IMAGE ID      IMAGE NAME  CONTAINER NAME', ...list.map((w) => `${w.container.id.slice(0, 12)}  ${w.builder.fromDigest.slice(7, 19)}  ${w.builder.fromImage}  ${w.container.name}`)].join('\n'));
      }),
    )
    .command(
      cmd<{ container: string }>('mount <container>', 'mount a working container; prints the rootfs path', (y) => y.positional('container', { type: 'string', demandOption: true }), async (args) => {
        const [{ mountWorking }, { printLine }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
        printLine(await mountWorking(await storeFromArgs(args), args.container));
      }),
    )
    .command(
      cmd<{ container: string }>(['umount <container>', 'unmount <container>'], 'unmount a working container', (y) => y.positional('container', { type: 'string', demandOption: true }), async (args) => {
        const { unmountWorking } = await import('../working/builder.js');
        await unmountWorking(await storeFromArgs(args), args.container);
      }),
    )
    .command(
      cmd<{ containers: string[]; all?: boolean }>('rm [containers..]', 'remove working containers', (y) => y.positional('containers', { type: 'string' }).option('all', { alias: 'a', type: 'boolean' }), async (args) => {
        const [{ removeWorking, listWorkingContainers }, { printLine, UsageError }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
        const store = await storeFromArgs(args);
        const names = args.all ? (await listWorkingContainers(store)).map((w) => w.container.id) : (args.containers ?? []);
        if (names.length === 0 && !args.all) throw new UsageError('name a container or use --all');
        for (const name of names) printLine(await removeWorking(store, name));
      }),
    )
    .command(
      cmd<{ container: string }>('inspect <container>', 'show a working container and its config as JSON', (y) => y.positional('container', { type: 'string', demandOption: true }), async (args) => {
        const [{ openWorkingContainer }, { printJson }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
        const wc = await openWorkingContainer(await storeFromArgs(args), args.container);
        printJson({ ...wc.builder, container: wc.container });
      }),
    )
    .command(
      cmd<{ container: string; command: string[]; isolation: 'oci' | 'chroot'; network?: string; volume?: string[]; env?: string[]; user?: string; workingdir?: string; runtime: string }>(
        'run <container> [command..]',
        'run a command in a working container (its Env, WorkingDir, User); the exit code comes back',
        (y) =>
          y
            .positional('container', { type: 'string', demandOption: true })
            .positional('command', { type: 'string' })
            .option('isolation', { choices: ['oci', 'chroot'] as const, default: 'oci' as const })
            .option('network', { choices: ['none', 'host'] as const, default: 'host' as const })
            .option('volume', { alias: 'v', type: 'string', describe: 'HOST:CONTAINER[:ro]' })
            .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE' })
            .option('user', { type: 'string' })
            .option('workingdir', { type: 'string' })
            .option('runtime', { type: 'string', default: 'runc' })
            .parserConfiguration({ 'populate--': true }),
        async (args) => {
          const [{ runWorking }, { UsageError }] = await Promise.all([import('../working/operations.js'), import('@ocikit/oci-image/cli')]);
          const argv = [...(args.command ?? []), ...((args as { '--'?: unknown[] })['--'] ?? [])].map(String);
          if (argv.length === 0) throw new UsageError('name a command: oci-build run CTR -- CMD ARGS...');
          process.exitCode = await runWorking(await storeFromArgs(args), args.container, argv, {
            isolation: args.isolation,
            network: args.network === 'none' ? 'none' : 'host',
            volumes: list(args.volume),
            env: list(args.env),
            ...(args.user ? { user: args.user } : {}),
            ...(args.workingdir ? { workdir: args.workingdir } : {}),
            runtime: { name: args.runtime, searchPath: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
          });
        },
      ),
    )
    .command(copyCommand('copy', false))
    .command(copyCommand('add', true))
    .command(
      cmd<ConfigArgs>('config <container>', 'change the config the next commit writes', configOptions, async (args) => {
        const [{ configureWorking }, { printJson }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
        const builder = await configureWorking(await storeFromArgs(args), args.container, configPatch(args), args['created-by'], keyValues(list(args.annotation), '--annotation'), list(args.env).filter((e) => !e.includes('=') && e.endsWith('-')).map((e) => e.slice(0, -1)));
        if (json(args)) printJson(builder.config);
      }),
    )
    .command(
      cmd<{ container: string; destination?: string; squash?: boolean; timestamp?: number; 'manifest-format'?: 'oci' | 'docker'; compression?: 'gzip' | 'zstd' | 'none'; rm?: boolean }>(
        'commit <container> [destination]',
        'write the working container as an image (base + a layer of what changed); prints DEST@digest',
        (y) =>
          y
            .positional('container', { type: 'string', demandOption: true })
            .positional('destination', { type: 'string', describe: 'TRANSPORT:REF or a store name' })
            .option('squash', { type: 'boolean', describe: 'one layer with the whole filesystem' })
            .option('timestamp', { type: 'number', describe: 'created time in seconds (default: $SOURCE_DATE_EPOCH)' })
            .option('format', { alias: 'manifest-format', choices: ['oci', 'docker'] as const, default: 'oci' as const })
            .option('compression', { choices: ['gzip', 'zstd', 'none'] as const, default: 'gzip' as const })
            .option('rm', { type: 'boolean', describe: 'remove the working container afterwards' }),
        async (args) => {
          const [{ commitWorking }, { printLine }] = await Promise.all([import('../working/builder.js'), import('@ocikit/oci-image/cli')]);
          const store = await storeFromArgs(args);
          const destination = args.destination ?? '';
          const timestamp = timestampFrom(args.timestamp);
          const ref = await commitWorking(store, args.container, destination, {
            transports: await transportsFor(store, args, [destination]),
            squash: args.squash ?? false,
            ...(timestamp ? { timestamp } : {}),
            format: args.format === 'docker' ? 'docker' : 'oci',
            compression: args.compression ?? 'gzip',
            rm: args.rm ?? false,
          });
          printLine(ref);
        },
      ),
    );
}

interface CopyArgs extends GlobalArgs {
  container: string;
  paths: string[];
  chown?: string;
  chmod?: string;
  from?: string;
  ignorefile?: string;
  contextdir?: string;
}

function copyCommand(name: 'copy' | 'add', extract: boolean) {
  return cmd<CopyArgs>(
    `${name} <container> <paths..>`,
    extract ? 'add files (local tar archives extracted) into a working container: SRC... DEST' : 'copy files into a working container: SRC... DEST',
    (y) =>
      y
        .positional('container', { type: 'string', demandOption: true })
        .positional('paths', { type: 'string', array: true, demandOption: true })
        .option('chown', { type: 'string', describe: 'USER[:GROUP]' })
        .option('chmod', { type: 'string', describe: 'octal mode' })
        .option('from', { type: 'string', describe: 'a working container or an image to copy from' })
        .option('ignorefile', { type: 'string', describe: 'ignore rules for the sources' })
        .option('contextdir', { type: 'string', describe: 'relative sources and ignore rules from here (default: cwd)' }),
    async (args) => {
      const [{ copyIntoWorking }, { UsageError }, { readIgnoreFile }, { resolve }] = await Promise.all([
        import('../working/operations.js'),
        import('@ocikit/oci-image/cli'),
        import('../ignore.js'),
        import('node:path'),
      ]);
      const paths = args.paths.map(String);
      if (paths.length < 2) throw new UsageError(`${name} needs SRC... DEST`);
      if (args.chmod !== undefined && !/^[0-7]{3,4}$/.test(args.chmod)) throw new UsageError(`--chmod ${args.chmod} is not an octal mode`);
      const store = await storeFromArgs(args);
      const cwd = resolve(args.contextdir ?? '.');
      const ignore = await readIgnoreFile(cwd, args.ignorefile ? resolve(args.ignorefile) : undefined);
      await copyIntoWorking(store, args.container, paths.slice(0, -1), paths[paths.length - 1] as string, {
        transports: await transportsFor(store, args, args.from ? [args.from] : []),
        cwd,
        ignore,
        extractArchives: extract,
        ...(args.chown ? { chown: args.chown } : {}),
        ...(args.chmod ? { chmod: parseInt(args.chmod, 8) } : {}),
        ...(args.from ? { from: args.from } : {}),
      });
    },
  );
}

interface ConfigArgs extends GlobalArgs {
  container: string;
  env?: string | string[];
  entrypoint?: string;
  cmd?: string;
  workingdir?: string;
  user?: string;
  port?: string | string[];
  volume?: string | string[];
  label?: string | string[];
  annotation?: string | string[];
  'stop-signal'?: string;
  healthcheck?: string;
  author?: string;
  'created-by'?: string;
  arch?: string;
  os?: string;
}

function configOptions(y: Argv): Argv {
  return y
    .positional('container', { type: 'string', demandOption: true })
    .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE (KEY- removes)' })
    .option('entrypoint', { type: 'string', describe: 'JSON array, or a shell command' })
    .option('cmd', { type: 'string', describe: 'JSON array, or a shell command' })
    .option('workingdir', { type: 'string' })
    .option('user', { alias: 'u', type: 'string' })
    .option('port', { alias: 'p', type: 'string' })
    .option('volume', { alias: 'v', type: 'string' })
    .option('label', { alias: 'l', type: 'string', describe: 'KEY=VALUE (KEY- removes)' })
    .option('annotation', { alias: 'a', type: 'string', describe: 'KEY=VALUE' })
    .option('stop-signal', { type: 'string' })
    .option('healthcheck', { type: 'string', describe: 'JSON array (CMD ... / CMD-SHELL ...), or NONE' })
    .option('author', { type: 'string' })
    .option('created-by', { type: 'string', describe: 'history text for the next commit' })
    .option('arch', { type: 'string' })
    .option('os', { type: 'string' })
    .option('format', { choices: ['text', 'json'] as const, default: 'text' });
}

function commandList(text: string): string[] | null {
  if (text === '') return null;
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // a shell command
  }
  return ['/bin/sh', '-c', text];
}

function configPatch(args: ConfigArgs) {
  const labels: Record<string, string | undefined> = {};
  for (const l of list(args.label)) {
    if (l.endsWith('-') && !l.includes('=')) labels[l.slice(0, -1)] = undefined;
    else Object.assign(labels, keyValues([l], '--label'));
  }
  const patch: import('@ocikit/oci-image').ConfigPatch = {};
  if (list(args.env).length) patch.env = list(args.env).filter((e) => e.includes('='));
  if (args.entrypoint !== undefined) patch.entrypoint = commandList(args.entrypoint);
  if (args.cmd !== undefined) patch.cmd = commandList(args.cmd);
  if (args.workingdir !== undefined) patch.workingDir = args.workingdir;
  if (args.user !== undefined) patch.user = args.user;
  if (list(args.port).length) patch.exposedPorts = list(args.port);
  if (list(args.volume).length) patch.volumes = list(args.volume);
  if (Object.keys(labels).length) patch.labels = labels;
  if (args['stop-signal'] !== undefined) patch.stopSignal = args['stop-signal'];
  if (args.author !== undefined) patch.author = args.author;
  if (args.arch !== undefined) patch.architecture = args.arch;
  if (args.os !== undefined) patch.os = args.os;
  if (args.healthcheck !== undefined) {
    const list = args.healthcheck.toUpperCase() === 'NONE' ? null : commandList(args.healthcheck);
    patch.healthcheck = list === null ? null : { Test: list[0] === 'CMD' || list[0] === 'CMD-SHELL' ? list : ['CMD-SHELL', args.healthcheck] };
  }
  return patch;
}
