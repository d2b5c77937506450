import { createReadStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { UsageError, printJson, printLine, interruptSignal, stderrLogger, type OutputFormat } from '../../cli/run.js';
import { withImage, writeArtifact } from '../../cli/refs.js';
import { appendLayers } from '../../mutate/index.js';
import { applyLayer } from '../apply.js';
import { createLayer, type CreatedLayer } from '../create.js';
import { createLayerFromTar } from '../from-tar.js';
import { readLayerEntries } from '../tar-reader.js';
import { runningAsRoot, writeOptionsOf, type LayerWriteArgs } from './options.js';

const TYPE_CHAR = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' } as const;

function modeString(type: keyof typeof TYPE_CHAR, mode: number): string {
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (mode & (0o400 >> i) ? c : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return TYPE_CHAR[type] + bits.join('');
}

function pickLayers<T>(layers: T[], index: number | undefined): Array<[number, T]> {
  if (index === undefined) return layers.map((l, i) => [i, l]);
  const i = index < 0 ? layers.length + index : index;
  const layer = layers[i];
  if (layer === undefined) throw new UsageError(`--layer ${index} is out of range: the image has ${layers.length} layers`);
  return [[i, layer]];
}

export async function layerLs(args: { reference: string; layer?: number; platform?: string; format: OutputFormat }): Promise<void> {
  const signal = interruptSignal();
  await withImage(args.reference, args.platform, async (image) => {
    const out: Array<{ index: number; digest: string; entries: unknown[] }> = [];
    for (const [index, layer] of pickLayers(await image.layers(), args.layer)) {
      if (args.format === 'text') printLine(`# layer ${index} ${layer.descriptor.digest}`);
      const entries: unknown[] = [];
      for await (const e of readLayerEntries(await layer.uncompressed(signal), { signal })) {
        if (args.format === 'json') {
          entries.push({
            path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime.toISOString(),
            ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
            ...(e.xattrs.size ? { xattrs: Object.fromEntries([...e.xattrs].map(([k, v]) => [k, v.toString('base64')])) } : {}),
          });
        } else {
          const link = e.type === 'symlink' ? ` -> ${e.linkname}` : e.type === 'hardlink' ? ` link to ${e.linkname}` : '';
          printLine(`${modeString(e.type, e.mode)} ${e.uid}/${e.gid} ${String(e.size).padStart(10)} ${e.mtime.toISOString()} ${e.path || '.'}${link}`);
        }
      }
      out.push({ index, digest: layer.descriptor.digest, entries });
    }
    if (args.format === 'json') printJson(out);
  });
}

export async function layerAdd(args: LayerWriteArgs & { reference: string; source: string; dest?: string; base?: string; platform?: string; 'created-by'?: string }): Promise<void> {
  const signal = interruptSignal();
  const options = writeOptionsOf(args, signal);
  // yargs hands a lone `-` positional over as `true`.
  const source = typeof args.source === 'string' ? args.source : '-';
  let layer: CreatedLayer;
  if (source === '-') {
    if (process.stdin.isTTY) throw new UsageError('refusing to read a tar from a terminal', 'pipe a tar into stdin');
    layer = await createLayerFromTar(process.stdin, options);
  } else if (statSync(source).isDirectory()) {
    layer = await createLayer({ ...options, dir: source, ...(args.base ? { base: args.base } : {}) });
  } else {
    if (args.base) throw new UsageError('--base needs a directory to compare, not a tar');
    layer = await createLayerFromTar(createReadStream(source), options);
  }
  try {
    const reference = await withImage(args.reference, args.platform, (image) => {
      const created = (options.timestamp ?? new Date()).toISOString();
      const next = appendLayers(image, [{ layer, history: { created, created_by: args['created-by'] ?? `oci-image layer add ${source}` } }]);
      return writeArtifact(next, args.dest ?? args.reference);
    });
    printLine(reference);
  } finally {
    await layer.dispose();
  }
}

export async function layerExtract(args: { reference: string; directory: string; layer?: number; platform?: string; format: OutputFormat; debug?: boolean }): Promise<void> {
  const signal = interruptSignal();
  await mkdir(args.directory, { recursive: true });
  const stats = await withImage(args.reference, args.platform, async (image) => {
    const all = [];
    for (const [, layer] of pickLayers(await image.layers(), args.layer)) {
      all.push(await applyLayer(args.directory, await layer.uncompressed(signal), { signal, preserveOwners: runningAsRoot(), logger: stderrLogger(args.debug) }));
    }
    return all;
  });
  if (args.format === 'json') printJson(stats);
}
