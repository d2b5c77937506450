import { RegistryError } from '../errors.js';
import { logout as removeCredentials } from '../auth/login.js';

/** The logout command's work: one clear error when there was nothing to remove. */
export async function logout(argv: Record<string, unknown>, authFile: string): Promise<void> {
  const registry = argv.registry ? String(argv.registry).replace(/^docker:\/\//, '').replace(/\/.*$/, '') : undefined;
  const removed = await removeCredentials({ ...(registry ? { registry } : {}), all: Boolean(argv.all), authFile });
  if (!removed && !argv.all) {
    throw new RegistryError('ERR_REGISTRY_CREDENTIALS', `not logged in to ${registry}`, { hint: `credentials are read from ${authFile}` });
  }
  process.stderr.write(argv.all ? 'Removed all credentials\n' : `Removed login credentials for ${registry}\n`);
}
