import { InvalidReferenceError, OciError, localTransports, type Transport } from '@ocikit/oci-image';

/** Options for remote and store transports, as the CLI read them from flags and the environment. */
export interface TransportOptions {
  /** docker://: verify TLS certificates (default true). */
  tlsVerify?: boolean;
  /** docker://: a containers auth.json or docker config.json. */
  authFile?: string;
  /** docker://: USER[:PASSWORD]. */
  creds?: string;
  /** docker://: folder with ca.crt / client certs. */
  certDir?: string;
  /** storage:: the store root. */
  storageRoot?: string;
}

type TransportFactory = (options: TransportOptions) => Promise<Transport<any>>;

class TransportUnavailableError extends OciError {
  constructor(name: string, pkg: string) {
    super('ERR_INSPECT_TRANSPORT_UNAVAILABLE', `the ${name}: transport is not available in this installation`, {
      hint: `it comes from ${pkg}; install a version that provides it`,
    });
  }
}

/** Find a factory or transport value exported by a package, without knowing its exact version. */
function pick(module: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) if (module[name] !== undefined) return module[name];
  return undefined;
}

async function fromModule(load: () => Promise<Record<string, unknown>>, exportNames: readonly string[], name: string, pkg: string, options: unknown): Promise<Transport<any>> {
  let module: Record<string, unknown>;
  try {
    module = await load();
  } catch (error) {
    throw new OciError('ERR_INSPECT_TRANSPORT_UNAVAILABLE', `cannot load ${pkg} for ${name}: references: ${(error as Error).message}`, { cause: error });
  }
  const found = pick(module, exportNames);
  if (typeof found === 'function') return (await (found as (o: unknown) => Transport<any> | Promise<Transport<any>>)(options)) as Transport<any>;
  if (found && typeof found === 'object' && 'openSource' in found) return found as Transport<any>;
  throw new TransportUnavailableError(name, pkg);
}

/**
 * Transports that live in other packages, loaded only when a reference names
 * them: a local `oci:` inspect never loads the registry client, and a remote
 * one never loads the store.
 */
const LAZY: Record<string, { pkg: string; factory: TransportFactory }> = {
  docker: {
    pkg: '@ocikit/registry-client',
    factory: (o) =>
      fromModule(() => import('@ocikit/registry-client') as Promise<Record<string, unknown>>, ['dockerTransport'], 'docker', '@ocikit/registry-client', {
        tlsVerify: o.tlsVerify,
        authFile: o.authFile,
        creds: o.creds,
        certDir: o.certDir,
      }),
  },
  storage: {
    pkg: '@ocikit/storage',
    factory: (o) =>
      fromModule(() => import('@ocikit/storage') as Promise<Record<string, unknown>>, ['storageTransport'], 'storage', '@ocikit/storage', { root: o.storageRoot }),
  },
};

/** Every transport name this CLI understands, for messages. */
export function transportNames(): string[] {
  return [...localTransports.map((t) => t.name), ...Object.keys(LAZY)];
}

/**
 * The transport list to parse `input` with: the local ones, plus the one
 * package-provided transport the input names (loaded now, on demand).
 */
export async function transportsFor(input: string, options: TransportOptions = {}): Promise<Transport<any>[]> {
  const list = [...localTransports];
  const colon = input.indexOf(':');
  if (colon <= 0) {
    throw new InvalidReferenceError(input, 'no transport', `known transports: ${transportNames().map((n) => `${n}:`).join(' ')}`);
  }
  const name = input.slice(0, colon);
  const lazy = LAZY[name];
  if (!lazy && !list.some((t) => t.name === name)) {
    throw new InvalidReferenceError(input, `unknown transport ${JSON.stringify(name)}`, `known transports: ${transportNames().map((n) => `${n}:`).join(' ')}`);
  }
  if (lazy && !list.some((t) => t.name === name)) list.push(await lazy.factory(options));
  return list;
}
