import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as schemas from './schemas.js';
import { schemaProblems } from './validate.js';
// @ts-expect-error plain ESM helper shared with the generator script
import { generateValidatorSource } from '../../scripts/validator-source.mjs';

describe('precompiled schema validators', () => {
  it('are up to date with schemas.ts (run scripts/generate-validators.mjs after changing them)', async () => {
    const committed = await readFile(new URL('./compiled-validators.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateValidatorSource(schemas));
  });

  it('name the field and the rule of each problem', async () => {
    expect(await schemaProblems('manifest', { schemaVersion: 2, config: { mediaType: 'a/b', digest: 'sha256:x', size: 1 }, layers: [] })).toEqual([]);
    const problems = await schemaProblems('manifest', { schemaVersion: 3, config: { mediaType: 'nope', digest: 'sha256:x', size: -1 }, layers: {} });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/schemaVersion: .*\[const\]/),
        expect.stringMatching(/^\/config\/mediaType: .*\[pattern\]/),
        expect.stringMatching(/^\/config\/size: .*\[minimum\]/),
        expect.stringMatching(/^\/layers: must be array \[type\]/),
      ]),
    );
    expect(await schemaProblems('config', { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, created: 'yesterday' })).toEqual([
      expect.stringMatching(/^\/created: must match format "date-time" \[format\]/),
    ]);
    expect(await schemaProblems('oci-layout', { imageLayoutVersion: '2.0' })).toHaveLength(1);
  });
});
