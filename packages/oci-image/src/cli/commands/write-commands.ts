import type { CommandModule } from 'yargs';
import { printJson, printLine, UsageError, type OutputFormat } from '../run.js';

interface CopyArgs {
  source: string;
  destination: string;
  all: boolean;
  platform?: string;
  jobs: number;
  format: OutputFormat;
  'manifest-format'?: 'oci' | 'v2s2';
}

export const copyCommand: CommandModule<object, CopyArgs> = {
  command: 'copy <source> <destination>',
  describe: 'copy an image or index between local transports (oci:, oci-archive:, dir:), digests kept',
  builder: (y) =>
    y.options({
      all: { type: 'boolean', default: false, describe: 'copy the whole index, every platform' },
      platform: { type: 'string', describe: 'the image to pick from an index (default: this machine)' },
      jobs: { type: 'number', default: 4, describe: 'blobs copied at once' },
      'manifest-format': { choices: ['oci', 'v2s2'], describe: 'convert the manifest format (changes the digest; layers untouched)' },
      format: { choices: ['text', 'json'], default: 'text' },
    }) as never,
  handler: async (args) => {
    const { copyReference } = await import('../../copy-reference.js');
    const { parsePlatform } = await import('../../platform.js');
    const { cliTransports, asReference } = await import('../refs.js');
    const { interruptSignal } = await import('../run.js');
    if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new UsageError('--jobs takes a whole number of at least 1');
    const result = await copyReference(asReference(args.source), asReference(args.destination), await cliTransports(), {
      all: args.all,
      jobs: args.jobs,
      signal: interruptSignal(),
      ...(args.platform ? { platform: parsePlatform(args.platform) } : {}),
      ...(args['manifest-format'] ? { format: args['manifest-format'] } : {}),
    });
    if (args.format === 'json') printJson(result);
    else if (!args.destination.startsWith('oci-archive:-')) printLine(result.reference);
  },
};

interface ConfigSetArgs {
  reference: string;
  platform?: string;
  dest?: string;
  env?: string[];
  entrypoint?: string;
  cmd?: string;
  workdir?: string;
  user?: string;
  port?: string[];
  volume?: string[];
  label?: string[];
  'stop-signal'?: string;
  author?: string;
  created?: string;
}

export const configSetCommand: CommandModule<object, ConfigSetArgs> = {
  command: 'set <reference>',
  describe: 'change the image config and write the image back (or to --dest)',
  builder: (y) =>
    y.options({
      platform: { type: 'string', describe: 'pick the image for os/arch[/variant] from an index' },
      dest: { type: 'string', describe: 'write the result here instead of back to the reference' },
      env: { type: 'string', array: true, describe: 'KEY=VALUE (repeatable)' },
      entrypoint: { type: 'string', describe: 'JSON array or command line; "" clears it' },
      cmd: { type: 'string', describe: 'JSON array or command line; "" clears it' },
      workdir: { type: 'string' },
      user: { type: 'string' },
      port: { type: 'string', array: true, describe: 'exposed port, e.g. 80/tcp (repeatable)' },
      volume: { type: 'string', array: true, describe: 'volume path (repeatable)' },
      label: { type: 'string', array: true, describe: 'KEY=VALUE, or KEY- to remove (repeatable)' },
      'stop-signal': { type: 'string' },
      author: { type: 'string' },
      created: { type: 'string', describe: 'ISO time for the config created field' },
    }) as never,
  handler: async (args) => {
    const { withConfig, withCreated } = await import('../../mutate/index.js');
    const { withImage, writeArtifact, keyValues, commandList, toArray } = await import('../refs.js');
    const labels: Record<string, string | undefined> = {};
    for (const label of toArray(args.label)) {
      if (label.endsWith('-') && !label.includes('=')) labels[label.slice(0, -1)] = undefined;
      else Object.assign(labels, keyValues([label], '--label'));
    }
    keyValues(toArray(args.env), '--env');
    let created: Date | undefined;
    if (args.created !== undefined) {
      created = new Date(args.created);
      if (Number.isNaN(created.getTime())) throw new UsageError(`--created takes an ISO time, got ${JSON.stringify(args.created)}`);
    }
    const result = await withImage(args.reference, args.platform, async (image) => {
      let next = withConfig(image, {
        ...(args.env ? { env: toArray(args.env) } : {}),
        ...(args.entrypoint !== undefined ? { entrypoint: commandList(args.entrypoint, '--entrypoint') ?? null } : {}),
        ...(args.cmd !== undefined ? { cmd: commandList(args.cmd, '--cmd') ?? null } : {}),
        ...(args.workdir !== undefined ? { workingDir: args.workdir } : {}),
        ...(args.user !== undefined ? { user: args.user } : {}),
        ...(args.port ? { exposedPorts: toArray(args.port) } : {}),
        ...(args.volume ? { volumes: toArray(args.volume) } : {}),
        ...(Object.keys(labels).length ? { labels } : {}),
        ...(args['stop-signal'] !== undefined ? { stopSignal: args['stop-signal'] } : {}),
        ...(args.author !== undefined ? { author: args.author } : {}),
      });
      if (created) next = withCreated(next, created, { history: false });
      return writeArtifact(next, args.dest ?? args.reference);
    });
    printLine(result);
  },
};

