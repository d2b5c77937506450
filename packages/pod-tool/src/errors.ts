import { OciError, type OciErrorOptions } from '@ocikit/oci-image/errors';

/** A failure of pod-tool itself (bad state, missing container, unsafe input). */
export class PodError extends OciError {
  constructor(code: `ERR_POD_${string}`, message: string, options: OciErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The OCI runtime (runc or crun) failed or is missing. */
export class RuntimeError extends OciError {
  constructor(readonly runtime: string, message: string, readonly exitCode?: number, options: OciErrorOptions = {}) {
    super('ERR_POD_RUNTIME', `${runtime}: ${message}`, options);
  }
}

export class RuntimeNotFoundError extends OciError {
  constructor(readonly runtime: string) {
    super('ERR_POD_RUNTIME_NOT_FOUND', `OCI runtime ${JSON.stringify(runtime)} not found on PATH`, {
      hint: 'install runc or crun, or pass --runtime with a path',
    });
  }
}

export class ContainerNotFoundError extends OciError {
  constructor(readonly nameOrId: string) {
    super('ERR_POD_NO_SUCH_CONTAINER', `no container ${JSON.stringify(nameOrId)}`, { hint: 'see oci-pod ps -a' });
  }
}

export class UnsafeRootfsError extends OciError {
  constructor(path: string, reason: string) {
    super('ERR_POD_UNSAFE_ROOTFS', `unsafe root filesystem: ${path} ${reason}`, {
      hint: 'the image replaces a directory the runtime mounts over with a symlink or file',
    });
  }
}
