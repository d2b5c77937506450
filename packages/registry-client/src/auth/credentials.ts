import { readFile } from 'node:fs/promises';
import { RegistryError } from '../errors.js';
import { DOCKER_HUB } from '../reference.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Finds credentials for a registry (and repository, for repo-scoped auth.json entries). */
export type CredentialLookup = (registry: string, repository?: string) => Promise<Credentials | undefined>;

export interface CredentialOptions {
  /** `USER[:PASS]`, as --creds takes it; wins over every file. */
  creds?: string;
  /** auth.json / config.json files, searched in order (the CLI builds this list from the environment). */
  authFiles?: readonly string[];
  /** Runs `docker-credential-NAME get`; tests and callers may replace it. */
  runHelper?: (helper: string, serverUrl: string) => Promise<Credentials | undefined>;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

export function parseCreds(text: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', 'credentials must be USERNAME:PASSWORD', { hint: 'e.g. --creds alice:secret' });
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** auth.json keys may be URLs (docker config.json style); reduce them to host[/path]. */
export function normaliseAuthKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  k = k.replace(/\/v[12]$/, '');
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') return DOCKER_HUB;
  if (k.startsWith('index.docker.io/')) return `${DOCKER_HUB}/${k.slice('index.docker.io/'.length)}`;
  return k;
}

function decodeEntry(entry: AuthEntry, where: string): Credentials | undefined {
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `an auth entry in ${where} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch (error) {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `${path} is not valid JSON`, { cause: error });
  }
}

/** `docker-credential-NAME get` with the server URL on stdin; JSON {Username, Secret} on stdout. */
export async function runCredentialHelper(helper: string, serverUrl: string): Promise<Credentials | undefined> {
  // Loaded here: most commands never run a helper, and child_process costs start-up.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.resume();
    child.on('error', (error) =>
      reject(new RegistryError('ERR_REGISTRY_CREDENTIALS', `credential helper docker-credential-${helper} cannot run`, { cause: error, hint: 'install it or remove it from the auth file' })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        // The helper protocol reports a missing entry as a failure with this text.
        if (/credentials not found/i.test(out)) return resolve(undefined);
        return reject(new RegistryError('ERR_REGISTRY_CREDENTIALS', `credential helper docker-credential-${helper} failed with exit code ${code}`));
      }
      try {
        const doc = JSON.parse(out) as { Username?: string; Secret?: string };
        if (!doc.Secret) return resolve(undefined);
        resolve({ username: doc.Username ?? '', password: doc.Secret });
      } catch {
        reject(new RegistryError('ERR_REGISTRY_CREDENTIALS', `credential helper docker-credential-${helper} printed no JSON`));
      }
    });
    child.stdin.end(serverUrl);
  });
}

/** Keys to look up, most specific first: host/a/b, host/a, host. */
function candidateKeys(registry: string, repository?: string): string[] {
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) keys.push(`${registry}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(registry);
  return keys;
}

/**
 * Credentials as containers/image finds them: --creds, then each auth file in
 * order (credHelpers for the host, auths entries, then credsStore).
 */
export function credentialLookup(options: CredentialOptions = {}): CredentialLookup {
  const runHelper = options.runHelper ?? runCredentialHelper;
  const fixed = options.creds ? parseCreds(options.creds) : undefined;
  const cache = new Map<string, Promise<Credentials | undefined>>();
  const find = async (registry: string, repository?: string): Promise<Credentials | undefined> => {
    if (fixed) return fixed;
    const keys = candidateKeys(registry, repository);
    for (const path of options.authFiles ?? []) {
      const file = await readAuthFile(path);
      if (!file) continue;
      const helper = file.credHelpers?.[registry];
      if (helper) return runHelper(helper, registry);
      const entries = new Map<string, AuthEntry>();
      for (const [key, entry] of Object.entries(file.auths ?? {})) {
        const k = normaliseAuthKey(key);
        if (!entries.has(k)) entries.set(k, entry);
      }
      for (const key of keys) {
        const entry = entries.get(key);
        const found = entry && decodeEntry(entry, path);
        if (found) return found;
      }
      if (file.credsStore) {
        const found = await runHelper(file.credsStore, registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry);
        if (found) return found;
      }
    }
    return undefined;
  };
  return (registry, repository) => {
    const key = `${registry}/${repository ?? ''}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = find(registry, repository);
      cache.set(key, pending);
    }
    return pending;
  };
}

/** The search order of containers/image and docker, given the environment (for CLIs). */
export function defaultAuthFiles(env: { REGISTRY_AUTH_FILE?: string; XDG_RUNTIME_DIR?: string; HOME?: string; DOCKER_CONFIG?: string }): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(`${env.XDG_RUNTIME_DIR}/containers/auth.json`);
  if (env.HOME) files.push(`${env.HOME}/.config/containers/auth.json`);
  if (env.DOCKER_CONFIG) files.push(`${env.DOCKER_CONFIG}/config.json`);
  else if (env.HOME) files.push(`${env.HOME}/.docker/config.json`);
  return files;
}

/** Where login writes: --authfile, else $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else ~/.config/containers/auth.json. */
export function defaultLoginFile(env: { REGISTRY_AUTH_FILE?: string; XDG_RUNTIME_DIR?: string; HOME?: string }): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR}/containers/auth.json`;
  return `${env.HOME ?? '.'}/.config/containers/auth.json`;
}
