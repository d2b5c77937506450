import { describe, expect, it } from 'vitest';
import { namesStorage, optionalStorageTransport } from './storage-transport.js';

describe('optionalStorageTransport', () => {
  it('loads the store only for a storage: reference among the positional arguments', async () => {
    expect(namesStorage({ source: 'docker://h/a:v1', destination: 'oci:/x:v1', 'storage-root': 'storage:odd' })).toBe(false);
    expect(namesStorage({ source: 'docker://h/a:v1', destination: 'storage:app:v1' })).toBe(true);
    expect(namesStorage({ references: ['docker://h/a', 'storage:[vfs@/s]x'] })).toBe(true);
    expect(await optionalStorageTransport({ source: 'docker://h/a:v1', destination: 'oci:/x:v1' })).toBeUndefined();
    expect((await optionalStorageTransport({ source: 'docker://h/a:v1', destination: 'storage:app:v1' }))?.name).toBe('storage');
  });
});
