import type { CommandModule } from 'yargs';
import { layoutPath } from '../refs.js';
import { printJson, printLine, UsageError, type OutputFormat } from '../run.js';

const formatOption = { format: { choices: ['text', 'json'], default: 'text', describe: 'output format' } } as const;

export const initCommand: CommandModule<object, { dir: string }> = {
  command: 'init <dir>',
  describe: 'create an empty OCI image layout (idempotent)',
  handler: async ({ dir }) => {
    const { OciLayout } = await import('../../layout/layout.js');
    await OciLayout.init(dir);
    printLine(`oci:${dir}`);
  },
};

export const lsCommand: CommandModule<object, { dir: string; format: OutputFormat }> = {
  command: 'ls <dir>',
  describe: 'list the refs of a layout with their digests',
  builder: (y) => y.options(formatOption) as never,
  handler: async ({ dir, format }) => {
    const { OciLayout } = await import('../../layout/layout.js');
    const { REF_NAME_ANNOTATION } = await import('../../types.js');
    const layout = new OciLayout((await layoutPath(dir)).path);
    await layout.check();
    const entries = (await layout.readIndex()).manifests.map((d) => ({
      name: d.annotations?.[REF_NAME_ANNOTATION] ?? null,
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      ...(d.platform ? { platform: d.platform } : {}),
    }));
    if (format === 'json') return printJson(entries);
    for (const e of entries) printLine(`${e.name ?? '<none>'}\t${e.digest}\t${e.mediaType}`);
  },
};

export const tagCommand: CommandModule<object, { source: string; tags: string[] }> = {
  command: 'tag <source> <tags..>',
  describe: 'add names in the same layout for the image oci:DIR:REF names',
  handler: async ({ source, tags }) => {
    const { OciLayout } = await import('../../layout/layout.js');
    const { resolveInLayout, parseOciReference } = await import('../../transports/oci.js');
    const { path, ref, digest } = await layoutPath(source);
    for (const tag of tags) {
      const parsed = parseOciReference(`${path}:${tag}`, `oci:${path}:${tag}`);
      if (parsed.digest !== undefined || parsed.ref !== tag) throw new UsageError(`${JSON.stringify(tag)} is not a ref name`);
    }
    const layout = new OciLayout(path);
    await layout.check();
    const descriptor = await resolveInLayout(layout, ref, source, digest);
    const { annotations: _drop, ...plain } = descriptor;
    for (const tag of tags) {
      await layout.tag(tag, plain);
      printLine(`oci:${path}:${tag}@${descriptor.digest}`);
    }
  },
};

export const untagCommand: CommandModule<object, { reference: string }> = {
  command: 'untag <reference>',
  describe: 'remove a ref (oci:DIR:REF) from index.json; blobs stay until gc',
  handler: async ({ reference }) => {
    const { OciLayout } = await import('../../layout/layout.js');
    const { ManifestNotFoundError } = await import('../../errors.js');
    const { path, ref } = await layoutPath(reference);
    if (!ref) throw new UsageError('name the ref to remove: oci:DIR:REF');
    const layout = new OciLayout(path);
    await layout.check();
    if (!(await layout.untag(ref))) throw new ManifestNotFoundError(JSON.stringify(ref), `oci:${path}`);
    printLine(`oci:${path}:${ref}`);
  },
};

export const gcCommand: CommandModule<object, { dir: string; 'dry-run': boolean; format: OutputFormat }> = {
  command: 'gc <dir>',
  describe: 'remove blobs that no ref reaches, and temporary files of dead writers',
  builder: (y) => y.options({ ...formatOption, 'dry-run': { type: 'boolean', default: false, describe: 'only list what would go' } }) as never,
  handler: async (args) => {
    const { OciLayout } = await import('../../layout/layout.js');
    const { gcLayout } = await import('../../layout/gc.js');
    const result = await gcLayout(new OciLayout((await layoutPath(args.dir)).path), { dryRun: args['dry-run'] });
    if (args.format === 'json') return printJson(result);
    for (const digest of result.removed) process.stderr.write(`${args['dry-run'] ? 'would remove' : 'removed'} ${digest}\n`);
    printLine(`${result.removed.length} blobs ${args['dry-run'] ? 'to remove' : 'removed'}, ${result.bytesFreed} bytes, ${result.kept} kept`);
  },
};
