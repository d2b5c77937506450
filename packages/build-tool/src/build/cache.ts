import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@ocikit/oci-image';
import type { Store } from '@ocikit/storage';

/** The cache key of a step: its parent's key, the instruction as it will run, and what it reads. */
export function stepKey(parent: string, ...parts: string[]): string {
  const hash = createHash('sha256').update(parent);
  for (const part of parts) hash.update('\n').update(part);
  return hash.digest('hex');
}

/**
 * Step key -> image in the store. Entries live beside the store (in
 * `<root>/build-cache/`); an entry whose image is gone is a miss.
 */
export class LayerCache {
  private readonly dir: string;

  constructor(private readonly store: Store) {
    this.dir = join(store.root, 'build-cache');
  }

  /** Manifest digests index.json lists, read once per build: a cached image must still be named there (prune --dangling removes it). */
  private indexed: Promise<Set<string>> | undefined;

  async get(key: string): Promise<string | undefined> {
    let digest: string;
    try {
      digest = (await readFile(join(this.dir, key), 'utf8')).trim();
    } catch {
      return undefined;
    }
    this.indexed ??= this.store.layout.readIndex().then((index) => new Set(index.manifests.map((d) => d.digest)));
    if (!(await this.indexed).has(digest)) return undefined;
    return (await stat(this.store.layout.blobPath(digest)).then((s) => s.isFile(), () => false)) ? digest : undefined;
  }

  async set(key: string, digest: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, key), `${digest}\n`);
    if (this.indexed) (await this.indexed).add(digest);
  }
}
