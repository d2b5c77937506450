import { hostPlatform, parsePlatform, type Platform } from '@ocikit/oci-image';
import { interruptSignal, processStdio, stderrLogger } from '@ocikit/oci-image/cli';
import type { OpenOptions } from '../open.js';
import { preloadTransportFor } from '../transports.js';
import type { ParsedArgs } from './args.js';
import type { CommandName } from './specs.js';

export interface CommandContext {
  args: ParsedArgs;
  open: OpenOptions;
  signal: AbortSignal;
  str(name: string): string | undefined;
}

/** --platform, or the host platform with --override-* applied (as skopeo does). */
function platformOf(args: ParsedArgs): Platform | undefined {
  const o = args.options;
  if (typeof o.platform === 'string') return parsePlatform(o.platform);
  if (o['override-os'] === undefined && o['override-arch'] === undefined && o['override-variant'] === undefined) return undefined;
  const host = hostPlatform();
  const platform: Platform = {
    os: (o['override-os'] as string | undefined) ?? host.os,
    architecture: (o['override-arch'] as string | undefined) ?? host.architecture,
  };
  const variant = (o['override-variant'] as string | undefined) ?? (o['override-arch'] === undefined ? host.variant : undefined);
  if (variant) platform.variant = variant;
  return platform;
}

const HANDLERS: Record<CommandName, () => Promise<{ run(ctx: CommandContext): Promise<void> }>> = {
  inspect: () => import('./inspect-command.js'),
  ls: () => import('./files-commands.js').then((m) => m.ls),
  cat: () => import('./files-commands.js').then((m) => m.cat),
  history: () => import('./history-command.js'),
  diff: () => import('./diff-command.js'),
  efficiency: () => import('./efficiency-command.js'),
  report: () => import('./report-command.js'),
};

/** Build the options every command shares (reading the environment here, not in the library) and run it. */
export async function runCommand(name: CommandName, args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<void> {
  for (const input of args.positionals) preloadTransportFor(input);
  const signal = interruptSignal();
  const o = args.options;
  const open: OpenOptions = {
    signal,
    platform: platformOf(args),
    tlsVerify: o['tls-verify'] !== false,
    creds: o.creds as string | undefined,
    authFile: o.authfile as string | undefined,
    certDir: o['cert-dir'] as string | undefined,
    storageRoot: (o.root ?? o['storage-root']) as string | undefined,
    env,
    stdio: processStdio(),
  };
  if (o.debug) open.logger = stderrLogger(true);
  const handler = await HANDLERS[name]();
  await handler.run({ args, open, signal, str: (key) => (typeof o[key] === 'string' ? (o[key] as string) : undefined) });
}
