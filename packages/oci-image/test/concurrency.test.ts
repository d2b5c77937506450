import { spawn } from 'node:child_process';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLayers, copy, dirTransport, emptyImage, gcLayout, OciLayout } from '@ocikit/oci-image';
import { mkfifo } from './fifo.js';
import { memoryLayer, mustRun, OCI_IMAGE_BIN, ociImage, tempDir, testImage, writeToLayout } from './support.js';

function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OCI_IMAGE_BIN, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('several writers on one layout', async () => {
  const root = await tempDir();

  it('8 processes tagging and copying into one layout at once lose no ref', async () => {
    const src = join(root, 'src');
    for (let i = 0; i < 8; i++) await writeToLayout(await testImage([{ n: String(i) }]), src, `img${i}`);
    const dest = join(root, 'shared');
    await OciLayout.init(dest);
    const copies = await Promise.all(Array.from({ length: 8 }, (_, i) => runAsync(['copy', `oci:${src}:img${i}`, `oci:${dest}:copy${i}`])));
    expect(copies.map((r) => r.stderr)).toEqual(Array(8).fill(''));
    const tags = await Promise.all(Array.from({ length: 8 }, (_, i) => runAsync(['tag', `oci:${dest}:copy0`, `tag${i}`])));
    expect(tags.map((r) => r.status)).toEqual(Array(8).fill(0));
    const names = JSON.parse(ociImage('ls', dest, '--format', 'json').stdout).map((e: { name: string }) => e.name).sort();
    expect(names).toEqual([...Array.from({ length: 8 }, (_, i) => `copy${i}`), ...Array.from({ length: 8 }, (_, i) => `tag${i}`)].sort());
    expect(ociImage('validate', dest).status).toBe(0);
  });

  it('a writer killed mid-blob leaves the layout valid with its previous state', async () => {
    // The source is a dir: image whose layer file is a FIFO: the writer blocks
    // half-way through the blob, and is killed there.
    const layer = await memoryLayer(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`f${i}`, `${i}`.repeat(997)])));
    const image = appendLayers(emptyImage({ os: 'linux', architecture: 'amd64' }), [layer]);
    const srcDir = join(root, 'fifo-src');
    await copy(image, await dirTransport.openDestination({ path: srcDir }));
    const layerPath = join(srcDir, layer.descriptor.digest.slice(7));
    const layerBytes = await readFile(layerPath);
    expect(layerBytes.length).toBeGreaterThan(4096);
    await mkfifo(layerPath);

    const dest = join(root, 'victim');
    const previous = await writeToLayout(await testImage([{ before: 'yes' }]), dest, 'stable');
    const child = spawn(process.execPath, [OCI_IMAGE_BIN, 'copy', `dir:${srcDir}`, `oci:${dest}:stable`], { stdio: 'ignore' });
    const fifo = await open(layerPath, 'w');
    await fifo.write(layerBytes.subarray(0, layerBytes.length >> 1));
    // wait until the half-written temporary blob is on disk, then kill -9
    const blobs = join(dest, 'blobs/sha256');
    for (let i = 0; i < 200 && !(await readdir(blobs)).some((n) => n.startsWith('.ocikit-tmp-')); i++) await new Promise((r) => setTimeout(r, 20));
    expect((await readdir(blobs)).some((n) => n.startsWith('.ocikit-tmp-'))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await fifo.close();

    expect(await readdir(blobs)).not.toContain(layer.descriptor.digest.slice(7));
    const validation = ociImage('validate', dest);
    expect(validation.status).toBe(0);
    expect(validation.stderr).toMatch(/warning: .*temporary file/);
    expect(JSON.parse(mustRun('skopeo', ['inspect', `oci:${dest}:stable`])).Digest).toBe(previous);
    // gc leaves fresh temporaries alone (a writer may still be busy) unless told they are stale
    expect((await gcLayout(new OciLayout(dest), { staleTempMs: 0 })).removed.some((n) => n.startsWith('.ocikit-tmp-'))).toBe(true);
    expect(ociImage('validate', dest).stderr).toBe('');
  });
});
