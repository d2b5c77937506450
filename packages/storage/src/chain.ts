import { digestOf } from '@ocikit/oci-image';

/** Chain IDs of a layer stack (image-spec config.md): each names a layer and everything below it. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : digestOf(`${parent} ${diffId}`));
  }
  return out;
}

export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
