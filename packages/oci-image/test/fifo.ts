import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';

/** Replace a file by a named pipe (Node has no mkfifo; coreutils does). */
export async function mkfifo(path: string): Promise<void> {
  await rm(path, { force: true });
  const result = spawnSync('mkfifo', [path]);
  if (result.status !== 0) throw new Error(`mkfifo failed: ${result.stderr}`);
}
