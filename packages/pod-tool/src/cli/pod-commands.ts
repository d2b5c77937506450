import { printJson, printLine } from '@ocikit/oci-image/cli';
import { containerState } from '../containers/lifecycle.js';
import { parsePublish } from '../options/parse.js';
import { createPod, findPod, listPods, podContainers, removePod, stopPod, type CreatePodOptions } from '../pods/pods.js';
import { UsageError } from '@ocikit/oci-image/cli';
import { contextFromArgs, strings } from './context.js';
import { formatTable } from './ps-command.js';

type Args = Record<string, unknown>;

export async function create(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const network = String(argv.network ?? 'none');
  if (!['none', 'host', 'bridge'].includes(network)) throw new UsageError(`--network: unknown mode ${JSON.stringify(network)}`);
  const options: CreatePodOptions = { network: network as CreatePodOptions['network'], publish: strings(argv.publish).map(parsePublish) };
  if (options.publish!.length && network === 'none') options.network = 'bridge';
  if (argv.name !== undefined) options.name = String(argv.name);
  if (argv.hostname !== undefined) options.hostname = String(argv.hostname);
  const pod = await createPod(context, options);
  printLine(pod.id);
}

export async function ps(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const rows = [];
  for (const pod of await listPods(context)) {
    const members = await podContainers(context, pod);
    const infra = members.find((m) => m.infra);
    const status = infra ? (await containerState(context, infra)).status : 'exited';
    rows.push({ id: pod.id, name: pod.name, created: pod.created, status, containers: members.length });
  }
  if (argv.format === 'json') return printJson(rows);
  const table = [['POD ID', 'NAME', 'STATUS', 'CREATED', '# OF CONTAINERS']];
  for (const r of rows) table.push([r.id.slice(0, 12), r.name, r.status, r.created.replace('T', ' ').slice(0, 19), String(r.containers)]);
  printLine(formatTable(table));
}

export async function stop(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.pods)) {
    await stopPod(context, await findPod(context, name), argv.time === undefined ? undefined : Number(argv.time));
    printLine(name);
  }
}

export async function rm(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.pods)) {
    const pod = await findPod(context, name);
    await removePod(context, pod, Boolean(argv.force));
    printLine(pod.id);
  }
}

export async function inspect(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const pod = await findPod(context, String(argv.pod));
  const containers = [];
  for (const c of await podContainers(context, pod)) containers.push({ id: c.id, name: c.name, infra: c.infra ?? false, state: await containerState(context, c) });
  printJson({ ...pod, containers });
}
