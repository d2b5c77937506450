import { PodError } from '../errors.js';

export async function generateKube(): Promise<void> {
  throw new PodError('ERR_POD_UNSUPPORTED', 'generate kube is not implemented yet');
}
export async function generateSystemd(): Promise<void> {
  throw new PodError('ERR_POD_UNSUPPORTED', 'generate systemd is not implemented yet');
}
export async function playKube(): Promise<void> {
  throw new PodError('ERR_POD_UNSUPPORTED', 'play kube is not implemented yet');
}
