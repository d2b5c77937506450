import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printLine } from '@ocikit/oci-image/cli';
import type { RuntimeSpec } from '@ocikit/oci-image';
import { createContainer, type CreateContainerOptions } from '../containers/create.js';
import { startDetached } from '../containers/lifecycle.js';
import { findRecord, type ContainerRecord } from '../containers/records.js';
import type { PodContext } from '../context.js';
import { generatePod, type GenerateInput } from '../kube/generate.js';
import { parseKubeYaml, type ContainerPlan } from '../kube/play.js';
import { systemdUnit } from '../kube/systemd.js';
import { createPod, findPod, listPods, podContainers, podNamespaces, removePod } from '../pods/pods.js';
import { contextFromArgs } from './context.js';
import { prepareImage, releasePrepared } from './images.js';

type Args = Record<string, unknown>;

async function readSpec(context: PodContext, record: ContainerRecord): Promise<RuntimeSpec> {
  return JSON.parse(await readFile(join(context.paths.bundle(record.id), 'config.json'), 'utf8')) as RuntimeSpec;
}

/** Kubernetes Pod YAML for a pod (its containers, not the infra) or one container. */
export async function generateKube(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const name = String(argv.name);
  const { stringify } = await import('yaml');
  const pod = (await listPods(context)).find((p) => p.name === name || p.id === name);
  if (pod) {
    const inputs: GenerateInput[] = [];
    for (const record of await podContainers(context, pod)) {
      if (record.infra) continue;
      // Containers of a pod are named POD-NAME; the YAML keeps the short name.
      const short = record.name.startsWith(`${pod.name}-`) ? record.name.slice(pod.name.length + 1) : record.name;
      inputs.push({ record: { ...record, name: short }, spec: await readSpec(context, record) });
    }
    const options = { ...(pod.hostname ? { hostname: pod.hostname } : {}), publish: pod.publish };
    process.stdout.write(stringify(generatePod(pod.name, inputs, options)));
    return;
  }
  const record = await findRecord(context.paths, name);
  process.stdout.write(stringify(generatePod(record.name, [{ record, spec: await readSpec(context, record) }])));
}

export async function generateSystemd(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const record = await findRecord(context.paths, String(argv.container));
  const globals = ['--runroot', context.paths.runroot, '--runtime', String(argv.runtime)];
  if (argv.root) globals.push('--root', String(argv.root));
  printLine(systemdUnit(record, { ociPod: [process.execPath, process.argv[1]!, ...globals], runArgs: record.runArgs ?? ['--rootfs', record.rootfs, ...record.command] }));
}

/** Run the pods of a YAML file (or, with --down, stop and remove them). Prints each pod's id. */
export async function playKube(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const file = String(argv.file);
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  for (const plan of await parseKubeYaml(text)) {
    if (argv.down) {
      const pod = await findPod(context, plan.name);
      await removePod(context, pod, true);
      printLine(pod.id);
      continue;
    }
    const pod = await createPod(context, {
      name: plan.name,
      network: plan.publish.length ? 'bridge' : 'none',
      publish: plan.publish,
      ...(plan.hostname ? { hostname: plan.hostname } : {}),
    });
    try {
      for (const container of plan.containers) await playContainer(context, argv, plan.name, container);
    } catch (error) {
      await removePod(context, pod, true).catch(() => undefined);
      throw error;
    }
    printLine(pod.id);
  }
}

async function playContainer(context: PodContext, argv: Args, podName: string, c: ContainerPlan): Promise<void> {
  const source: Pick<CreateContainerOptions, 'image' | 'rootfs' | 'rootfsSource' | 'imageConfig' | 'imageDigest' | 'storage'> = c.rootfs
    ? { image: c.image, rootfs: c.image, rootfsSource: 'dir' }
    : await prepareImage(argv, c.image);
  const options: CreateContainerOptions = {
    ...source,
    name: `${podName}-${c.name}`,
    pod: await podNamespaces(context, podName),
    env: c.env,
    mounts: c.mounts,
    readOnly: c.readOnly,
    noNewPrivileges: c.noNewPrivileges,
    capAdd: c.capAdd,
    capDrop: c.capDrop,
    detached: true,
  };
  if (c.entrypoint) options.entrypoint = c.entrypoint;
  if (c.command) options.command = c.command;
  if (c.workdir) options.workdir = c.workdir;
  if (c.user) options.user = c.user;
  if (c.memoryBytes) options.memoryBytes = c.memoryBytes;
  if (c.cpu) options.cpu = c.cpu;
  let record: ContainerRecord;
  try {
    record = await createContainer(context, options);
  } catch (error) {
    await releasePrepared(source).catch(() => undefined);
    throw error;
  }
  await startDetached(context, record);
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}
