import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from '../state-file.js';
import type { PodContext } from '../context.js';
import { PodError } from '../errors.js';
import type { PortMapping } from '../options/parse.js';
import { findExecutable } from '../runtime/runtime.js';

/**
 * Bridge networking through the standard CNI plugins (bridge, host-local,
 * portmap), called directly as the CNI spec says: CNI_* variables, the
 * network config on stdin, the result on stdout. The namespace is our own,
 * made with `ip netns add`, so it is named, visible and removable.
 */
export const NETWORK_NAME = 'ocikit';
export const BRIDGE = 'ocikit0';
export const SUBNET = '10.90.0.0/24';
export const GATEWAY = '10.90.0.1';

export interface AttachedNetwork {
  netns: string;
  netnsPath: string;
  ip: string;
}

interface PluginConfig {
  type: string;
  [key: string]: unknown;
}

function plugins(context: PodContext): PluginConfig[] {
  return [
    {
      type: 'bridge',
      bridge: BRIDGE,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        dataDir: join(context.paths.runroot, 'cni', 'networks'),
        routes: [{ dst: '0.0.0.0/0' }],
        ranges: [[{ subnet: SUBNET, gateway: GATEWAY }]],
      },
    },
    { type: 'portmap', capabilities: { portMappings: true }, snat: true },
  ];
}

export function netnsName(id: string): string {
  return `ocikit-${id.slice(0, 16)}`;
}

export async function setUpNetwork(context: PodContext, id: string, ports: PortMapping[]): Promise<AttachedNetwork> {
  const ip = await findExecutable('ip', context.searchPath);
  if (!ip) throw new PodError('ERR_POD_NETWORK', 'bridge networking needs ip (iproute2) on PATH');
  const netns = netnsName(id);
  await run(ip, ['netns', 'add', netns]);
  const netnsPath = `/var/run/netns/${netns}`;
  try {
    // A fresh namespace has lo down; containers expect localhost to work.
    await run(ip, ['-n', netns, 'link', 'set', 'lo', 'up']);
    const result = await cniChain(context, 'ADD', id, netnsPath, ports);
    const ips = (result?.ips as Array<{ address: string }> | undefined) ?? [];
    const address = ips[0]?.address.split('/')[0] ?? '';
    // host-local hands addresses out again: forget a previous owner's MAC, or the host talks to a ghost.
    if (address) await run(ip, ['neigh', 'del', address, 'dev', BRIDGE]).catch(() => undefined);
    await writeStateFile(join(context.paths.dir(id), 'network.json'), Buffer.from(JSON.stringify({ result, ports })));
    return { netns, netnsPath, ip: address };
  } catch (error) {
    await run(ip, ['netns', 'delete', netns]).catch(() => undefined);
    throw error;
  }
}

export async function tearDownNetwork(context: PodContext, record: { id: string; network: { netns?: string; ports?: PortMapping[] } }): Promise<void> {
  const netns = record.network.netns;
  if (!netns) return;
  const saved = await readFile(join(context.paths.dir(record.id), 'network.json'), 'utf8').catch(() => undefined);
  const prev = saved ? (JSON.parse(saved) as { result?: Record<string, unknown> }).result : undefined;
  await cniChain(context, 'DEL', record.id, `/var/run/netns/${netns}`, record.network.ports ?? [], prev).catch((error) =>
    context.logger?.warn(`network teardown: ${(error as Error).message}`),
  );
  const ip = await findExecutable('ip', context.searchPath);
  if (ip) await run(ip, ['netns', 'delete', netns]).catch(() => undefined);
}

async function cniChain(context: PodContext, command: 'ADD' | 'DEL', id: string, netnsPath: string, ports: PortMapping[], prev?: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  await mkdir(join(context.paths.runroot, 'cni', 'networks'), { recursive: true });
  const chain = plugins(context);
  const order = command === 'ADD' ? chain : [...chain].reverse();
  let prevResult = prev;
  for (const plugin of order) {
    const config: Record<string, unknown> = { cniVersion: '0.4.0', name: NETWORK_NAME, ...plugin };
    if (plugin.type === 'portmap') {
      if (ports.length === 0) continue;
      config.runtimeConfig = { portMappings: ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIP })) };
    }
    if (prevResult) config.prevResult = prevResult;
    const output = await callPlugin(context, plugin.type, command, id, netnsPath, config);
    if (command === 'ADD' && output) prevResult = output;
  }
  return prevResult;
}

function callPlugin(context: PodContext, type: string, command: string, id: string, netnsPath: string, config: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const env = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: netnsPath,
    CNI_IFNAME: 'eth0',
    CNI_PATH: context.cniPath,
    PATH: context.searchPath,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(join(context.cniPath, type), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (error) => reject(new PodError('ERR_POD_NETWORK', `CNI plugin ${type}: ${error.message}`, { hint: 'install containernetworking-plugins' })));
    child.once('close', (code) => {
      if (code === 0) return resolve(out.trim() ? (JSON.parse(out) as Record<string, unknown>) : undefined);
      let message = err.trim() || out.trim();
      try {
        message = (JSON.parse(out) as { msg?: string }).msg ?? message;
      } catch {
        // not JSON: keep the raw text
      }
      reject(new PodError('ERR_POD_NETWORK', `CNI plugin ${type} ${command} failed: ${message}`));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new PodError('ERR_POD_NETWORK', `${file} ${args.join(' ')}: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}
