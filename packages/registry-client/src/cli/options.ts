import type { Argv as Yargs, Options } from 'yargs';
import type { Transport } from '@ocikit/oci-image';
import type { DockerTransportOptions } from '../docker-transport.js';

/** Transports besides docker:// (oci:, oci-archive:, dir:, storage:), given the parsed flags. */
export type TransportsProvider = (argv: Argv) => Promise<readonly Transport<any>[]>;

export interface RegistryCommandsOptions {
  /** Loaded only when a command runs, so start-up stays small. */
  transports: TransportsProvider;
}

export type Argv = Record<string, unknown> & { debug?: boolean };

export const registryOptions: Record<string, Options> = {
  authfile: { type: 'string', describe: 'auth.json to read credentials from (default: $REGISTRY_AUTH_FILE, then the containers and docker files)' },
  creds: { type: 'string', describe: 'USERNAME:PASSWORD for the registry' },
  'tls-verify': { type: 'boolean', describe: 'verify TLS certificates (false also allows plain HTTP)' },
  'cert-dir': { type: 'string', describe: 'folder with CA certificates (*.crt) and a client certificate (*.cert, *.key)' },
  'retry-times': { type: 'number', describe: 'attempts per request on network errors, 5xx and 429', default: 5 },
  'storage-root': { type: 'string', describe: 'the store for storage: references (default: $OCIKIT_STORAGE_ROOT, then the system or user store)' },
  'storage-runroot': { type: 'string', describe: 'mount state of that store' },
  'storage-driver': { type: 'string', describe: 'overlay or vfs for storage: references' },
};

/** --src-X / --dest-X variants of the registry options, as skopeo copy has them. */
export function sideOptions(side: 'src' | 'dest'): Record<string, Options> {
  return {
    [`${side}-authfile`]: { type: 'string', describe: `auth.json for the ${side === 'src' ? 'source' : 'destination'}` },
    [`${side}-creds`]: { type: 'string', describe: `USERNAME:PASSWORD for the ${side === 'src' ? 'source' : 'destination'}` },
    [`${side}-tls-verify`]: { type: 'boolean', describe: `verify TLS of the ${side === 'src' ? 'source' : 'destination'}` },
    [`${side}-cert-dir`]: { type: 'string', describe: `certificate folder for the ${side === 'src' ? 'source' : 'destination'}` },
  };
}

/** The flags of a command that reads one side and writes the other (copy, sync). */
export const twoSidedOptions: Record<string, Options> = { ...registryOptions, ...sideOptions('src'), ...sideOptions('dest') };

export const jobsOption: Options = { alias: 'j', type: 'number', default: 6, describe: 'blobs copied at once (6, as skopeo)' };

/** Docker transport options from flags and the environment (only CLIs read process.env). */
export async function dockerOptionsFrom(argv: Argv, side?: 'src' | 'dest'): Promise<DockerTransportOptions> {
  const { defaultAuthFiles } = await import('../auth/credentials.js');
  const { stderrLogger } = await import('@ocikit/oci-image/cli');
  const pick = (name: string) => (side && argv[`${side}-${name}`] !== undefined ? argv[`${side}-${name}`] : argv[name]);
  const creds = pick('creds') as string | undefined;
  const tlsVerify = pick('tls-verify') as boolean | undefined;
  const certDir = pick('cert-dir') as string | undefined;
  const authfile = pick('authfile') as string | undefined;
  return {
    ...(creds ? { creds } : {}),
    ...(tlsVerify !== undefined ? { tlsVerify } : {}),
    ...(certDir ? { certDir } : {}),
    ...(authfile ? { authfile } : { authFiles: defaultAuthFiles(process.env) }),
    retry: { attempts: Math.max(1, Number(argv['retry-times'] ?? 5)) },
    logger: stderrLogger(argv.debug),
  };
}

/** A docker transport configured for one side (or for both, without `side`). */
async function dockerFor(argv: Argv, side?: 'src' | 'dest') {
  const { dockerTransport } = await import('../docker-transport.js');
  return dockerTransport(await dockerOptionsFrom(argv, side));
}

/** Local transports plus a docker transport configured for one side. */
export async function transportsFor(provider: TransportsProvider, argv: Argv, side?: 'src' | 'dest') {
  const docker = await dockerFor(argv, side);
  return { docker, all: [...(await provider(argv)), docker] };
}

/** Runs `use` with the docker transport alone (commands that speak only docker:// load no other transport), then closes it. */
export async function withDocker<T>(argv: Argv, use: (docker: Awaited<ReturnType<typeof dockerFor>>) => Promise<T>): Promise<T> {
  const docker = await dockerFor(argv);
  try {
    return await use(docker);
  } finally {
    docker.close();
  }
}

type SideTransports = Awaited<ReturnType<typeof transportsFor>>;

/** Runs `use` with the source's and the destination's transports, and closes both however it ends. */
export async function withBothSides<T>(provider: TransportsProvider, argv: Argv, use: (src: SideTransports, dst: SideTransports) => Promise<T>): Promise<T> {
  const src = await transportsFor(provider, argv, 'src');
  try {
    const dst = await transportsFor(provider, argv, 'dest');
    try {
      return await use(src, dst);
    } finally {
      dst.docker.close();
    }
  } finally {
    src.docker.close();
  }
}

/**
 * Add help examples when the parser has them (yargs, and the CLI fast path's
 * recorder, which takes them as no-ops); a parser without `example` is left
 * alone: examples only matter for help.
 */
export function withExamples<T>(parser: Yargs<T>, examples: ReadonlyArray<readonly [string, string]>): Yargs<T> {
  if (!('example' in parser)) return parser;
  let out = parser;
  for (const [command, description] of examples) out = out.example(command, description);
  return out;
}
