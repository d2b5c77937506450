import { stderrLogger } from '@ocikit/oci-image/cli';
import { createContext, type PodContext } from '../context.js';

/** The library context from global flags and this process's environment. */
export function contextFromArgs(argv: Record<string, unknown>): PodContext {
  return createContext({
    runroot: String(argv.runroot),
    runtime: String(argv.runtime),
    searchPath: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    execPath: process.execPath,
    cniPath: String(argv['cni-path']),
    logger: stderrLogger(argv.debug as boolean | undefined),
  });
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
}
