import type { Transport } from '../transport.js';
import { dirTransport } from './dir.js';
import { ociArchiveTransportWith, type ArchiveStdio } from './oci-archive.js';
import { ociTransport } from './oci.js';

/** The transports oci-image itself provides: oci:, oci-archive: and dir:. */
export const localTransports: readonly Transport<any>[] = [ociTransport, ociArchiveTransportWith(), dirTransport];

/** The same, with stdin/stdout for `oci-archive:-` (CLIs pass process streams). */
export function localTransportsWith(stdio: ArchiveStdio): Transport<any>[] {
  return [ociTransport, ociArchiveTransportWith(stdio), dirTransport];
}
