import { PodError } from '../errors.js';

const unavailable = () => new PodError('ERR_POD_NO_STORE', 'the image store is not available in this build');

export async function pull(): Promise<void> {
  throw unavailable();
}
export async function images(): Promise<void> {
  throw unavailable();
}
export async function rmi(): Promise<void> {
  throw unavailable();
}
