import type { CreateContainerOptions } from '../containers/create.js';
import type { ContainerRecord } from '../containers/records.js';
import { PodError } from '../errors.js';

type ImageSource = Pick<CreateContainerOptions, 'image' | 'rootfs' | 'rootfsSource' | 'imageConfig' | 'imageDigest'>;

/** The rootfs and config of an image from the store (pulled when missing). */
export async function prepareImage(_argv: Record<string, unknown>, image: string): Promise<ImageSource> {
  throw new PodError('ERR_POD_NO_IMAGE', `cannot run image ${JSON.stringify(image)}: the image store is not available`, { hint: 'run a root filesystem directory with --rootfs DIR' });
}

/** Give the storage container of a removed container back to the store. */
export async function releaseStorageRootfs(_argv: Record<string, unknown>, record: ContainerRecord): Promise<void> {
  if (record.rootfsSource !== 'storage') return;
}
