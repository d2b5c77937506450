import { printJson, printLine, writeOut } from '@ocikit/oci-image/cli';
import type { ImageSource } from '@ocikit/oci-image';
import { inspectImage, type InspectOptions } from '../inspect.js';
import { openSource, readOpened, selectImage } from '../open.js';
import { renderTemplate } from '../template.js';
import type { CommandContext } from './dispatch.js';

/** skopeo's Name and RepoTags for registry references: the repository and its tags (one more request, made in parallel). */
async function registryFields(source: ImageSource, signal: AbortSignal, tags: boolean): Promise<InspectOptions> {
  if (!source.reference.startsWith('docker://')) return {};
  const { DockerImageSource, listTags } = await import('@ocikit/registry-client');
  if (!(source instanceof DockerImageSource)) return {};
  const { registry, repository } = source.ref;
  return { name: `${registry}/${repository}`, repoTags: tags ? await listTags(source.client, repository, { signal }) : [] };
}

export async function run(ctx: CommandContext): Promise<void> {
  const [input] = ctx.args.positionals as [string];
  const { raw, config } = ctx.args.options;
  const source = await openSource(input, ctx.open);
  // The tag list (registries only) is asked for beside the manifest, not after it.
  const fields = raw || config ? undefined : registryFields(source.source, ctx.signal, !ctx.args.options['no-tags']);
  fields?.catch(() => {});
  const opened = await readOpened(input, source);
  try {
    if (raw && !config) return writeOut(await opened.artifact.rawManifest());
    const image = await selectImage(opened.artifact, ctx.open.platform);
    if (config) {
      return raw ? writeOut(await image.rawConfig()) : printJson(await image.config());
    }
    const [extra] = await Promise.all([fields ?? {}, image.manifest(), image.config()]);
    const full = await inspectImage(image, { ...extra, digest: await opened.artifact.digest() });
    const template = ctx.str('format');
    if (template !== undefined) printLine(renderTemplate(template, full));
    else printJson(full);
  } finally {
    await opened.close();
  }
}
