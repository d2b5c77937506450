import { copy, hostPlatform, parseReference, type Image } from '@ocikit/oci-image';
import { imageByDigest, StoreDestination } from '@ocikit/storage';
import { globalArgScope, platformArgs } from '../dockerfile/args.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { planStages, stagesToBuild } from '../dockerfile/stages.js';
import { finishImage } from '../working/format.js';
import { BuildSession } from './session.js';
import { StageRunner } from './stage.js';
import type { BuildOptions, BuildResult } from './types.js';

/**
 * Build a Dockerfile: parse, plan the stages the target needs, run each
 * stage step by step (cached steps are only looked up), then write the
 * image to every destination. Nothing is written to a destination unless
 * every step succeeded.
 */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const file = options.dockerfileName ?? 'Dockerfile';
  const parsed = parseDockerfile(options.dockerfile, file);
  const platform = options.platform ?? hostPlatform();
  const buildArgs = options.buildArgs ?? {};
  const globals = globalArgScope(parsed, buildArgs, platformArgs(platform, hostPlatform()));
  const plans = planStages(parsed, globals);
  const wanted = stagesToBuild(plans, options.target, file);
  // Parse every destination before any work, so a typo fails fast.
  const destinations = (options.tags ?? []).map((tag) => parseReference(tag, options.transports));
  const total = wanted.reduce((n, p) => n + 1 + p.source.instructions.length, 0);
  const session = new BuildSession({
    store: options.store,
    transports: options.transports,
    file,
    escape: parsed.escape,
    contextDir: options.contextDir,
    ignore: options.ignore,
    buildArgs,
    globals,
    plans,
    platform,
    noCache: options.noCache ?? false,
    compression: options.compression ?? 'gzip',
    timestamp: options.timestamp,
    isolation: options.isolation ?? 'chroot',
    runtime: options.runtime,
    runStdio: options.runStdio,
    secrets: options.secrets ?? {},
    signal: options.signal,
    logger: options.logger,
  });
  const progress = (stage: (typeof wanted)[number], text: string, cached: boolean) =>
    options.onProgress?.({ stage: stage.index, stageName: stage.name, step: session.stepNumber() - 1, total, text, cached });
  try {
    for (const plan of wanted) {
      session.advance();
      progress(plan, plan.source.from.text, false);
      const runner = new StageRunner(session, plan);
      const result = await runner.run(plan.source.instructions, {
        before: (raw) => {
          session.advance();
          progress(plan, raw.text, false);
        },
        after: (raw, cached) => {
          if (cached) progress(plan, raw.text, true);
        },
      });
      session.results.set(plan.index, result);
    }
  } finally {
    await session.cleanup();
  }
  const last = wanted[wanted.length - 1];
  const built = session.stageResult(last?.index ?? 0);
  const image: Image = finishImage(await imageByDigest(options.store, built.digest), {
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
    ...(options.format ? { format: options.format } : {}),
  });
  const signal = options.signal ? { signal: options.signal } : {};
  // The stage's image is already in the store; only a changed one (labels, annotations, format) is stored again.
  const changed = Object.keys(options.labels ?? {}).length > 0 || Object.keys(options.annotations ?? {}).length > 0 || options.format === 'docker';
  const stored = changed ? await copy(image, new StoreDestination(options.store, undefined, 'storage:'), signal) : { digest: built.digest };
  const references: string[] = [];
  for (const dest of destinations) {
    const destination = await dest.transport.openDestination(dest.value, signal);
    references.push((await copy(image, destination, signal)).reference);
  }
  return { digest: stored.digest, references, stepsRun: session.stepsRun, stepsCached: session.stepsCached };
}
