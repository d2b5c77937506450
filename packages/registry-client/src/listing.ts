import { MediaTypes, parseDigest, type Descriptor, type Index } from '@ocikit/oci-image';
import { pullScope, type RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { discardBody, readBody } from './http.js';
import { getManifest } from './manifests.js';

export interface ListOptions {
  /** Page size (?n=); the registry may use its own. */
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The next page from an RFC 5988 Link header: `</v2/...?last=x&n=y>; rel="next"`. */
export function nextLink(header: string | null, current: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (match?.[1]) return new URL(match[1], current).toString();
  }
  return undefined;
}

/** Follow Link pages of a list endpoint, collecting one field. */
async function paged(client: RegistryClient, firstPath: string, field: string, scopes: string[], options: ListOptions): Promise<string[]> {
  const items: string[] = [];
  const base = await client.baseUrl(options.signal);
  let url: string | undefined = new URL(firstPath, base).toString();
  if (options.pageSize) {
    const first = new URL(url);
    first.searchParams.set('n', String(options.pageSize));
    url = first.toString();
  }
  const seen = new Set<string>();
  while (url && !seen.has(url)) {
    seen.add(url);
    const { doc, response } = await client.getJson<Record<string, unknown>>({ path: url, scopes, signal: options.signal });
    const page = doc[field];
    if (page !== null && page !== undefined && !Array.isArray(page)) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${field} is not a list`);
    items.push(...((page as string[] | null) ?? []));
    url = nextLink(response.header('link'), url);
  }
  return items;
}

/** Every tag of a repository, following pagination. */
export function listTags(client: RegistryClient, repository: string, options: ListOptions = {}): Promise<string[]> {
  return paged(client, `/v2/${repository}/tags/list`, 'tags', [pullScope(repository)], options);
}

/** Every repository the registry lists (/v2/_catalog), following pagination. */
export function listRepositories(client: RegistryClient, options: ListOptions = {}): Promise<string[]> {
  return paged(client, '/v2/_catalog', 'repositories', ['registry:catalog:*'], options);
}

/** The fallback tag of the referrers tag schema: sha256-<hex>. */
export function referrersTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}

export interface ReferrersResult {
  index: Index;
  /** 'api' when the registry has the referrers API, 'tag' when the tag schema was read. */
  via: 'api' | 'tag';
}

/**
 * Manifests whose subject is `digest`: the referrers API, else (404) the
 * sha256-<hex> tag schema of distribution-spec v1.1.
 */
export async function listReferrers(client: RegistryClient, repository: string, digest: string, options: { artifactType?: string | undefined; signal?: AbortSignal | undefined } = {}): Promise<ReferrersResult> {
  const query = options.artifactType ? `?${new URLSearchParams({ artifactType: options.artifactType })}` : '';
  const response = await client.request({
    method: 'GET',
    path: `/v2/${repository}/referrers/${digest}${query}`,
    headers: { accept: MediaTypes.ociIndex },
    scopes: [pullScope(repository)],
    expect: [200, 404],
    signal: options.signal,
  });
  const contentType = response.header('content-type')?.split(';')[0]?.trim();
  if (response.status === 200 && contentType === MediaTypes.ociIndex) {
    const index = JSON.parse((await readBody(response)).toString('utf8')) as Index;
    const filtered = options.artifactType && !response.header('oci-filters-applied')?.includes('artifactType');
    return { via: 'api', index: filtered ? filterIndex(index, options.artifactType) : index };
  }
  discardBody(response);
  let index: Index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
  try {
    const raw = await getManifest(client, repository, referrersTag(digest), options.signal);
    index = JSON.parse(raw.bytes.toString('utf8')) as Index;
  } catch (error) {
    if (!(error instanceof RegistryError && error.status === 404)) throw error;
  }
  return { via: 'tag', index: filterIndex(index, options.artifactType) };
}

function filterIndex(index: Index, artifactType: string | undefined): Index {
  if (!artifactType) return index;
  return { ...index, manifests: index.manifests.filter((d: Descriptor) => d.artifactType === artifactType) };
}