export const annotateCommand: CommandModule<object, { reference: string; annotation?: string[]; remove?: string[]; dest?: string; platform?: string }> = {
  command: 'annotate <reference>',
  describe: 'set or remove manifest annotations and write the image back (or to --dest)',
  builder: (y) =>
    y.options({
      annotation: { type: 'string', array: true, describe: 'KEY=VALUE (repeatable)' },
      remove: { type: 'string', array: true, describe: 'KEY to remove (repeatable)' },
      dest: { type: 'string' },
      platform: { type: 'string' },
    }) as never,
  handler: async (args) => {
    const { withAnnotations } = await import('../../mutate/index.js');
    const { withImage, writeArtifact, keyValues, toArray } = await import('../refs.js');
    const changes: Record<string, string | undefined> = keyValues(toArray(args.annotation), '--annotation');
    for (const key of toArray(args.remove)) changes[key] = undefined;
    if (!Object.keys(changes).length) throw new UsageError('give --annotation KEY=VALUE or --remove KEY');
    printLine(await withImage(args.reference, args.platform, (image) => writeArtifact(withAnnotations(image, changes), args.dest ?? args.reference)));
  },
};

export const exportCommand: CommandModule<object, { reference: string; output: string; all: boolean }> = {
  command: 'export <reference>',
  describe: 'write an image as an oci-archive (tar of a layout) to stdout or -o FILE',
  builder: (y) =>
    y.options({
      output: { alias: 'o', type: 'string', default: '-', describe: 'archive file, - for stdout' },
      all: { type: 'boolean', default: true, describe: 'keep a whole index' },
    }) as never,
  handler: async (args) => {
    const { copyReference } = await import('../../copy-reference.js');
    const { cliTransports, asReference, layoutPath } = await import('../refs.js');
    if (args.output === '-' && process.stdout.isTTY) throw new UsageError('refusing to write a tar to a terminal', 'redirect stdout or use -o FILE');
    const ref = asReference(args.reference);
    const name = ref.startsWith('oci:') ? (await layoutPath(ref)).ref : undefined;
    const result = await copyReference(ref, `oci-archive:${args.output}${name ? `:${name}` : ''}`, await cliTransports(), { all: args.all });
    if (args.output === '-') process.stderr.write(`${result.reference}\n`);
    else printLine(result.reference);
  },
};

export const importCommand: CommandModule<object, { destination: string; input: string; ref?: string }> = {
  command: 'import <destination>',
  describe: 'read an oci-archive from stdin or -i FILE into a destination',
  builder: (y) =>
    y.options({
      input: { alias: 'i', type: 'string', default: '-', describe: 'archive file, - for stdin' },
      ref: { type: 'string', describe: 'the ref in the archive to import (default: its only image)' },
    }) as never,
  handler: async (args) => {
    const { copyReference } = await import('../../copy-reference.js');
    const { cliTransports, asReference } = await import('../refs.js');
    const result = await copyReference(`oci-archive:${args.input}${args.ref ? `:${args.ref}` : ''}`, asReference(args.destination), await cliTransports(), { all: true });
    printLine(result.reference);
  },
};
