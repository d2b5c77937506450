import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLayer, OciError } from '@ocikit/oci-image';
import { tempDir } from './support.js';
import { listAll, streamOf, tarOf, type TarItem } from './layers-support.js';

/** A small seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random layers made of the pieces attacks are built from (.., absolute and
 * climbing symlinks, links through links, whiteouts, opaque markers) must
 * never change anything outside the root, whatever they do inside it.
 */
describe('random hostile layers', async () => {
  const base = await tempDir();
  const outside = join(base, 'outside');
  mkdirSync(join(outside, 'a'), { recursive: true });
  writeFileSync(join(outside, 'a', 'victim'), 'safe');
  writeFileSync(join(outside, 'victim'), 'safe');
  /** Names, modes, owners and times of everything outside: metadata must not leak out either. */
  const state = () => [outside, ...listAll(outside).map((p) => join(outside, p))].map((p) => {
    const info = lstatSync(p);
    return [p, info.mode, info.uid, info.gid, info.mtimeMs, info.size];
  });
  const before = state();

  it('300 seeded layers stay inside their roots', async () => {
    // Entry names may hold `..` after their first component (a/../b, a/b/../..); targets anything.
    const names = ['a', 'b', 'c', 'victim', '.', 'outside', 'a/b', 'a', 'b', 'c', 'a/b', '..'];
    const first = ['a', 'b', 'c', 'victim', 'outside', 'a/b', '.'];
    let applied = 0;
    let refused = 0;
    let created = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
      const path = () => [pick(first), ...Array.from({ length: Math.floor(next() * 4) }, () => pick(names))].join('/');
      const items: TarItem[] = [];
      for (let i = 0; i < 8; i++) {
        const kind = pick(['dir', 'file', 'symlink', 'symlink', 'link', 'whiteout', 'opaque']);
        const name = path();
        if (kind === 'dir') items.push({ header: { name: `${name}/`, type: 'directory', mode: 0o755 } });
        else if (kind === 'file') items.push({ header: { name }, body: `pwned ${seed}` });
        else if (kind === 'symlink') {
          const target = pick([outside, join(outside, 'a'), '/', `../../../..${outside}`, path(), `/${path()}`]);
          items.push({ header: { name, type: 'symlink', linkname: target } });
        } else if (kind === 'link') items.push({ header: { name, type: 'link', linkname: pick([path(), path(), path(), `../../outside/victim`, join(outside, 'victim')]) } });
        else if (kind === 'whiteout') items.push({ header: { name: `${path()}/.wh.${pick(names)}` } });
        else items.push({ header: { name: `${path()}/.wh..wh..opq` } });
      }
      const bundle = join(base, `bundle${seed}`);
      const root = join(bundle, 'rootfs');
      mkdirSync(root, { recursive: true });
      try {
        await applyLayer(root, streamOf(await tarOf(items)), { preserveOwners: true });
        applied++;
      } catch (error) {
        // Refusing is fine; failing in any other way than with an OciError is not.
        expect(error, `seed ${seed}`).toBeInstanceOf(OciError);
        refused++;
      }
      expect(state(), `seed ${seed}`).toEqual(before);
      expect(readFileSync(join(outside, 'victim'), 'utf8'), `seed ${seed}`).toBe('safe');
      expect(readFileSync(join(outside, 'a', 'victim'), 'utf8'), `seed ${seed}`).toBe('safe');
      expect(readdirSync(bundle), `seed ${seed}`).toEqual(['rootfs']);
      created += listAll(root).length;
    }
    // The layers must really do things inside their roots, or the test proves little.
    expect(applied).toBeGreaterThan(50);
    expect(applied + refused).toBe(300);
    expect(created).toBeGreaterThan(1000);
    expect(readdirSync(base).sort()).toEqual([...Array.from({ length: 300 }, (_, i) => `bundle${i + 1}`), 'outside'].sort());
  });
});
