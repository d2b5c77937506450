import { copy, parseReference, readArtifact, type Transport } from '@ocikit/oci-image';
import { resolveImage, storageTransport, ImageNotKnownError, type Store } from '@ocikit/storage';

// Copying images into the store: loaded only when a run names another transport or pulls.

/** Transports a reference may name, storage: for this store among them. */
export function transportsFor(store: Store, others: readonly Transport<any>[]): Transport<any>[] {
  return [...others, storageTransport({ root: store.root, runroot: store.runroot, driver: store.driver })];
}

/**
 * The digest (and name, if it has one) of an image in the store: a reference of another transport
 * (oci:, docker://, ...) is copied in first; a name or id is looked up; a
 * name with a registry host that is missing is pulled from there.
 */
export async function pullIntoStore(store: Store, text: string, others: readonly Transport<any>[], signal?: AbortSignal): Promise<{ digest: string; name?: string }> {
  const transports = transportsFor(store, others);
  const colon = text.indexOf(':');
  const named = colon > 0 && transports.some((t) => t.name === text.slice(0, colon));
  if (!named) {
    try {
      const found = await resolveImage(store, text);
      return { digest: found.descriptor.digest, ...(found.name ? { name: found.name } : {}) };
    } catch (error) {
      const host = text.split('/')[0] ?? '';
      const hasRegistry = text.includes('/') && (host.includes('.') || host.includes(':') || host === 'localhost');
      if (!(error instanceof ImageNotKnownError) || !hasRegistry || !transports.some((t) => t.name === 'docker')) throw error;
      return pullIntoStore(store, `docker://${text}`, others, signal);
    }
  }
  const src = parseReference(text, transports);
  if (src.transport.name === 'storage') {
    const found = await resolveImage(store, (src.value as { name: string }).name);
    return { digest: found.descriptor.digest, ...(found.name ? { name: found.name } : {}) };
  }
  const source = await src.transport.openSource(src.value);
  try {
    // Stored under the reference's own name when it has one, as podman pull does.
    const name = storedName(text);
    const dst = parseReference(`storage:${name}`, transports);
    const result = await copy(await readArtifact(source), await dst.transport.openDestination(dst.value), signal ? { signal } : {});
    return { digest: result.digest, ...(name ? { name } : {}) };
  } finally {
    await source.close();
  }
}

function storedName(text: string): string {
  if (text.startsWith('docker://')) return text.slice('docker://'.length).split('@')[0]!;
  return '';
}
