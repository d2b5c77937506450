import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLayers, copy, createLayer, emptyImage, type CreatedLayer } from '@ocikit/oci-image';
import { createContainer, mountContainer, openStore, removeContainer, StoreDestination } from '@ocikit/storage';
import { tempStore } from './support.js';

describe('many layers', () => {
  it('mounts an overlay of 80 layers (short lower dir names keep the mount options small)', async () => {
    const s = await tempStore();
    const layers: CreatedLayer[] = [];
    try {
      for (let i = 0; i < 80; i++) {
        const dir = path.join(s.root, 'src', String(i));
        mkdirSync(path.join(dir, 'files'), { recursive: true });
        writeFileSync(path.join(dir, 'files', `layer-${i}`), String(i));
        layers.push(await createLayer({ dir, tmpDir: s.root, timestamp: new Date(0) }));
      }
      const store = await openStore({ root: path.join(s.root, 'store'), driver: 'overlay' });
      await copy(appendLayers(emptyImage(), layers), new StoreDestination(store, 'many:80', 'storage:many:80'));
      const c = await createContainer(store, 'many:80');
      expect(c.layers).toHaveLength(80);
      const { mountPoint } = await mountContainer(store, c.id);
      expect(readdirSync(path.join(mountPoint, 'files'))).toHaveLength(80);
      await removeContainer(store, c.id, { force: true });
    } finally {
      for (const layer of layers) await layer.dispose();
      await s.cleanup();
    }
  });
});
