import type { CommandModule } from 'yargs';
import { UsageError, writeOut } from '@ocikit/oci-image/cli';
import { registryOptions, transportsFor, withDocker, type Argv, type RegistryCommandsOptions } from '../options.js';

async function dockerRef(text: string) {
  if (!text.startsWith('docker://')) throw new UsageError(`expected a docker:// reference, got ${JSON.stringify(text)}`);
  const { parseDockerReference } = await import('../../reference.js');
  return parseDockerReference(text.slice('docker://'.length), text);
}

export const tagsCommand: CommandModule = {
  command: 'tags <repository>',
  describe: 'list the tags of docker://HOST/REPO (all pages)',
  builder: (y) => y.options(registryOptions).option('format', { choices: ['text', 'json'], default: 'text' }).option('page-size', { type: 'number', describe: 'tags per request' }),
  handler: async (raw) => {
    const argv = raw as Argv;
    const ref = await dockerRef(argv.repository as string);
    const { listTags } = await import('../../listing.js');
    const { printJson, printLine } = await import('@ocikit/oci-image/cli');
    await withDocker(argv, async (docker) => {
      const tags = await listTags(await docker.client(ref.registry), ref.repository, { pageSize: argv['page-size'] as number | undefined });
      if (argv.format === 'json') printJson({ Repository: `${ref.registry}/${ref.repository}`, Tags: tags });
      else for (const tag of tags) printLine(tag);
    });
  },
};

export function manifestCommand(options: RegistryCommandsOptions): CommandModule {
  return {
    command: 'manifest <reference>',
    describe: 'print the raw manifest or index of any reference, byte for byte',
    builder: (y) => y.options(registryOptions).option('digest', { type: 'boolean', describe: 'print only the digest' }),
    handler: async (raw) => {
      const argv = raw as Argv;
      const { parseReference } = await import('@ocikit/oci-image');
      const { printLine } = await import('@ocikit/oci-image/cli');
      const { docker, all } = await transportsFor(options.transports, argv);
      try {
        const ref = parseReference(argv.reference as string, all);
        const source = await ref.transport.openSource(ref.value);
        const manifest = await source.getManifest().finally(() => source.close());
        if (argv.digest) printLine(manifest.digest);
        else writeOut(manifest.bytes);
      } finally {
        docker.close();
      }
    },
  };
}

export const deleteCommand: CommandModule = {
  command: 'delete <reference>',
  describe: 'delete a manifest from a registry (a tag is resolved to its digest first)',
  builder: (y) => y.options(registryOptions),
  handler: async (raw) => {
    const argv = raw as Argv;
    const ref = await dockerRef(argv.reference as string);
    const { deleteImage } = await import('../../delete.js');
    const { printLine } = await import('@ocikit/oci-image/cli');
    await withDocker(argv, async (docker) => {
      const digest = await deleteImage(docker, ref);
      printLine(`docker://${ref.registry}/${ref.repository}@${digest}`);
    });
  },
};

export const referrersCommand: CommandModule = {
  command: 'referrers <reference>',
  describe: 'list manifests that refer to docker://HOST/REPO@DIGEST (referrers API, else the tag schema)',
  builder: (y) => y.options(registryOptions).option('artifact-type', { type: 'string' }).option('format', { choices: ['text', 'json'], default: 'text' }),
  handler: async (raw) => {
    const argv = raw as Argv;
    const ref = await dockerRef(argv.reference as string);
    const { listReferrers } = await import('../../listing.js');
    const { headManifest } = await import('../../manifests.js');
    const { printJson, printLine } = await import('@ocikit/oci-image/cli');
    await withDocker(argv, async (docker) => {
      const client = await docker.client(ref.registry);
      const digest = ref.digest ?? (await headManifest(client, ref.repository, ref.tag ?? 'latest'))?.digest;
      if (!digest) throw new UsageError(`${argv.reference} does not exist`);
      const found = await listReferrers(client, ref.repository, digest, { artifactType: argv['artifact-type'] as string | undefined });
      if (argv.format === 'json') printJson(found.index);
      else for (const d of found.index.manifests) printLine(`${d.digest} ${d.artifactType ?? d.mediaType}`);
    });
  },
};

export const catalogCommand: CommandModule = {
  command: 'catalog <registry>',
  describe: 'list the repositories of a registry (docker://HOST), all pages',
  builder: (y) => y.options(registryOptions).option('format', { choices: ['text', 'json'], default: 'text' }).option('page-size', { type: 'number' }),
  handler: async (raw) => {
    const argv = raw as Argv;
    const registry = String(argv.registry).replace(/^docker:\/\//, '').replace(/\/+$/, '');
    if (!registry || registry.includes('/')) throw new UsageError(`expected docker://HOST[:PORT], got ${JSON.stringify(argv.registry)}`);
    const { listRepositories } = await import('../../listing.js');
    const { printJson, printLine } = await import('@ocikit/oci-image/cli');
    await withDocker(argv, async (docker) => {
      const repositories = await listRepositories(await docker.client(registry), { pageSize: argv['page-size'] as number | undefined });
      if (argv.format === 'json') printJson({ Registry: registry, Repositories: repositories });
      else for (const repository of repositories) printLine(repository);
    });
  },
};
