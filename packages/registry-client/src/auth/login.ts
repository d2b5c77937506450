import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@ocikit/oci-image';
import { dockerTransport } from '../docker-transport.js';
import { RegistryError } from '../errors.js';
import { discardBody, type HttpFetch } from '../http.js';
import { DOCKER_HUB } from '../reference.js';
import { normaliseAuthKey, readAuthFile, type AuthFile } from './credentials.js';

export interface LoginOptions {
  registry: string;
  username: string;
  password: string;
  /** The auth.json to write (the CLI finds the default). */
  authFile: string;
  tlsVerify?: boolean;
  certDir?: string;
  fetch?: HttpFetch;
  signal?: AbortSignal;
}

export interface LogoutOptions {
  /** Omit with all=true to remove every entry. */
  registry?: string;
  all?: boolean;
  authFile: string;
}

function registryKey(registry: string): string {
  return normaliseAuthKey(registry) || DOCKER_HUB;
}

/** Write auth.json atomically, readable by its owner only. */
async function writeAuthFile(path: string, doc: AuthFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(doc, null, '\t')}\n`, 0o600);
}

/** Check the credentials against the registry, then store them in auth.json (mode 0600). */
export async function login(options: LoginOptions): Promise<void> {
  const registry = registryKey(options.registry);
  const transport = dockerTransport({
    credentials: async () => ({ username: options.username, password: options.password }),
    ...(options.tlsVerify !== undefined ? { tlsVerify: options.tlsVerify } : {}),
    ...(options.certDir ? { certDir: options.certDir } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  try {
    const client = await transport.client(registry);
    const response = await client.request({ method: 'GET', path: '/v2/', scopes: [], expect: [200], signal: options.signal });
    discardBody(response);
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_UNAUTHORIZED') {
      throw new RegistryError('ERR_REGISTRY_UNAUTHORIZED', `login to ${registry} failed: the registry refused the credentials`, {
        hint: 'check the username and password',
        ...(error.status !== undefined ? { status: error.status } : {}),
      });
    }
    throw error;
  } finally {
    transport.close();
  }
  const doc = (await readAuthFile(options.authFile)) ?? {};
  const auths = { ...(doc.auths ?? {}) };
  for (const key of Object.keys(auths)) if (normaliseAuthKey(key) === registry) delete auths[key];
  auths[registry] = { auth: Buffer.from(`${options.username}:${options.password}`).toString('base64') };
  await writeAuthFile(options.authFile, { ...doc, auths });
}

/** Remove the stored credentials of a registry (or all). False when there were none. */
export async function logout(options: LogoutOptions): Promise<boolean> {
  const doc = await readAuthFile(options.authFile);
  if (!doc?.auths) return false;
  let removed = false;
  const auths = { ...doc.auths };
  for (const key of Object.keys(auths)) {
    if (options.all || normaliseAuthKey(key) === registryKey(options.registry ?? '')) {
      delete auths[key];
      removed = true;
    }
  }
  if (removed) await writeAuthFile(options.authFile, { ...doc, auths });
  return removed;
}
