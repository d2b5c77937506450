import { copy, type CopyOptions, type CopyResult } from './copy.js';
import { readArtifact } from './image-index.js';
import { parseReference, type Transport } from './transport.js';

/** Copy between two `transport:reference` strings: the engine behind every `copy` command. */
export async function copyReference(
  from: string,
  to: string,
  transports: readonly Transport<any>[],
  options: CopyOptions = {},
): Promise<CopyResult> {
  const src = parseReference(from, transports);
  const dst = parseReference(to, transports);
  const opOptions = options.signal ? { signal: options.signal } : {};
  const source = await src.transport.openSource(src.value, opOptions);
  try {
    const destination = await dst.transport.openDestination(dst.value, opOptions);
    return await copy(await readArtifact(source), destination, options);
  } finally {
    await source.close();
  }
}
