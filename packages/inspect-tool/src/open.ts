import {
  MediaTypes,
  OciError,
  parseReference,
  readArtifact,
  type Image,
  type ImageIndex,
  type ImageSource,
  type OperationOptions,
  type Platform,
} from '@ocikit/oci-image';
import { transportsFor, type TransportOptions } from './transports.js';

export interface OpenOptions extends OperationOptions, TransportOptions {
  /** Which image of an index (default: this machine's platform). */
  platform?: Platform;
}

/** An opened reference: what it names, and the source to close afterwards. */
export interface OpenedReference {
  input: string;
  source: ImageSource;
  artifact: Image | ImageIndex;
  /** Close the source and release the transport's connections. */
  close(): Promise<void>;
}

/** An opened source, before anything is read from it. */
export interface OpenedSource {
  source: ImageSource;
  close(): Promise<void>;
}

/** Parse a reference with the transports it needs and open its source (no request yet). */
export async function openSource(input: string, options: OpenOptions = {}): Promise<OpenedSource> {
  const loaded = await transportsFor(input, options);
  try {
    const parsed = parseReference(input, loaded.transports);
    const source = await parsed.transport.openSource(parsed.value, { signal: options.signal, logger: options.logger });
    return {
      source,
      close: async () => {
        await source.close().catch(() => {});
        loaded.close();
      },
    };
  } catch (error) {
    loaded.close();
    throw error;
  }
}

/** Parse a reference with the transports it needs and read what it names (manifest only). */
export async function openReference(input: string, options: OpenOptions = {}): Promise<OpenedReference> {
  return readOpened(input, await openSource(input, options));
}

/** Read what an opened source names (manifest only); closes the source when that fails. */
export async function readOpened(input: string, opened: OpenedSource): Promise<OpenedReference> {
  try {
    return { input, source: opened.source, artifact: await readArtifact(opened.source), close: opened.close };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** The image a reference names; an index resolves to the one for the platform (default: this machine's). */
export async function selectImage(artifact: Image | ImageIndex, platform?: Platform): Promise<Image> {
  const image = artifact.kind === 'image' ? artifact : await artifact.image(platform);
  const manifest = await image.manifest();
  if (manifest.config.mediaType !== MediaTypes.ociConfig && manifest.config.mediaType !== MediaTypes.dockerConfig) {
    const kind = manifest.artifactType ?? manifest.config.mediaType;
    throw new OciError('ERR_INSPECT_NOT_IMAGE', `${await image.digest()} is an artifact of type ${kind}, not a container image`, {
      hint: 'see its manifest with: oci-inspect inspect --raw REF',
    });
  }
  return image;
}

/** Run `fn` on the image a reference names (an index resolves to one platform), closing the source after. */
export async function withImage<T>(input: string, options: OpenOptions, fn: (image: Image, opened: OpenedReference) => Promise<T>): Promise<T> {
  const opened = await openReference(input, options);
  try {
    const image = await selectImage(opened.artifact, options.platform);
    return await fn(image, opened);
  } finally {
    await opened.close();
  }
}

