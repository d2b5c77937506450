import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OciLayout, writeFileAtomic, type Logger } from '@ocikit/oci-image';
import { DriverError } from './errors.js';
import { DRIVERS, StorePaths, type DriverName } from './paths.js';

export interface StoreOptions {
  /** Persistent state (images, layers, containers). */
  root: string;
  /** Mount state; defaults to `<root>/run` when not given. */
  runroot?: string;
  /** The driver for new containers; default: the store's, else overlay when it can mount, else vfs. */
  driver?: DriverName;
  logger?: Logger;
}

interface StoreConfig {
  driver: DriverName;
}

/**
 * An opened store. The constructor does no I/O; `openStore` creates the
 * folders once. Operations live in their own modules and take the store.
 */
export class Store {
  readonly paths: StorePaths;
  readonly layout: OciLayout;
  readonly logger: Logger;

  constructor(root: string, runroot: string, readonly driver: DriverName, logger: Logger = {}) {
    this.paths = new StorePaths(root, runroot);
    this.layout = new OciLayout(this.paths.images);
    this.logger = logger;
  }

  get root(): string {
    return this.paths.root;
  }
  get runroot(): string {
    return this.paths.runroot;
  }
}

export function assertDriver(value: string): DriverName {
  if ((DRIVERS as readonly string[]).includes(value)) return value as DriverName;
  if (value === 'copy') return 'vfs';
  throw new DriverError(`unknown storage driver ${JSON.stringify(value)}`, { hint: 'use overlay or vfs (copy)' });
}

/** Open (and create on first use) the store at `root`. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const root = resolve(options.root);
  const runroot = resolve(options.runroot ?? join(root, 'run'));
  const paths = new StorePaths(root, runroot);
  await Promise.all([
    mkdir(paths.containers, { recursive: true }),
    mkdir(paths.locks, { recursive: true }),
    mkdir(paths.tmp, { recursive: true }),
    mkdir(paths.layersDir('overlay'), { recursive: true }),
    mkdir(paths.layersDir('vfs'), { recursive: true }),
    mkdir(paths.mounts, { recursive: true }),
    mkdir(paths.inflight, { recursive: true }),
  ]);
  await OciLayout.init(paths.images);
  const stored = await storedDriver(root);
  const driver = options.driver ?? stored ?? (await defaultDriver(paths));
  const store = new Store(root, runroot, driver, options.logger);
  if (!stored) await rememberDriver(root, driver);
  return store;
}

async function storedDriver(root: string): Promise<DriverName | undefined> {
  try {
    const config = JSON.parse(await readFile(join(root, 'storage.json'), 'utf8')) as StoreConfig;
    return assertDriver(config.driver);
  } catch {
    return undefined;
  }
}

async function rememberDriver(root: string, driver: DriverName): Promise<void> {
  if (await storedDriver(root)) return;
  await writeFileAtomic(join(root, 'storage.json'), `${JSON.stringify({ driver } satisfies StoreConfig)}\n`);
}

async function defaultDriver(paths: StorePaths): Promise<DriverName> {
  const { canMountOverlay } = await import('./overlay.js');
  return (await canMountOverlay(paths)) ? 'overlay' : 'vfs';
}
