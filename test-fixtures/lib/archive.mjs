// Layer archives written without the ocikit library, so that fixtures are an
// independent oracle: tar through tar-stream, gzip framed by hand.
import { deflateRawSync } from 'node:zlib';
import tar from 'tar-stream';

/** Every entry gets this mtime so that two builds give the same bytes. */
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

const DEFAULT_MODES = { dir: 0o755, file: 0o644, symlink: 0o777, link: 0o644 };

/**
 * Turns entry specs into a tar archive (a Buffer).
 * spec: { path, type: 'dir'|'file'|'symlink'|'link', content?, mode?, uid?, gid?, target? }
 * Entries are sorted by path; a parent always sorts before its children, and a
 * hard link must be named so that it sorts after its target.
 */
export async function tarArchive(specs) {
  const sorted = [...specs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (chunk) => chunks.push(chunk));
  const finished = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const spec of sorted) {
    const body = spec.type === 'file' ? toBuffer(spec.content ?? '') : undefined;
    await addEntry(pack, headerFor(spec, body), body);
  }
  pack.finalize();
  await finished;
  return Buffer.concat(chunks);
}

function headerFor(spec, body) {
  const header = {
    name: spec.type === 'dir' ? `${spec.path}/` : spec.path,
    mode: spec.mode ?? DEFAULT_MODES[spec.type],
    uid: spec.uid ?? 0,
    gid: spec.gid ?? 0,
    mtime: FIXED_MTIME,
    uname: '',
    gname: '',
  };
  switch (spec.type) {
    case 'dir':
      return { ...header, type: 'directory', size: 0 };
    case 'file':
      return { ...header, type: 'file', size: body.length };
    case 'symlink':
      return { ...header, type: 'symlink', linkname: spec.target, size: 0 };
    case 'link':
      return { ...header, type: 'link', linkname: spec.target, size: 0 };
    default:
      throw new Error(`fixture entry ${spec.path}: unknown type ${spec.type}`);
  }
}

function addEntry(pack, header, body) {
  return new Promise((resolve, reject) => {
    const callback = (err) => (err ? reject(err) : resolve());
    if (body) pack.entry(header, body, callback);
    else pack.entry(header, callback);
  });
}

function toBuffer(content) {
  return Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
}

/**
 * gzip (RFC 1952) with a fixed 10-byte header: no mtime, no name, OS byte 255
 * ("unknown", as Go writes it), so the bytes depend on the input alone.
 */
export function gzipDeterministic(data) {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
  const body = deflateRawSync(data, { level: 9 });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([header, body, trailer]);
}

let crcTable;

/** CRC-32 (IEEE), table driven; written here so any Node 20 works. */
export function crc32(data) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
