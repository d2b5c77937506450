import { printJson, printLine } from '@ocikit/oci-image/cli';
import type { ImageSource } from '@ocikit/oci-image';
import { inspectImage, type InspectOptions } from '../inspect.js';
import { openReference, selectImage } from '../open.js';
import { renderTemplate } from '../template.js';
import type { CommandContext } from './dispatch.js';

function write(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** skopeo's Name and RepoTags for registry references: the repository and its tags, when the transport can tell. */
async function registryFields(input: string, source: ImageSource): Promise<InspectOptions> {
  if (!input.startsWith('docker://')) return {};
  const rc = (await import('@ocikit/registry-client')) as Record<string, unknown>;
  const out: InspectOptions = {};
  const parse = rc.parseDockerReference as ((text: string) => { registry: string; repository: string }) | undefined;
  if (typeof parse === 'function') {
    const ref = parse(input.slice('docker://'.length));
    out.name = `${ref.registry}/${ref.repository}`;
  }
  const withTags = source as ImageSource & { listTags?: () => Promise<string[]> };
  if (typeof withTags.listTags === 'function') out.repoTags = await withTags.listTags();
  return out;
}

export async function run(ctx: CommandContext): Promise<void> {
  const [input] = ctx.args.positionals as [string];
  const { raw, config } = ctx.args.options;
  const opened = await openReference(input, ctx.open);
  try {
    if (raw && !config) return await write(await opened.artifact.rawManifest());
    const image = await selectImage(opened.artifact, ctx.open.platform);
    if (config) {
      return raw ? await write(await image.rawConfig()) : printJson(await image.config());
    }
    // The tag list (registries only) is fetched while the manifest and config are.
    const [extra] = await Promise.all([registryFields(input, opened.source), image.manifest(), image.config()]);
    const full = await inspectImage(image, { ...extra, digest: await opened.artifact.digest() });
    const template = ctx.str('format');
    if (template !== undefined) printLine(renderTemplate(template, full));
    else printJson(full);
  } finally {
    await opened.source.close().catch(() => {});
  }
}
