import { copy, hostPlatform, parseReference, type Image } from '@ocikit/oci-image';
import { imageByDigest, StoreDestination } from '@ocikit/storage';
import { globalArgScope, parseArgDeclarations, platformArgs, PROXY_ARGS } from '../dockerfile/args.js';
import type { ParsedDockerfile } from '../dockerfile/parse.js';
import type { Logger } from '@ocikit/oci-image';
import { parseDockerfile } from '../dockerfile/parse.js';
import { planStages, stagesToBuild, type StagePlan } from '../dockerfile/stages.js';
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
  warnUnusedBuildArgs(parsed, buildArgs, options.logger);
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
  const progress = (stage: (typeof wanted)[number], text: string, step: number, cached = false) =>
    options.onProgress?.({ stage: stage.index, stageName: stage.name, step, total, text, cached });
  const runStage = async (plan: (typeof wanted)[number]) => {
    progress(plan, plan.source.from.text, session.advance());
    const runner = new StageRunner(session, plan);
    const result = await runner.run(plan.source.instructions, {
      before: (raw) => {
        const step = session.advance();
        progress(plan, raw.text, step);
        return step;
      },
      after: (raw, step, cached) => {
        if (cached) progress(plan, raw.text, step, true);
      },
    });
    session.results.set(plan.index, result);
  };
  try {
    await runInDependencyOrder(wanted, Math.max(1, options.jobs ?? 1), runStage);
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

/**
 * Run stages once all the stages they read are done, at most `jobs` at a
 * time; the first failure stops new stages and is thrown once the running
 * ones have settled.
 */
async function runInDependencyOrder(plans: readonly StagePlan[], jobs: number, run: (plan: StagePlan) => Promise<void>): Promise<void> {
  const done = new Set<number>();
  const waiting = [...plans];
  const running = new Map<number, Promise<void>>();
  let failure: { error: unknown } | undefined;
  while (waiting.length > 0 || running.size > 0) {
    for (let i = 0; !failure && i < waiting.length && running.size < jobs; ) {
      const plan = waiting[i] as StagePlan;
      if (!plan.dependsOn.every((d) => done.has(d))) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      running.set(
        plan.index,
        run(plan).then(
          () => {
            done.add(plan.index);
            running.delete(plan.index);
          },
          (error: unknown) => {
            failure ??= { error };
            running.delete(plan.index);
          },
        ),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw failure.error;
}

/** A --build-arg that no ARG declares is probably a typo: say so (as docker and buildah do). */
function warnUnusedBuildArgs(parsed: ParsedDockerfile, buildArgs: Record<string, string>, logger: Logger | undefined): void {
  const declared = new Set<string>(PROXY_ARGS);
  const args = [...parsed.globalArgs, ...parsed.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'ARG'))];
  for (const raw of args) for (const decl of parseArgDeclarations(raw, parsed.file, parsed.escape)) declared.add(decl.name);
  for (const name of Object.keys(buildArgs)) {
    if (!declared.has(name)) logger?.warn?.(`build argument ${name} is not declared by any ARG in ${parsed.file}`);
  }
}
