import type { StdioOptions } from 'node:child_process';
import type { Compression, Logger, Platform, Transport } from '@ocikit/oci-image';
import type { Store } from '@ocikit/storage';
import type { IgnoreRules } from '../ignore.js';
import type { Isolation } from './runner.js';

export interface BuildProgress {
  /** Stage index and name (if any). */
  stage: number;
  stageName: string | undefined;
  /** 1-based step number over all stages being built, and their total. */
  step: number;
  total: number;
  /** The instruction as written. */
  text: string;
  cached: boolean;
}

export interface BuildOptions {
  store: Store;
  /** Transports for FROM, COPY --from images and -t destinations. */
  transports: readonly Transport<any>[];
  /** Dockerfile text and its name for messages. */
  dockerfile: string;
  dockerfileName?: string;
  contextDir: string;
  /** Ignore rules for the context (default: none; the CLI reads .containerignore/.dockerignore). */
  ignore?: IgnoreRules;
  /** Destinations to write the image to (`transport:reference`); none keeps it in the store only. */
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  /** Target platform (default: this machine). */
  platform?: Platform;
  noCache?: boolean;
  /** Reproducible builds: every created time and file mtime is clamped to this. */
  timestamp?: Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Secret id -> host file, for RUN --mount=type=secret. */
  secrets?: Record<string, string>;
  isolation?: Isolation;
  runtime?: { name: string; searchPath: string };
  compression?: Compression;
  format?: 'oci' | 'docker';
  /** stdio of RUN commands (default: stdin ignored, output inherited). */
  runStdio?: StdioOptions;
  /** Stages built at once when they do not depend on each other (default 1). */
  jobs?: number;
  onProgress?: (event: BuildProgress) => void;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface BuildResult {
  /** Manifest digest of the built image. */
  digest: string;
  /** Each destination with digest, as the transport reports it. */
  references: string[];
  /** Steps that ran and steps taken from the cache. */
  stepsRun: number;
  stepsCached: number;
}
