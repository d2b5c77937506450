export const ociArchiveTransport = undefined;
