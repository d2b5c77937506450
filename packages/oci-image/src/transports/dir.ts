export const dirTransport = undefined;
