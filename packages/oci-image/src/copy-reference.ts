import { copy, type CopyOptions, type CopyResult } from './copy.js';
import { convertFormat, type ManifestFormat } from './mutate/convert.js';
import { readArtifact } from './image-index.js';
import { parseReference, type Transport } from './transport.js';

/** Copy between two `transport:reference` strings: the engine behind every `copy` command. */
export async function copyReference(
  from: string,
  to: string,
  transports: readonly Transport<any>[],
  options: CopyOptions & { format?: ManifestFormat } = {},
): Promise<CopyResult> {
  const src = parseReference(from, transports);
  const dst = parseReference(to, transports);
  const opOptions = options.signal ? { signal: options.signal } : {};
  const source = await src.transport.openSource(src.value, opOptions);
  try {
    const destination = await dst.transport.openDestination(dst.value, opOptions);
    let artifact = await readArtifact(source);
    if (options.format) {
      // Convert after picking the platform, so one image of an index converts alone.
      if (artifact.kind === 'index' && !options.all) artifact = await artifact.image(options.platform);
      artifact = await convertFormat(artifact, options.format);
    }
    return await copy(artifact, destination, options);
  } finally {
    await source.close();
  }
}
