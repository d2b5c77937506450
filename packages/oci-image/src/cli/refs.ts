import type { Image } from '../image.js';
import type { ImageIndex } from '../image-index.js';
import type { ImageSource, Transport } from '../transport.js';
import { processStdio, UsageError } from './run.js';

/** The transports oci-image's CLI knows, with stdio for `oci-archive:-`. */
export async function cliTransports(): Promise<Transport<any>[]> {
  const { localTransportsWith } = await import('../transports/local.js');
  return localTransportsWith(processStdio());
}

/** A bare folder means oci:FOLDER, as umoci takes layouts. */
export function asReference(text: string): string {
  return /^[a-z][a-z0-9-]*:/.test(text) ? text : `oci:${text}`;
}

/** oci:DIR[:REF][@DIGEST] or a bare folder, parsed by the oci: transport's grammar; another transport is a usage error. */
export async function layoutPath(reference: string): Promise<{ path: string; ref: string | undefined; digest?: string }> {
  if (/^[a-z][a-z0-9-]*:/.test(reference) && !reference.startsWith('oci:')) {
    throw new UsageError(`${reference} is not an OCI layout`, 'this command works on oci:DIR references or folders');
  }
  const { parseOciReference } = await import('../transports/oci.js');
  return parseOciReference(reference.startsWith('oci:') ? reference.slice(4) : reference, reference);
}

/** The folder when a reference names a whole layout (`DIR` or `oci:DIR`, no ref); else undefined. */
export function wholeLayout(reference: string): string | undefined {
  const bare = reference.startsWith('oci:') ? reference.slice(4) : reference;
  return bare.includes(':') ? undefined : bare;
}

export interface Opened {
  artifact: Image | ImageIndex;
  source: ImageSource;
}

/** Open what a reference names; callers close `source`. */
export async function openReference(reference: string): Promise<Opened> {
  const [{ parseReference }, { readArtifact }] = await Promise.all([import('../transport.js'), import('../image-index.js')]);
  const parsed = parseReference(asReference(reference), await cliTransports());
  const source = await parsed.transport.openSource(parsed.value);
  try {
    return { artifact: await readArtifact(source), source };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** Run `work` on the image a reference names (one platform from an index), then close. */
export async function withImage<T>(reference: string, platform: string | undefined, work: (image: Image, source: ImageSource) => Promise<T>): Promise<T> {
  const { parsePlatform } = await import('../platform.js');
  const wanted = platform ? parsePlatform(platform) : undefined;
  const { artifact, source } = await openReference(reference);
  try {
    const image = artifact.kind === 'image' ? artifact : await artifact.image(wanted);
    return await work(image, source);
  } finally {
    await source.close();
  }
}

/** Write an image or index to a reference; returns the reference with digest. */
export async function writeArtifact(artifact: Image | ImageIndex, reference: string): Promise<string> {
  const [{ parseReference }, { copy }] = await Promise.all([import('../transport.js'), import('../copy.js')]);
  const parsed = parseReference(asReference(reference), await cliTransports());
  const destination = await parsed.transport.openDestination(parsed.value);
  return (await copy(artifact, destination, { all: true })).reference;
}

/** Parse repeated KEY=VALUE flags. */
export function keyValues(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values ?? []) {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got ${JSON.stringify(value)}`);
    out[value.slice(0, at)] = value.slice(at + 1);
  }
  return out;
}

/** An entrypoint or cmd given as a JSON array or as a plain command string (split on spaces). */
export function commandList(value: string | undefined, flag: string): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (value.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
    } catch {
      // fall through to the usage error
    }
    throw new UsageError(`${flag} must be a JSON array of strings or a command line`);
  }
  return value.trim().split(/\s+/);
}

export function toArray(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
