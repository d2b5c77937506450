import { resolve } from 'node:path';
import { interruptSignal, printJson, printLine, stderrLogger, type OutputFormat } from '../../cli/run.js';
import { asReference, openReference, withImage, writeArtifact } from '../../cli/refs.js';
import { OciError } from '../../errors.js';
import type { Image } from '../../image.js';
import { appendLayers } from '../../mutate/index.js';
import { parseOciReference } from '../../transports/oci.js';
import { readBundleMetadata, recordBundleState, repack, unpack, type BundleMetadata } from '../bundle.js';
import { runningAsRoot, writeOptionsOf, type LayerWriteArgs } from './options.js';

export async function unpackHandler(args: { reference: string; bundle: string; platform?: string; format: OutputFormat; debug?: boolean }): Promise<void> {
  const signal = interruptSignal();
  const reference = asReference(args.reference);
  const result = await withImage(reference, args.platform, (image) =>
    unpack(image, args.bundle, { signal, reference, preserveOwners: runningAsRoot(), logger: stderrLogger(args.debug) }),
  );
  if (args.format === 'json') printJson(result);
  else printLine(resolve(result.bundle));
}

/**
 * The image the bundle came from: by digest in the destination layout (as
 * umoci repack does), else the reference recorded at unpack, checked by digest.
 */
async function baseImage(metadata: BundleMetadata, destination: string, work: (image: Image) => Promise<string>): Promise<string> {
  const candidates: string[] = [];
  if (destination.startsWith('oci:')) candidates.push(`oci:${parseOciReference(destination.slice(4), destination).path}:@${metadata.manifestDigest}`);
  if (metadata.reference) candidates.push(metadata.reference);
  const problems: string[] = [];
  for (const candidate of candidates) {
    let opened;
    try {
      opened = await openReference(candidate);
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
      continue;
    }
    try {
      const digest = await opened.artifact.digest();
      if (opened.artifact.kind === 'image' && digest === metadata.manifestDigest) return await work(opened.artifact);
      problems.push(`${candidate} is now ${digest}`);
    } finally {
      await opened.source.close();
    }
  }
  throw new OciError('ERR_OCI_BUNDLE', `cannot find the image ${metadata.manifestDigest} the bundle was unpacked from`, {
    hint: `repack into the layout the bundle was unpacked from${problems.length ? ` (${problems.join('; ')})` : ''}`,
  });
}

export async function repackHandler(args: LayerWriteArgs & { bundle: string; reference: string; 'created-by'?: string; message?: string; format: OutputFormat }): Promise<void> {
  const signal = interruptSignal();
  const destination = asReference(args.reference);
  const options = writeOptionsOf(args, signal);
  const metadata = readBundleMetadata(args.bundle);
  const result = await repack(args.bundle, options);
  try {
    let written: { reference: string; image: Image } | undefined;
    await baseImage(metadata, destination, async (base) => {
      const created = (options.timestamp ?? new Date()).toISOString();
      const history = { created, created_by: args['created-by'] ?? 'oci-image repack', ...(args.message ? { comment: args.message } : {}) };
      const image = appendLayers(base, [{ layer: result.layer, history }]);
      written = { reference: await writeArtifact(image, destination), image };
      return written.reference;
    });
    const { reference, image } = written!;
    recordBundleState(
      args.bundle,
      { ...metadata, reference: destination, manifestDigest: await image.digest(), configDigest: (await image.manifest()).config.digest, diffIds: (await image.config()).rootfs.diff_ids },
      result.tree,
    );
    if (args.format === 'json') printJson({ reference, layer: result.layer.descriptor, diffId: await result.layer.diffId(), added: result.added, deleted: result.deleted });
    else printLine(reference);
  } finally {
    await result.layer.dispose();
  }
}
