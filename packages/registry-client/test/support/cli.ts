import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The built oci-registry CLI (run `pnpm build` first). */
export const BIN = resolve(import.meta.dirname, '../../bin/oci-registry.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs oci-registry with extra environment and optional stdin; never rejects, the exit code tells. */
export function run(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}
