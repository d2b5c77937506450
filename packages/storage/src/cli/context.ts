import type { Argv, CommandModule } from 'yargs';
import { stderrLogger } from '@ocikit/oci-image/cli';
import { storeLocation } from '../defaults.js';
import type { DriverName } from '../paths.js';
import { assertDriver, openStore, type Store } from '../store.js';

export interface GlobalArgs {
  root?: string;
  runroot?: string;
  driver?: string;
  debug?: boolean;
  format?: 'text' | 'json';
}

/** The store the flags and environment name; the only place env is read. */
export async function storeFromArgs(args: GlobalArgs): Promise<Store> {
  const location = storeLocation({ root: args.root, runroot: args.runroot }, process.env);
  const driver: DriverName | undefined = args.driver ? assertDriver(args.driver) : undefined;
  return openStore({ ...location, ...(driver ? { driver } : {}), logger: stderrLogger(args.debug) });
}

export function json(args: GlobalArgs): boolean {
  return args.format === 'json';
}

/** Fixed-width columns, as podman prints tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join('')).join('\n');
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A command whose handler gets typed arguments (yargs' own inference is not worth its types here). */
export function cmd<T>(
  command: string | string[],
  describe: string,
  builder: ((y: Argv) => Argv) | Record<string, never>,
  handler: (args: GlobalArgs & T) => Promise<void>,
): CommandModule {
  return { command, describe, builder: builder as CommandModule['builder'], handler: (raw) => handler(raw as unknown as GlobalArgs & T) } as CommandModule;
}
