import { join } from 'node:path';

/** The two storage drivers: overlayfs mounts, or plain copies (containers/storage calls it vfs). */
export type DriverName = 'overlay' | 'vfs';

export const DRIVERS: readonly DriverName[] = ['overlay', 'vfs'];

/**
 * Where everything lives. `root` holds persistent state, `runroot` the state
 * of mounts (it may be on tmpfs and vanish at reboot, as mounts do).
 *
 *   root/images/                 an OCI image layout: blobs + index.json refs
 *   root/overlay-layers/HEX/     one layer unpacked (overlay whiteouts), HEX = chain ID
 *   root/vfs-layers/HEX/         the whole tree up to that layer, for the copy driver
 *   root/containers/ID/          container.json + upper, work, merged (overlay) or rootfs (vfs)
 *   root/locks/                  cross-process locks
 *   root/tmp/                    temporary dirs (removed by check --repair)
 *   runroot/mounts/ID.json       mount counts
 *   runroot/inflight/            markers of operations in progress (gc waits for them)
 */
export class StorePaths {
  constructor(readonly root: string, readonly runroot: string) {}

  get images(): string {
    return join(this.root, 'images');
  }
  layersDir(driver: DriverName): string {
    return join(this.root, `${driver}-layers`);
  }
  layer(driver: DriverName, chainHex: string): string {
    return join(this.layersDir(driver), chainHex);
  }
  get containers(): string {
    return join(this.root, 'containers');
  }
  container(id: string): string {
    return join(this.containers, id);
  }
  get locks(): string {
    return join(this.root, 'locks');
  }
  get tmp(): string {
    return join(this.root, 'tmp');
  }
  get mounts(): string {
    return join(this.runroot, 'mounts');
  }
  mountRecord(id: string): string {
    return join(this.mounts, `${id}.json`);
  }
  get inflight(): string {
    return join(this.runroot, 'inflight');
  }
  get driverProbe(): string {
    return join(this.runroot, 'overlay-probe.json');
  }
}

/** Files inside a layer dir. */
export const LAYER_RECORD = 'layer.json';
export const LAYER_TREE = 'diff';
/** Files inside a container dir. */
export const CONTAINER_RECORD = 'container.json';
export const TEMP_DIR_PREFIX = '.tmp-';

/** A temp name that records its owner, so check can tell a live writer's from a crashed one's. */
export function tempName(kind: string): string {
  return `${TEMP_DIR_PREFIX}${process.pid}-${kind}-${Math.random().toString(16).slice(2, 10)}`;
}

/** The pid in a temp name (ours, or oci-image's `.ocikit-tmp-PID-...`), if any. */
export function tempOwner(name: string): number | undefined {
  const match = /^(?:\.tmp-|\.ocikit-tmp-)(\d+)-/.exec(name);
  return match ? Number(match[1]) : undefined;
}
