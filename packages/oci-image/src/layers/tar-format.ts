import { OciError } from '../errors.js';

/**
 * The tar header codec (ustar, GNU and PAX). Our own rather than tar-stream's:
 * tar-stream decodes PAX values as UTF-8 (binary xattrs such as
 * security.capability get corrupted), ignores PAX uid/gid/mtime on read, and
 * cannot write binary PAX values.
 */
export const BLOCK = 512;

/** A path with an empty or `.` component, or a leading or trailing slash: it needs normalising. */
export const UNNORMALISED_PATH = /(?:^|\/)\.?(?:\/|$)/;

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** What a header block says before PAX and GNU long-name records are folded in. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

export class TarFormatError extends OciError {
  constructor(message: string) {
    super('ERR_OCI_LAYER_FORMAT', message, { hint: 'the layer is not a valid tar archive (or is truncated or corrupt)' });
  }
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

const TYPEFLAGS: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export function entryTypeOf(typeflag: string): EntryType | undefined {
  return TYPES[typeflag];
}

function readString(buf: Buffer, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('utf8', offset, end);
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
export function readNumber(buf: Buffer, offset: number, length: number): number {
  const first = buf[offset] as number;
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError('negative base-256 number in tar header');
    let value = first & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (buf[i] as number);
    if (!Number.isSafeInteger(value)) throw new TarFormatError('number too large in tar header');
    return value;
  }
  let value = 0;
  let i = offset;
  const end = offset + length;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError('invalid octal number in tar header');
    value = value * 8 + (c - 0x30);
  }
  return value;
}

export function isZeroBlock(buf: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

function checksum(buf: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (buf[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

export function decodeHeader(buf: Buffer): RawHeader {
  const stored = readNumber(buf, 148, 8);
  const sum = checksum(buf);
  if (stored !== sum.unsigned && stored !== sum.signed) throw new TarFormatError('tar header checksum mismatch');
  let name = readString(buf, 0, 100);
  // POSIX ustar ("ustar\0") has a prefix field; old GNU ("ustar  ") keeps atime/ctime there.
  if (buf.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = readString(buf, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: readNumber(buf, 100, 8),
    uid: readNumber(buf, 108, 8),
    gid: readNumber(buf, 116, 8),
    size: readNumber(buf, 124, 12),
    mtime: readNumber(buf, 136, 12),
    typeflag: String.fromCharCode(buf[156] as number),
    linkname: readString(buf, 157, 100),
    uname: readString(buf, 265, 32),
    gname: readString(buf, 297, 32),
    devmajor: readNumber(buf, 329, 8),
    devminor: readNumber(buf, 337, 8),
  };
}

/** PAX records `LEN KEY=VALUE\n`; values stay bytes (xattrs may be binary). */
export function decodePax(buf: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < buf.length && buf[pos] !== 0) {
    const space = buf.indexOf(0x20, pos);
    if (space === -1) throw new TarFormatError('malformed PAX record');
    const length = Number.parseInt(buf.toString('latin1', pos, space), 10);
    if (!Number.isSafeInteger(length) || length <= space - pos || pos + length > buf.length) {
      throw new TarFormatError('malformed PAX record length');
    }
    const end = pos + length;
    const eq = buf.indexOf(0x3d, space + 1);
    if (eq === -1 || eq >= end || buf[end - 1] !== 0x0a) throw new TarFormatError('malformed PAX record');
    records.set(buf.toString('utf8', space + 1, eq), buf.subarray(eq + 1, end - 1));
    pos = end;
  }
  return records;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The length counts its own digits.
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length), 'latin1'), body]);
}

export function encodePax(records: Array<[string, Buffer]>): Buffer {
  return Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
}

/** The header we write: names relative, no leading ./ (dirs end with /). */
export interface WriteHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: ReadonlyMap<string, Buffer>;
}

const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

function writeString(buf: Buffer, value: string, offset: number, length: number): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

function fitsUstarString(value: string, length: number): boolean {
  return Buffer.byteLength(value, 'utf8') <= length && /^[\x20-\x7e]*$/.test(value);
}

function headerBlock(h: WriteHeader & { name: string }, typeflag: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, h.name, 0, 100);
  writeOctal(buf, h.mode & 0o7777, 100, 8);
  writeOctal(buf, h.uid > MAX_OCTAL_7 ? 0 : h.uid, 108, 8);
  writeOctal(buf, h.gid > MAX_OCTAL_7 ? 0 : h.gid, 116, 8);
  writeOctal(buf, size > MAX_OCTAL_11 ? 0 : size, 124, 12);
  writeOctal(buf, Math.min(Math.max(0, h.mtime), MAX_OCTAL_11), 136, 12);
  buf.write(typeflag, 156, 1, 'latin1');
  if (h.linkname) writeString(buf, h.linkname, 157, 100);
  buf.write('ustar\x0000', 257, 8, 'latin1');
  writeOctal(buf, h.devmajor ?? 0, 329, 8);
  writeOctal(buf, h.devminor ?? 0, 337, 8);
  buf.fill(0x20, 148, 156);
  writeOctal(buf, checksum(buf).unsigned, 148, 7);
  buf[155] = 0x20;
  return buf;
}

/** The header block(s) for an entry: a PAX header first when a value does not fit ustar. */
export function encodeHeader(h: WriteHeader): Buffer {
  const pax: Array<[string, Buffer]> = [];
  const nameFits = fitsUstarString(h.name, 100);
  const linkFits = !h.linkname || fitsUstarString(h.linkname, 100);
  if (!nameFits) pax.push(['path', Buffer.from(h.name, 'utf8')]);
  if (!linkFits) pax.push(['linkpath', Buffer.from(h.linkname as string, 'utf8')]);
  if (h.uid > MAX_OCTAL_7) pax.push(['uid', Buffer.from(String(h.uid))]);
  if (h.gid > MAX_OCTAL_7) pax.push(['gid', Buffer.from(String(h.gid))]);
  if (h.size > MAX_OCTAL_11) pax.push(['size', Buffer.from(String(h.size))]);
  if (h.xattrs) {
    for (const key of [...h.xattrs.keys()].sort()) pax.push([`SCHILY.xattr.${key}`, h.xattrs.get(key) as Buffer]);
  }
  const main = headerBlock(
    { ...h, name: nameFits ? h.name : asciiStub(h.name), linkname: linkFits ? (h.linkname ?? '') : asciiStub(h.linkname as string) },
    TYPEFLAGS[h.type],
    h.type === 'file' ? h.size : 0,
  );
  if (pax.length === 0) return main;
  const body = encodePax(pax);
  const paxHeader = headerBlock({ name: asciiStub(`PaxHeaders/${h.name}`), type: 'file', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0 }, 'x', body.length);
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), main]);
}

/** A printable, short stand-in for a name carried in PAX. */
function asciiStub(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').slice(0, 99);
}

export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
