import type { Transport } from '../transport.js';
import { ociTransport } from './oci.js';

/** The transports oci-image itself provides. */
export const localTransports: readonly Transport<any>[] = [ociTransport];
