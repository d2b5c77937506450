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

/** Parse a reference with the transports it needs and read what it names (manifest only). */
export async function openReference(input: string, options: OpenOptions = {}): Promise<OpenedReference> {
  const loaded = await transportsFor(input, options);
  let source: ImageSource | undefined;
  const close = async () => {
    await source?.close().catch(() => {});
    loaded.close();
  };
  try {
    const parsed = parseReference(input, loaded.transports);
    source = await parsed.transport.openSource(parsed.value, { signal: options.signal, logger: options.logger });
    return { input, source, artifact: await readArtifact(source), close };
  } catch (error) {
    await close();
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

