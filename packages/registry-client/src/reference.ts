import { InvalidReferenceError, parseDigest } from '@ocikit/oci-image';

/** A parsed docker reference: registry host, repository path, tag and/or digest. */
export interface DockerReference {
  /** host[:port] as the user means it; docker.io for Docker Hub. */
  registry: string;
  /** Full repository path, e.g. library/busybox. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export const DOCKER_HUB = 'docker.io';
/** The API endpoint behind docker.io. */
export const DOCKER_HUB_API = 'registry-1.docker.io';
const MAX_NAME_LENGTH = 255;

// distribution/reference grammar.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Does the first path component name a host (has a dot or port, or is localhost)? */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/**
 * Parse `[host[:port]/]repo[:tag][@digest]` as docker does: no host means
 * docker.io, one component on docker.io means library/NAME, and no tag and no
 * digest means :latest.
 */
export function parseDockerReference(text: string, input = `docker://${text}`): DockerReference {
  if (text === '') throw new InvalidReferenceError(input, 'empty docker reference', 'use docker://HOST/REPO[:TAG][@DIGEST]');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (error) {
      throw new InvalidReferenceError(input, `bad digest: ${(error as Error).message}`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `bad tag ${JSON.stringify(tag)}`, 'tags are up to 128 letters, digits, _ . -, not starting with . or -');
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && looksLikeHost(parts[0] as string)) {
    registry = parts.shift() as string;
    if (!DOMAIN.test(registry)) throw new InvalidReferenceError(input, `bad registry host ${JSON.stringify(registry)}`);
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (parts.some((p) => p === '')) throw new InvalidReferenceError(input, 'empty path component in repository name');
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      const reason = part !== part.toLowerCase() ? 'repository names must be lowercase' : `bad repository component ${JSON.stringify(part)}`;
      throw new InvalidReferenceError(input, reason);
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > MAX_NAME_LENGTH) throw new InvalidReferenceError(input, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** The canonical text, without the docker:// prefix. */
export function formatDockerReference(ref: DockerReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host that serves the API for a registry name. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** The tag or digest to ask the registry for (the digest wins when both are given). */
export function manifestReference(ref: DockerReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
