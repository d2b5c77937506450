import { UsageError } from '../../cli/run.js';
import type { Compression } from '../../media-types.js';

/** Flags shared by the commands that write a layer. */
export const layerWriteOptions = {
  compression: { choices: ['gzip', 'zstd', 'none'] as const, default: 'gzip' as const, describe: 'layer compression' },
  level: { type: 'number' as const, describe: 'compression level (gzip 1-9, zstd 1-19)' },
  timestamp: { type: 'string' as const, describe: 'clamp all mtimes and set history times to this (ISO time or Unix seconds); default $SOURCE_DATE_EPOCH' },
  'tmp-dir': { type: 'string' as const, describe: 'where the temporary layer file goes' },
};

export interface LayerWriteArgs {
  compression: Compression;
  level?: number;
  timestamp?: string;
  'tmp-dir'?: string;
}

/** --timestamp, else SOURCE_DATE_EPOCH from the environment (read here, in the CLI, never in the library). */
export function timestampOf(args: LayerWriteArgs): Date | undefined {
  const text = args.timestamp ?? process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  const date = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`invalid timestamp ${JSON.stringify(text)}`, 'use an ISO time or Unix seconds');
  return date;
}

export function writeOptionsOf(args: LayerWriteArgs, signal: AbortSignal) {
  if (args.level !== undefined && (!Number.isInteger(args.level) || args.level < 1 || args.level > 22)) throw new UsageError('--level takes a whole number 1-22');
  const timestamp = timestampOf(args);
  return {
    compression: args.compression,
    signal,
    ...(args.level !== undefined ? { level: args.level } : {}),
    ...(timestamp ? { timestamp } : {}),
    ...(args['tmp-dir'] ? { tmpDir: args['tmp-dir'] } : {}),
  };
}

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}
