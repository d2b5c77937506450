import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'oci-storage.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built oci-storage CLI against a store; never throws on a non-zero exit. */
export function storageCli(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--root', root, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run it and expect success; the trimmed stdout. */
export async function ok(root: string, args: string[]): Promise<string> {
  const result = await storageCli(root, args);
  if (result.code !== 0) throw new Error(`oci-storage ${args.join(" ")} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

/** Start the CLI without waiting (for concurrency and kill tests). */
export function startCli(root: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, stdout, stderr });
    });
  });
}

/** A fresh temp dir and its cleanup (unmounting anything left below it first). */
export async function tempStore(prefix = 'ocikit-storage-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    root,
    cleanup: async () => {
      const { readMountInfo } = await import('../src/overlay.js');
      for (const m of (await readMountInfo()).reverse()) if (m.mountPoint.startsWith(`${root}/`)) await run('umount', ['-l', m.mountPoint]);
      await rm(root, { recursive: true, force: true });
    },
  };
}
