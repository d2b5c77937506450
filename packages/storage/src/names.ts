import { InvalidReferenceError } from '@ocikit/oci-image';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const TAG = '[\\w][\\w.-]{0,127}';
const NAME_GRAMMAR = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@sha256:[a-f0-9]{64})?$`);
const HEX_ID = /^(?:sha256:)?([a-f0-9]{4,64})$/;

/** Is this text a (possibly short) image or container id rather than a name? */
export function idPrefix(text: string): string | undefined {
  return HEX_ID.exec(text)?.[1];
}

/**
 * Image names in the store are docker-style references, `[domain/]repo[:tag]`,
 * stored with a tag (":latest" when none is given), as podman does.
 */
export function normaliseImageName(name: string, input = name): string {
  if (!NAME_GRAMMAR.test(name)) {
    throw new InvalidReferenceError(input, `${JSON.stringify(name)} is not a valid image name`, 'use [registry/]repository[:tag], lowercase');
  }
  if (name.includes('@')) return name;
  const lastSlash = name.lastIndexOf('/');
  return name.slice(lastSlash + 1).includes(':') ? name : `${name}:latest`;
}

/** Names to try, in order, for a short name a user typed. */
export function candidateNames(name: string): string[] {
  const normal = normaliseImageName(name);
  const firstPart = normal.split('/')[0] ?? '';
  const hasDomain = normal.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (hasDomain) return [normal];
  const out = [normal, `localhost/${normal}`, `docker.io/${normal}`];
  if (!normal.includes('/')) out.push(`docker.io/library/${normal}`);
  return out;
}

/** The repository part without tag or digest, e.g. for a container name. */
export function repositoryBase(name: string): string {
  const noDigest = name.split('@')[0] ?? name;
  const base = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return base.split(':')[0] ?? base;
}
