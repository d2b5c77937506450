import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/oci-inspect.js', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Run a command; never throws on a non-zero exit. */
export function run(file: string, args: string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? ((error as unknown as { code: number }).code) : -1) : 0;
      if (error && code === -1) return reject(error);
      resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), stdoutBytes: stdout });
    });
  });
}

/** Run the built oci-inspect CLI. */
export function inspectCli(...args: string[]): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args]);
}

export interface TempDir {
  path: string;
  /** Where a test crafts its OCI layout (created by the first image put there). */
  layout: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `ocikit-inspect-${prefix}-`));
  return { path, layout: join(path, 'layout'), remove: () => rm(path, { recursive: true, force: true }) };
}
