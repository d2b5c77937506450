import type { CommandModule } from 'yargs';
import { printJson, writeOut, type OutputFormat } from '../run.js';

const platformOption = { platform: { type: 'string', describe: 'pick the image for os/arch[/variant] from an index' } } as const;

export const manifestCommand: CommandModule<object, { reference: string; platform?: string }> = {
  command: 'manifest <reference>',
  describe: 'print the manifest (or index) bytes exactly as stored',
  builder: (y) => y.options(platformOption) as never,
  handler: async ({ reference, platform }) => {
    const { openReference, withImage } = await import('../refs.js');
    if (platform) {
      await withImage(reference, platform, async (image) => writeOut(await image.rawManifest()));
      return;
    }
    const { artifact, source } = await openReference(reference);
    try {
      writeOut(await artifact.rawManifest());
    } finally {
      await source.close();
    }
  },
};

export const indexCommand: CommandModule<object, { reference: string }> = {
  command: 'index <reference>',
  describe: "print a layout's index.json, or the index a reference names",
  handler: async ({ reference }) => {
    const { OciLayout } = await import('../../layout/layout.js');
    const { openReference, wholeLayout } = await import('../refs.js');
    const { UnsupportedMediaTypeError } = await import('../../errors.js');
    const bare = wholeLayout(reference);
    if (bare !== undefined) {
      const layout = new OciLayout(bare);
      await layout.check();
      const { readFile } = await import('node:fs/promises');
      writeOut(await readFile(`${bare}/index.json`));
      return;
    }
    const { artifact, source } = await openReference(reference);
    try {
      if (artifact.kind !== 'index') throw new UnsupportedMediaTypeError(await artifact.mediaType(), `(${reference} is an image, not an index)`);
      writeOut(await artifact.rawManifest());
    } finally {
      await source.close();
    }
  },
};

export const configShowCommand: CommandModule<object, { reference: string; platform?: string; format: OutputFormat }> = {
  command: '$0 <reference>',
  describe: 'print the image config bytes exactly as stored',
  builder: (y) => y.options(platformOption) as never,
  handler: async ({ reference, platform }) => {
    const { withImage } = await import('../refs.js');
    await withImage(reference, platform, async (image) => writeOut(await image.rawConfig()));
  },
};

export const blobCommand: CommandModule<object, { reference: string; digest: string }> = {
  command: 'blob <reference> <digest>',
  describe: 'write a blob to stdout, verified against its digest',
  handler: async ({ reference, digest }) => {
    const { parseDigest } = await import('../../digest.js');
    const { OciLayout } = await import('../../layout/layout.js');
    const { verified } = await import('../../blob.js');
    const { pipeline } = await import('node:stream/promises');
    parseDigest(digest);
    const { layoutPath } = await import('../refs.js');
    const { path } = await layoutPath(reference);
    const layout = new OciLayout(path);
    await layout.check();
    const { stat } = await import('node:fs/promises');
    const size = (await stat(layout.blobPath(digest)).catch(() => undefined))?.size;
    const raw = await layout.openBlob(digest);
    await pipeline(verified(raw, { mediaType: 'application/octet-stream', digest, size: size ?? 0 }), process.stdout);
  },
};

export const validateCommand: CommandModule<object, { reference: string; format: OutputFormat }> = {
  command: 'validate <reference>',
  describe: 'check schemas, every digest and size, every descriptor; exit 1 with the problems',
  builder: (y) => y.options({ format: { choices: ['text', 'json'], default: 'text' } }) as never,
  handler: async ({ reference, format }) => {
    const { validateLayout, validateArtifact } = await import('../../validate.js');
    const { OciLayout } = await import('../../layout/layout.js');
    const { artifactFromRaw } = await import('../../image-index.js');
    const { OciLayoutSource } = await import('../../transports/oci.js');
    const { openReference, wholeLayout } = await import('../refs.js');
    const bare = wholeLayout(reference);
    let report: import('../../validate.js').ValidationReport;
    if (bare !== undefined) {
      const layout = new OciLayout(bare);
      const source = new OciLayoutSource(layout, undefined, `oci:${bare}`);
      report = await validateLayout(layout, async (d) => {
        const bytes = await layout.readBlob(d.digest, d.size);
        return artifactFromRaw(source, { bytes, digest: d.digest, mediaType: d.mediaType });
      });
    } else {
      report = { ok: true, problems: [] as string[], checked: 0 };
      try {
        const { artifact, source } = await openReference(reference);
        try {
          await validateArtifact(artifact, reference, report);
        } finally {
          await source.close();
        }
      } catch (error) {
        const { asOciError } = await import('../../errors.js');
        report.problems.push(asOciError(error).toLine());
      }
      report.ok = report.problems.length === 0;
    }
    for (const w of report.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
    if (format === 'json') printJson(report);
    else if (report.ok) writeOut(`${reference}: valid (${report.checked} documents and blobs checked)\n`);
    else for (const p of report.problems) writeOut(`${p}\n`);
    if (!report.ok) {
      process.stderr.write(`oci-image: ERR_OCI_INVALID: ${reference} has ${report.problems.length} problem(s)\n`);
      process.exitCode = 1;
    }
  },
};
