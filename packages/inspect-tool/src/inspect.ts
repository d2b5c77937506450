import type { Image, ImageConfig, Manifest } from '@ocikit/oci-image';

/** One layer as `skopeo inspect` lists it in LayersData. */
export interface LayerData {
  MIMEType: string;
  Digest: string;
  Size: number;
  Annotations: Record<string, string> | null;
}

/** The fields `skopeo inspect` prints, in its order; Name and Variant only when known. */
export interface InspectResult {
  Name?: string;
  Digest: string;
  RepoTags: string[];
  Created: string | null;
  DockerVersion: string;
  Labels: Record<string, string> | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  Layers: string[];
  LayersData: LayerData[];
  Env: string[] | null;
}

export interface InspectOptions {
  /** The repository name, for registry references (skopeo's Name). */
  name?: string;
  /** Tags of the repository, for registry references (skopeo's RepoTags). */
  repoTags?: string[];
  /**
   * The digest to report: skopeo reports the digest of what the reference
   * names, so an index's digest when the image was chosen from an index.
   */
  digest?: string;
}

/**
 * Go prints times as RFC 3339 with trailing fractional zeros dropped and a
 * zero offset as Z; print them the same way so the JSON matches skopeo's.
 */
export function goTime(value: string | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return value;
  const fraction = (m[3] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[4] === 'z' || m[4] === 'Z' || m[4] === '+00:00' || m[4] === '-00:00' ? 'Z' : (m[4] as string);
  return `${m[1]}T${m[2]}${fraction ? `.${fraction}` : ''}${zone}`;
}

/** Build the inspect fields from a manifest and its config (pure). */
export function inspectFields(digest: string, manifest: Manifest, config: ImageConfig, options: InspectOptions = {}): InspectResult {
  const result: InspectResult = {
    Digest: digest,
    RepoTags: options.repoTags ?? [],
    Created: goTime(config.created),
    DockerVersion: typeof config.docker_version === 'string' ? config.docker_version : '',
    Labels: config.config?.Labels ?? null,
    Architecture: config.architecture ?? '',
    Os: config.os ?? '',
    Layers: manifest.layers.map((l) => l.digest),
    LayersData: manifest.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null })),
    Env: config.config?.Env ?? null,
  };
  const ordered: InspectResult = options.name ? { Name: options.name, ...result } : result;
  if (config.variant) {
    // Keep skopeo's field order: Variant sits between Architecture and Os.
    const { Os, Layers, LayersData, Env, ...head } = ordered;
    return { ...head, Variant: config.variant, Os, Layers, LayersData, Env };
  }
  return ordered;
}

/** What `oci-inspect inspect` prints for an image: reads the manifest and the config, never a layer. */
export async function inspectImage(image: Image, options: InspectOptions = {}): Promise<InspectResult> {
  const [manifest, config, digest] = await Promise.all([image.manifest(), image.config(), image.digest()]);
  return inspectFields(options.digest ?? digest, manifest, config, options);
}
