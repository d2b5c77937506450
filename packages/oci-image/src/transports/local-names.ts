/**
 * The names of oci-image's own transports (oci:, oci-archive:, dir:), apart
 * from their code: callers that load transports only when a reference names
 * one can tell which to load without loading them all.
 */
export const LOCAL_TRANSPORT_NAMES: readonly string[] = ['oci', 'oci-archive', 'dir'];
