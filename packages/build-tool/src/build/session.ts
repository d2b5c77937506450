import type { StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { parsePlatform, type Compression, type Logger, type Platform, type Transport } from '@ocikit/oci-image';
import { createContainer, mountContainer, removeContainer, type Store } from '@ocikit/storage';
import { parseDockerfile, type RawInstruction } from '../dockerfile/parse.js';
import { stageByName, type StagePlan } from '../dockerfile/stages.js';
import type { IgnoreRules } from '../ignore.js';
import { importImage } from '../working/images.js';
import { LayerCache } from './cache.js';
import type { Isolation } from './runner.js';
import type { SourceRoot } from './sources.js';
import type { StageResult } from './stage.js';

export interface SessionOptions {
  store: Store;
  transports: readonly Transport<any>[];
  file: string;
  escape: string;
  contextDir: string;
  ignore: IgnoreRules | undefined;
  buildArgs: Record<string, string>;
  globals: ReadonlyMap<string, string>;
  plans: readonly StagePlan[];
  platform: Platform;
  noCache: boolean;
  compression: Compression;
  timestamp: Date | undefined;
  isolation: Isolation;
  runtime: { name: string; searchPath: string } | undefined;
  runStdio: StdioOptions | undefined;
  secrets: Record<string, string>;
  signal: AbortSignal | undefined;
  logger?: Logger | undefined;
}

/** What the stages of one build share: the store, the cache, stage results, containers to clean up. */
export class BuildSession {
  readonly store: Store;
  readonly cache: LayerCache;
  readonly file: string;
  readonly escape: string;
  readonly buildArgs: Record<string, string>;
  readonly globals: ReadonlyMap<string, string>;
  readonly noCache: boolean;
  readonly compression: Compression;
  readonly isolation: Isolation;
  readonly runtime: { name: string; searchPath: string; stateDir: string } | undefined;
  readonly runStdio: StdioOptions | undefined;
  readonly secrets: Record<string, string>;
  readonly logger: Logger | undefined;
  readonly results = new Map<number, StageResult>();
  private readonly containers = new Set<string>();
  private readonly mountedImages = new Map<string, Promise<string>>();
  private steps = 0;
  stepsRun = 0;
  stepsCached = 0;

  constructor(private readonly options: SessionOptions) {
    this.store = options.store;
    this.cache = new LayerCache(options.store);
    this.file = options.file;
    this.escape = options.escape;
    this.buildArgs = options.buildArgs;
    this.globals = options.globals;
    this.noCache = options.noCache;
    this.compression = options.compression;
    this.isolation = options.isolation;
    this.runtime = options.runtime ? { ...options.runtime, stateDir: join(options.store.runroot, 'build-runtime') } : undefined;
    this.runStdio = options.runStdio;
    this.secrets = options.secrets;
    this.logger = options.logger;
  }

  created(): string {
    return (this.options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  stepOptions(): { timestamp?: Date; signal?: AbortSignal } {
    return { ...(this.options.timestamp ? { timestamp: this.options.timestamp } : {}), ...this.signalOption() };
  }

  signalOption(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }

  advance(): number {
    return ++this.steps;
  }

  counted(cached: boolean, countAsStep: boolean): void {
    if (!countAsStep) return;
    if (cached) this.stepsCached++;
    else this.stepsRun++;
  }

  importBase(reference: string, platform: string | undefined): Promise<string> {
    return importImage(this.store, reference, {
      transports: this.options.transports,
      platform: platform ? parsePlatform(platform) : this.options.platform,
      ...this.signalOption(),
    });
  }

  stageResult(index: number): StageResult {
    const result = this.results.get(index);
    if (!result) throw new Error(`stage ${index} has not been built`);
    return result;
  }

  /** ONBUILD triggers of a base image as instructions, positioned at the FROM line. */
  parseTriggers(triggers: readonly string[], from: RawInstruction): RawInstruction[] {
    if (triggers.length === 0) return [];
    const parsed = parseDockerfile(`FROM scratch\n${triggers.join('\n')}\n`, `${this.file} (ONBUILD of ${from.args})`);
    return (parsed.stages[0]?.instructions ?? []).map((raw) => ({ ...raw, line: from.line, column: from.column }));
  }

  contextRoot(): SourceRoot {
    return { dir: this.options.contextDir, label: 'the build context', ...(this.options.ignore ? { ignore: this.options.ignore } : {}) };
  }

  /** The rootfs of an earlier stage or of an image, mounted once per build (read-only use). */
  async sourceRootOf(from: string, currentStage: number): Promise<SourceRoot> {
    const plan = stageByName(this.options.plans, from, currentStage);
    if (plan) {
      const digest = this.stageResult(plan.index).digest;
      return { dir: await this.mountImage(digest), label: `stage ${plan.name ?? plan.index} (${digest.slice(7, 19)})` };
    }
    const digest = await this.importBase(from, undefined);
    return { dir: await this.mountImage(digest), label: `image ${from} (${digest.slice(7, 19)})` };
  }

  private mountImage(digest: string): Promise<string> {
    let mounted = this.mountedImages.get(digest);
    if (!mounted) {
      mounted = (async () => {
        const record = await createContainer(this.store, digest.slice('sha256:'.length), this.signalOption());
        this.track(record.id);
        return (await mountContainer(this.store, record.id)).mountPoint;
      })();
      this.mountedImages.set(digest, mounted);
    }
    return mounted;
  }

  track(id: string): void {
    this.containers.add(id);
  }

  untrack(id: string): void {
    this.containers.delete(id);
  }

  /** Remove every working container this build made (on success and failure). */
  async cleanup(): Promise<void> {
    for (const id of this.containers) await removeContainer(this.store, id, { force: true }).catch(() => undefined);
    this.containers.clear();
  }
}
