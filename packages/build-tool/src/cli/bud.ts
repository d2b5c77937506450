import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keyValues, list, storeFromArgs, timestampFrom, transportsFor, type GlobalArgs } from './context.js';

export interface BudArgs extends GlobalArgs {
  context?: string;
  tag?: string | string[];
  file?: string;
  'build-arg'?: string | string[];
  target?: string;
  platform?: string;
  cache?: boolean;
  timestamp?: number;
  label?: string | string[];
  annotation?: string | string[];
  secret?: string | string[];
  iidfile?: string;
  quiet?: boolean;
  isolation?: 'chroot' | 'oci';
  runtime?: string;
  compression?: 'gzip' | 'zstd' | 'none';
  ignorefile?: string;
  jobs?: number;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseSecrets(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of list ?? []) {
    const fields = Object.fromEntries(spec.split(',').map((p) => p.split('=', 2) as [string, string]));
    const id = fields.id;
    const src = fields.src ?? fields.source;
    if (!id || !src) throw new Error(`--secret ${spec}: use id=ID,src=FILE`);
    out[id] = resolve(src);
  }
  return out;
}

/** yargs drops a lone `-` positional: find it in the raw arguments (not the value of -f). */
function contextIsStdin(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '-' && argv[i - 1] !== '-f' && argv[i - 1] !== '--file');
}

/** `bud` / `build`: the CLI side of buildImage (reads files, env and stdin; prints references). */
export async function budCommand(args: BudArgs): Promise<void> {
  const { UsageError, printLine, interruptSignal, stderrLogger } = await import('@ocikit/oci-image/cli');
  const contextArg = contextIsStdin(process.argv.slice(2)) ? '-' : (args.context ?? '.');
  if (contextArg === '-' && args.file === '-') throw new UsageError('the context and the Dockerfile cannot both come from stdin');
  let contextDir = resolve(contextArg);
  let tempContext: string | undefined;
  if (contextArg === '-') {
    // A tar (plain, gzip or zstd) on stdin, unpacked safely into a temporary folder.
    const { applyLayer, plainTar } = await import('@ocikit/oci-image');
    tempContext = await mkdtemp(join(tmpdir(), 'oci-build-context-'));
    await applyLayer(tempContext, await plainTar(process.stdin), { preserveOwners: false });
    contextDir = tempContext;
  }
  try {
    let dockerfile: string;
    let dockerfileName: string;
    if (args.file === '-') {
      dockerfile = (await readStdin()).toString('utf8');
      dockerfileName = '<stdin>';
    } else {
      const candidates = args.file ? [resolve(args.file)] : [join(contextDir, 'Containerfile'), join(contextDir, 'Dockerfile')];
      let found: string | undefined;
      for (const c of candidates) {
        if (await stat(c).then((s) => s.isFile(), () => false)) {
          found = c;
          break;
        }
      }
      if (!found) throw new UsageError(`no Containerfile or Dockerfile in ${contextDir}`, 'name one with -f FILE');
      dockerfile = await readFile(found, 'utf8');
      dockerfileName = args.file ?? found.slice(contextDir.length + 1);
    }
    const [{ buildImage, readIgnoreFile }, { parsePlatform }] = await Promise.all([import('../index.js'), import('@ocikit/oci-image')]);
    const store = await storeFromArgs(args);
    const tags = list(args.tag);
    const transports = await transportsFor(store, args, [...tags, dockerfile]);
    const { namesTransport } = await import('../working/builder.js');
    const destinations = tags.map((t) => (namesTransport(t, transports) ? t : `storage:${t}`));
    const ignore = await readIgnoreFile(contextDir, args.ignorefile ? resolve(args.ignorefile) : undefined);
    const timestamp = timestampFrom(args.timestamp);
    const controller = interruptSignal();
    const result = await buildImage({
      store,
      transports,
      dockerfile,
      dockerfileName,
      contextDir,
      ignore,
      tags: destinations,
      buildArgs: keyValues(list(args['build-arg']), '--build-arg'),
      ...(args.target ? { target: args.target } : {}),
      ...(args.platform ? { platform: parsePlatform(args.platform) } : {}),
      noCache: args.cache === false,
      ...(timestamp ? { timestamp } : {}),
      labels: keyValues(list(args.label), '--label'),
      annotations: keyValues(list(args.annotation), '--annotation'),
      secrets: parseSecrets(list(args.secret)),
      isolation: args.isolation ?? 'oci',
      runtime: { name: args.runtime ?? 'runc', searchPath: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      compression: args.compression ?? 'gzip',
      ...(args.jobs ? { jobs: args.jobs } : {}),
      ...(args.format === 'docker' || args.format === 'oci' ? { format: args.format } : {}),
      runStdio: ['ignore', args.quiet ? 'ignore' : process.stderr, process.stderr],
      signal: controller,
      logger: stderrLogger(args.debug),
      onProgress: (e) => {
        if (args.quiet) return;
        process.stderr.write(e.cached ? '--> Using cache\n' : `STEP ${e.step}/${e.total}: ${e.text}\n`);
      },
    });
    if (args.iidfile) {
      const { writeFileAtomic } = await import('@ocikit/oci-image');
      await writeFileAtomic(resolve(args.iidfile), result.digest);
    }
    if (!args.quiet) process.stderr.write(`--> ${result.stepsRun} step(s) run, ${result.stepsCached} from cache\n`);
    if (result.references.length === 0) printLine(`storage:@${result.digest}`);
    for (const ref of result.references) printLine(ref);
  } finally {
    if (tempContext) await rm(tempContext, { recursive: true, force: true });
  }
}
