import type { Argv, CommandModule } from 'yargs';
import type { Transport } from '@ocikit/oci-image';
import type { Store } from '@ocikit/storage';
import { processStdio } from '@ocikit/oci-image/cli';

export interface GlobalArgs {
  root?: string;
  runroot?: string;
  'storage-driver'?: string;
  'tls-verify'?: boolean;
  authfile?: string;
  creds?: string;
  'cert-dir'?: string;
  debug?: boolean;
  format?: string;
}

/** The store the flags and environment name; the only place env is read. */
export async function storeFromArgs(args: GlobalArgs): Promise<Store> {
  const { storeLocation, openStore, assertDriver } = await import('@ocikit/storage');
  const { stderrLogger } = await import('@ocikit/oci-image/cli');
  const location = storeLocation({ root: args.root, runroot: args.runroot }, process.env);
  const driver = args['storage-driver'] ? assertDriver(args['storage-driver']) : undefined;
  return openStore({ ...location, ...(driver ? { driver } : {}), logger: stderrLogger(args.debug) });
}

/** Local transports, storage: for this store, and docker:// only when some reference needs it (start-up). */
export async function transportsFor(store: Store, args: GlobalArgs, references: readonly string[]): Promise<Transport<any>[]> {
  const { localTransportsWith } = await import('@ocikit/oci-image');
  const { storageTransport } = await import('@ocikit/storage');
  const list: Transport<any>[] = [
    ...localTransportsWith(processStdio()),
    storageTransport({ root: store.root, runroot: store.runroot, driver: store.driver }),
  ];
  if (references.some((r) => r.includes('docker://'))) {
    const { dockerTransport } = await import('@ocikit/registry-client');
    list.push(
      dockerTransport({
        ...(args['tls-verify'] === false ? { tlsVerify: false } : {}),
        ...(args.authfile ? { authfile: args.authfile } : {}),
        ...(args.creds ? { creds: args.creds } : {}),
        ...(args['cert-dir'] ? { certDir: args['cert-dir'] } : {}),
      }),
    );
  }
  return list;
}

/** SOURCE_DATE_EPOCH or --timestamp (seconds) as a Date; the flag wins. */
export function timestampFrom(flag: number | undefined): Date | undefined {
  const raw = flag ?? (process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) : undefined);
  if (raw === undefined) return undefined;
  if (!Number.isFinite(raw) || raw < 0) throw new Error(`invalid timestamp ${raw}: seconds since the epoch`);
  return new Date(Math.floor(raw) * 1000);
}

export function keyValues(list: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      // --build-arg NAME takes the value from the environment, as docker does.
      if (what === '--build-arg' && process.env[item] !== undefined) out[item] = process.env[item] as string;
      continue;
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function cmd<T>(
  command: string | string[],
  describe: string,
  builder: (y: Argv) => Argv,
  handler: (args: GlobalArgs & T) => Promise<void>,
): CommandModule {
  return { command, describe, builder: builder as CommandModule['builder'], handler: (raw) => handler(raw as unknown as GlobalArgs & T) } as CommandModule;
}

export const globalOptions = {
  root: { type: 'string', alias: 'storage-root', describe: 'store root (default: $OCIKIT_STORAGE_ROOT or the system store)', global: true },
  runroot: { type: 'string', describe: 'store run root (mount state)', global: true },
  'storage-driver': { type: 'string', describe: 'overlay or vfs (copy)', global: true },
  'tls-verify': { type: 'boolean', describe: 'verify registry TLS (docker://)', global: true },
  authfile: { type: 'string', describe: 'registry auth file', global: true },
  creds: { type: 'string', describe: 'USER:PASS for the registry', global: true },
  'cert-dir': { type: 'string', describe: 'registry certificates folder', global: true },
} as const;

/** A repeatable option as a list (yargs gives a string for one use, an array for several). */
export function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}
