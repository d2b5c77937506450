import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printLine, UsageError } from '@ocikit/oci-image/cli';
import type { CreateContainerOptions } from '../containers/create.js';
import { createContainer } from '../containers/create.js';
import { runAttached, startDetached } from '../containers/lifecycle.js';
import { PodError } from '../errors.js';
import {
  normaliseCapability, parseBytes, parseCpus, parseEnv, parseEnvFile, parseMount, parsePositiveInt, parsePublish, parseUlimit, parseVolume,
} from '../options/parse.js';
import { forwardSignals } from '../runtime/run.js';
import { findExecutable } from '../runtime/runtime.js';
import { readHardLimits, resolveRuntime } from '../context.js';
import { contextFromArgs, strings } from './context.js';
import { prepareImage, releasePrepared } from './images.js';

export default async function run(argv: Record<string, unknown>): Promise<void> {
  const context = contextFromArgs(argv);
  // Found while the image is prepared (both are remembered; errors surface where they are used).
  void resolveRuntime(context).catch(() => undefined);
  void readHardLimits();
  const network = String(argv.network ?? 'none');
  if (!['none', 'host', 'bridge'].includes(network)) throw new UsageError(`--network: unknown mode ${JSON.stringify(network)}`, 'use none, host or bridge');
  if (argv.rm && argv.detach && argv.tty) throw new UsageError('--rm -d -t together is not supported');
  const callerEnv = process.env;
  const env = [...strings(argv.env).length ? parseEnv(strings(argv.env), callerEnv) : []];
  for (const file of strings(argv['env-file'])) env.unshift(...parseEnvFile(await readFile(file, 'utf8'), callerEnv));

  const image = String(argv.image);
  let source: Pick<CreateContainerOptions, 'image' | 'rootfs' | 'rootfsSource' | 'imageConfig' | 'imageDigest'>;
  if (argv.rootfs) {
    const rootfs = resolve(image);
    if (!(await stat(rootfs).catch(() => undefined))?.isDirectory()) throw new PodError('ERR_POD_NO_ROOTFS', `--rootfs: ${image} is not a directory`);
    source = { image: rootfs, rootfs, rootfsSource: 'dir' };
  } else {
    source = await prepareImage(argv, image, { runtimeMountsRoot: await runtimeMayMountRoot(argv, context, network) });
  }

  const options: CreateContainerOptions = {
    ...source,
    command: [...strings(argv.command), ...strings((argv._ as unknown[]).slice(1))],
    env,
    mounts: [...strings(argv.volume).map(parseVolume), ...strings(argv.mount).map(parseMount)],
    readOnly: Boolean(argv['read-only']),
    capAdd: strings(argv['cap-add']).map(normaliseCapability),
    capDrop: strings(argv['cap-drop']).map(normaliseCapability),
    ulimits: strings(argv.ulimit).map(parseUlimit),
    tty: Boolean(argv.tty),
    detached: Boolean(argv.detach),
    autoRemove: Boolean(argv.rm),
    network: network as 'none' | 'host' | 'bridge',
    publish: strings(argv.publish).map(parsePublish),
    labels: Object.fromEntries(strings(argv.label).map((l) => [l.split('=')[0]!, l.split('=').slice(1).join('=')])),
  };
  if (argv.name !== undefined) options.name = String(argv.name);
  if (argv.workdir !== undefined) {
    if (!String(argv.workdir).startsWith('/')) throw new UsageError('-w: the working directory must be absolute');
    options.workdir = String(argv.workdir);
  }
  if (argv.user !== undefined) options.user = String(argv.user);
  if (argv.entrypoint !== undefined) options.entrypoint = parseEntrypoint(String(argv.entrypoint));
  if (argv.hostname !== undefined) options.hostname = String(argv.hostname);
  if (argv.memory !== undefined) options.memoryBytes = parseBytes(String(argv.memory));
  if (argv.cpus !== undefined) options.cpu = parseCpus(String(argv.cpus));
  if (argv['pids-limit'] !== undefined) options.pidsLimit = parsePositiveInt(String(argv['pids-limit']), '--pids-limit');
  if (argv['stop-timeout'] !== undefined) options.stopTimeout = Number(argv['stop-timeout']);
  for (const opt of strings(argv['security-opt'])) {
    if (opt === 'no-new-privileges' || opt === 'no-new-privileges=true') options.noNewPrivileges = true;
    else throw new UsageError(`--security-opt: unsupported ${JSON.stringify(opt)}`, 'only no-new-privileges is supported');
  }
  if (argv.init) {
    const init = await findExecutable('catatonit', context.searchPath);
    if (!init) throw new PodError('ERR_POD_NO_INIT', '--init needs catatonit on PATH', { hint: 'install catatonit' });
    options.initBinary = init;
  }
  if (argv.pod !== undefined) {
    const { podNamespaces } = await import('../pods/pods.js');
    options.pod = await podNamespaces(context, String(argv.pod));
  }

  // Socket activation: fds handed to us by systemd go on to the container.
  let preserveFds = argv['preserve-fds'] === undefined ? 0 : parsePositiveInt(String(argv['preserve-fds']), '--preserve-fds');
  const listenFds = Number(process.env.LISTEN_FDS ?? 0);
  if (!preserveFds && listenFds > 0 && Number(process.env.LISTEN_PID) === process.pid) {
    preserveFds = listenFds;
    options.env = [...(options.env ?? []), `LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1'];
  }
  if (preserveFds && options.detached) throw new UsageError('--preserve-fds cannot be used with -d');

  options.runArgs = argsForUnit(process.argv.slice(2));
  let record;
  try {
    record = await createContainer(context, options);
  } catch (error) {
    await releasePrepared(source).catch(() => undefined);
    throw error;
  }
  if (options.detached) {
    await startDetached(context, record);
    printLine(record.id);
    return;
  }
  const stdio: Array<'inherit' | 'ignore' | number> = [argv.interactive || argv.tty ? 'inherit' : 'ignore', 'inherit', 'inherit'];
  for (let fd = 3; fd < 3 + preserveFds; fd++) stdio.push(fd);
  const ttyHost = argv.tty ? (process.stdin.isTTY ? 'stdin' : 'script') : undefined;
  let stopForwarding = () => {};
  const code = await runAttached(context, record, {
    stdio,
    ...(ttyHost ? { ttyHost } : {}),
    ...(preserveFds ? { preserveFds } : {}),
    onStart: (proc) => {
      stopForwarding = forwardSignals(proc, process);
    },
  });
  stopForwarding();
  process.exitCode = code;
}

/**
 * A foreground --rm run whose only mount points are the runtime's own (no
 * volumes, binds, init, pod, host files or read-only root) may have runc
 * mount the rootfs overlay itself: nothing is mounted on the host. crun
 * cannot mount an overlay as `/`, so it gets a host mount as before.
 */
async function runtimeMayMountRoot(argv: Record<string, unknown>, context: ReturnType<typeof contextFromArgs>, network: string): Promise<boolean> {
  const plain =
    Boolean(argv.rm) && !argv.detach && network === 'none' && argv.pod === undefined && !argv.init && !argv['read-only'] && argv.user === undefined &&
    strings(argv.volume).length === 0 && strings(argv.mount).length === 0;
  return plain && (await resolveRuntime(context).then((runtime) => runtime.name === 'runc', () => false));
}

/** `--entrypoint '["/bin/sh","-c"]'` or `--entrypoint /bin/sh`; '' clears it. */
function parseEntrypoint(value: string): string[] {
  if (value === '') return [];
  if (value.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
    } catch {
      // fall through to the error
    }
    throw new UsageError(`--entrypoint: invalid JSON array ${value}`);
  }
  return [value];
}

/** The run arguments a systemd unit repeats: without -d, --rm and --name (the unit sets its own). */
function argsForUnit(raw: string[]): string[] {
  const start = raw.indexOf('run');
  const out: string[] = [];
  const args = raw.slice(start + 1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a === '--name') {
      i++;
      continue;
    }
    if (a.startsWith('--name=') || a === '--rm' || a === '--detach') continue;
    if (/^-[a-z]+$/.test(a) && a.includes('d') && [...a.slice(1)].every((l) => 'dit'.includes(l))) {
      const rest = a.replace('d', '');
      if (rest !== '-') out.push(rest);
      continue;
    }
    out.push(a);
  }
  return out;
}
