import { InvalidReferenceError, LOCAL_TRANSPORT_NAMES, type ArchiveStdio, type Transport } from '@ocikit/oci-image';

/** Options for remote and store transports, as the CLI read them from flags and the environment. */
export interface TransportOptions {
  /** docker://: verify TLS certificates (default true; false also allows plain HTTP). */
  tlsVerify?: boolean;
  /** docker://: one auth file (--authfile); otherwise the usual files found from `env`. */
  authFile?: string;
  /** docker://: USER[:PASSWORD]. */
  creds?: string;
  /** docker://: folder with ca.crt and client certificates. */
  certDir?: string;
  /** storage:: the store root (default from `env`, as oci-storage finds it). */
  storageRoot?: string;
  /**
   * The caller's environment, handed to the registry client and the store to
   * find auth files and the default store (this library never reads process.env).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** oci-archive:-: the stream to read an archive from (the CLI passes stdin). */
  stdio?: ArchiveStdio;
}

/** A transport plus what to release when done (the registry client keeps connections alive). */
export interface LoadedTransport {
  transport: Transport<any>;
  close(): void;
}

/**
 * Transports that live in other packages, loaded only when a reference names
 * them: a local `oci:` inspect never loads the registry client, and a remote
 * one never loads the store.
 */
const loadRegistryClient = () => import('@ocikit/registry-client');

const LAZY: Record<string, (o: TransportOptions) => Promise<LoadedTransport>> = {
  async docker(o) {
    const { dockerTransport, defaultAuthFiles } = await loadRegistryClient();
    const transport = dockerTransport({
      tlsVerify: o.tlsVerify !== false,
      ...(o.certDir ? { certDir: o.certDir } : {}),
      ...(o.creds ? { creds: o.creds } : {}),
      ...(o.authFile ? { authfile: o.authFile } : { authFiles: defaultAuthFiles(o.env ?? {}) }),
    });
    return { transport, close: () => transport.close() };
  },
  async storage(o) {
    const { storageTransport, storeLocation } = await import('@ocikit/storage');
    const location = storeLocation({ root: o.storageRoot }, o.env ?? {});
    return { transport: storageTransport({ root: location.root, runroot: location.runroot }), close: () => {} };
  },
};

/** Every transport name this CLI understands, for messages. */
export function transportNames(): string[] {
  return [...new Set([...LOCAL_TRANSPORT_NAMES, ...Object.keys(LAZY)])];
}

/**
 * Start loading the code a reference needs while the command's own modules
 * load: the two module graphs then load side by side instead of one after
 * the other. Only a hint; errors surface later, from transportsFor.
 */
export function preloadTransportFor(input: string | undefined): void {
  if (input?.startsWith('docker:')) loadRegistryClient().catch(() => {});
}

/**
 * The transport list to parse `input` with: the local ones, plus the one
 * package-provided transport the input names (loaded now, on demand).
 */
export async function transportsFor(input: string, options: TransportOptions = {}): Promise<{ transports: Transport<any>[]; close(): void }> {
  const known = `known transports: ${transportNames().map((n) => `${n}:`).join(' ')}`;
  const colon = input.indexOf(':');
  if (colon <= 0) throw new InvalidReferenceError(input, 'no transport', known);
  const name = input.slice(0, colon);
  if (LOCAL_TRANSPORT_NAMES.includes(name)) {
    const { localTransportsWith } = await import('@ocikit/oci-image/local-transports');
    return { transports: localTransportsWith(options.stdio ?? {}), close: () => {} };
  }
  const load = LAZY[name];
  if (!load) throw new InvalidReferenceError(input, `unknown transport ${JSON.stringify(name)}`, known);
  const loaded = await load(options);
  return { transports: [loaded.transport], close: loaded.close };
}
