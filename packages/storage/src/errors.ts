import { OciError, type OciErrorOptions } from '@ocikit/oci-image';

/** Errors of the local store; codes are ERR_STORAGE_*. */
export class StorageError extends OciError {
  constructor(code: string, message: string, options: OciErrorOptions = {}) {
    super(code, message, options);
  }
}

export class ImageNotKnownError extends StorageError {
  constructor(name: string) {
    super('ERR_STORAGE_IMAGE_UNKNOWN', `image ${JSON.stringify(name)} is not in the store`, {
      hint: 'list images with: oci-storage images',
    });
  }
}

export class ContainerNotKnownError extends StorageError {
  constructor(idOrName: string) {
    super('ERR_STORAGE_CONTAINER_UNKNOWN', `container ${JSON.stringify(idOrName)} is not in the store`, {
      hint: 'list containers with: oci-storage containers',
    });
  }
}

export class AmbiguousIdError extends StorageError {
  constructor(prefix: string, what: string) {
    super('ERR_STORAGE_AMBIGUOUS', `${JSON.stringify(prefix)} matches more than one ${what}`, { hint: 'give more digits of the id' });
  }
}

export class NameInUseError extends StorageError {
  constructor(name: string) {
    super('ERR_STORAGE_NAME_IN_USE', `the name ${JSON.stringify(name)} is already used by a container`, {
      hint: 'pick another --name or remove that container',
    });
  }
}

export class ImageInUseError extends StorageError {
  constructor(image: string, containers: string[]) {
    super('ERR_STORAGE_IMAGE_IN_USE', `image ${image} is used by ${containers.length} container(s): ${containers.slice(0, 3).join(', ')}`, {
      hint: 'remove the containers first, or use --force',
    });
  }
}

export class ContainerMountedError extends StorageError {
  constructor(id: string, count: number) {
    super('ERR_STORAGE_MOUNTED', `container ${id.slice(0, 12)} is mounted (${count} user(s))`, {
      hint: 'unmount it first (oci-storage umount), or use --force',
    });
  }
}

export class MountError extends StorageError {
  constructor(message: string, options: OciErrorOptions = {}) {
    super('ERR_STORAGE_MOUNT', message, options);
  }
}

export class DriverError extends StorageError {
  constructor(message: string, options: OciErrorOptions = {}) {
    super('ERR_STORAGE_DRIVER', message, options);
  }
}
