import type { Transport } from '@ocikit/oci-image';
import { processStdio } from '@ocikit/oci-image/cli';
import type { CreateContainerOptions } from '../containers/create.js';

type ImageSource = Pick<CreateContainerOptions, 'image' | 'rootfs' | 'rootfsSource' | 'imageConfig' | 'imageDigest' | 'storage' | 'rootOverlay'>;

/** The image store the flags and environment name (as oci-storage finds it). */
export async function storeFromArgs(argv: Record<string, unknown>) {
  const { storeLocation } = await import('@ocikit/storage');
  const { openImageStore } = await import('../images/store-images.js');
  const location = storeLocation({ root: argv.root as string | undefined }, process.env);
  return openImageStore(location);
}

/** Local transports, plus docker:// when the reference names a registry (loading that client costs start-up time). */
export async function otherTransports(reference: string): Promise<Transport<any>[]> {
  const { localTransportsWith } = await import('@ocikit/oci-image/local-transports');
  const local = localTransportsWith(processStdio());
  const host = reference.startsWith('docker://') ? 'docker' : reference.includes('/') ? (reference.split('/')[0] ?? '') : '';
  if (host !== 'docker' && !host.includes('.') && !host.includes(':') && host !== 'localhost') return local;
  const { dockerTransport } = await import('@ocikit/registry-client');
  return [...local, dockerTransport() as Transport<any>];
}

/** The rootfs and config of an image from the store (copied in when missing). */
export async function prepareImage(argv: Record<string, unknown>, image: string, options: { runtimeMountsRoot?: boolean } = {}): Promise<ImageSource> {
  const { findStoredImage, prepareRootfs } = await import('../images/store-images.js');
  const store = await storeFromArgs(argv);
  const found = await findStoredImage(store, image);
  let digest = found?.descriptor.digest;
  if (!digest) {
    const { pullIntoStore } = await import('../images/pull-image.js');
    digest = (await pullIntoStore(store, image, await otherTransports(image))).digest;
  }
  const prepared = await prepareRootfs(store, image, digest, {
    throwaway: Boolean(argv.rm),
    ...(options.runtimeMountsRoot ? { runtimeMountsRoot: true } : {}),
    ...(found ? { descriptor: found.descriptor } : {}),
  });
  return {
    image,
    imageDigest: prepared.imageDigest,
    imageConfig: prepared.imageConfig,
    rootfs: prepared.rootfs,
    rootfsSource: 'storage',
    storage: { root: store.root, runroot: store.runroot, id: prepared.storageId },
    ...(prepared.rootOverlay ? { rootOverlay: prepared.rootOverlay } : {}),
  };
}


/** Give back the storage container of a container that was never created. */
export async function releasePrepared(source: ImageSource): Promise<void> {
  if (!source.storage) return;
  const { openImageStore, releaseRootfs } = await import('../images/store-images.js');
  await releaseRootfs(await openImageStore(source.storage), source.storage.id);
}
