import type { ContainerConfig } from '@ocikit/oci-image';
import { DockerfileSyntaxError } from '../errors.js';
import { parseArgDeclarations, syntaxError, type ArgDeclaration } from './args.js';
import { execForm, type HeredocBody, type RawInstruction } from './parse.js';
import { expandWord, expandWords, splitRaw, type Lookup } from './shell-lex.js';

export interface RunMount {
  type: 'cache' | 'bind' | 'tmpfs' | 'secret';
  target: string;
  source?: string;
  from?: string;
  id?: string;
  readonly: boolean;
  required?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A command as written: exec form (argv) or shell form (a string for the SHELL). */
export type CommandForm = { exec: string[] } | { shell: string };

export type Decoded =
  | { kind: 'RUN'; command: CommandForm; heredocs: HeredocBody[]; mounts: RunMount[]; network: 'default' | 'none' | 'host' }
  | { kind: 'COPY' | 'ADD'; sources: string[]; dest: string; heredocs: HeredocBody[]; from?: string; chown?: string; chmod?: number; link: boolean }
  | { kind: 'ENV' | 'LABEL'; pairs: Array<[string, string]> }
  | { kind: 'ARG'; decls: ArgDeclaration[] }
  | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
  | { kind: 'EXPOSE' | 'VOLUME'; values: string[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; command: CommandForm | undefined }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'HEALTHCHECK'; healthcheck: NonNullable<ContainerConfig['Healthcheck']> | null }
  | { kind: 'ONBUILD'; trigger: string };

export interface DecodeContext {
  file: string;
  escape: string;
  lookup: Lookup;
}

function fail(ctx: DecodeContext, raw: RawInstruction, message: string, hint?: string): never {
  throw new DockerfileSyntaxError(ctx.file, raw.line, raw.column, `${raw.keyword}: ${message}`, hint ? { hint } : {});
}

function flag(raw: RawInstruction, name: string): string | undefined {
  return raw.flags.find((f) => f.name === name)?.value ?? (raw.flags.some((f) => f.name === name) ? '' : undefined);
}

function checkFlags(ctx: DecodeContext, raw: RawInstruction, allowed: string[]): void {
  for (const f of raw.flags) if (!allowed.includes(f.name)) fail(ctx, raw, `unknown flag --${f.name}`, allowed.length ? `allowed: ${allowed.map((a) => `--${a}`).join(' ')}` : undefined);
}

function commandForm(args: string): CommandForm {
  const exec = execForm(args);
  return exec ? { exec } : { shell: args };
}

/** Go-style durations (30s, 1m30s, 500ms) in nanoseconds. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let rest = text;
  if (rest === '') return undefined;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

export function parseMount(ctx: DecodeContext, raw: RawInstruction, spec: string): RunMount {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    fields.set((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : expandWord(part.slice(eq + 1), ctx.lookup, ctx.escape));
  }
  const type = (fields.get('type') ?? 'bind') as RunMount['type'];
  if (!['cache', 'bind', 'tmpfs', 'secret'].includes(type)) fail(ctx, raw, `unsupported mount type ${JSON.stringify(type)}`, 'use cache, bind, tmpfs or secret');
  const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination') ?? (type === 'secret' ? `/run/secrets/${fields.get('id') ?? ''}` : undefined);
  if (!target) fail(ctx, raw, `--mount=type=${type} needs target=`);
  const ro = fields.get('readonly') ?? fields.get('ro') ?? (fields.has('rw') ? String(fields.get('rw') === 'false') : undefined);
  const mount: RunMount = { type, target, readonly: ro === undefined ? type === 'bind' : ro !== 'false' };
  const source = fields.get('source') ?? fields.get('src');
  if (source !== undefined) mount.source = source;
  if (fields.get('from') !== undefined) mount.from = fields.get('from') as string;
  if (fields.get('id') !== undefined) mount.id = fields.get('id') as string;
  if (fields.get('required') !== undefined) mount.required = fields.get('required') !== 'false';
  for (const key of ['uid', 'gid'] as const) if (fields.has(key)) mount[key] = Number(fields.get(key));
  if (fields.has('mode')) mount.mode = parseInt(fields.get('mode') as string, 8);
  return mount;
}

function pairs(ctx: DecodeContext, raw: RawInstruction): Array<[string, string]> {
  const words = splitRaw(raw.args, ctx.escape);
  const first = words[0] ?? '';
  if (!first.includes('=')) {
    // Legacy `ENV KEY value with spaces`.
    if (words.length < 2) fail(ctx, raw, `${JSON.stringify(first)} needs a value`, 'use KEY=VALUE');
    const value = raw.args.slice(raw.args.indexOf(first) + first.length).trim();
    return [[expandWord(first, ctx.lookup, ctx.escape), expandWord(value, ctx.lookup, ctx.escape)]];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) fail(ctx, raw, `${JSON.stringify(word)} is not KEY=VALUE`);
    return [expandWord(word.slice(0, eq), ctx.lookup, ctx.escape), expandWord(word.slice(eq + 1), ctx.lookup, ctx.escape)];
  });
}

function healthcheck(ctx: DecodeContext, raw: RawInstruction): NonNullable<ContainerConfig['Healthcheck']> | null {
  const words = raw.args.trim();
  if (/^none$/i.test(words)) return null;
  const m = /^CMD\s+([\s\S]*)$/i.exec(words);
  if (!m) fail(ctx, raw, 'expected CMD or NONE');
  checkFlags(ctx, raw, ['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
  const command = commandForm(m[1] as string);
  const test = 'exec' in command ? ['CMD', ...command.exec] : ['CMD-SHELL', command.shell];
  const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: test };
  const durations: Array<[string, 'Interval' | 'Timeout' | 'StartPeriod']> = [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod']];
  for (const [name, key] of durations) {
    const value = flag(raw, name);
    if (value === undefined) continue;
    const ns = parseDuration(value);
    if (ns === undefined) fail(ctx, raw, `--${name}=${value} is not a duration`, 'e.g. 30s, 1m30s');
    (hc as Record<string, unknown>)[key] = ns;
  }
  const retries = flag(raw, 'retries');
  if (retries !== undefined) {
    if (!/^\d+$/.test(retries)) fail(ctx, raw, `--retries=${retries} is not a number`);
    (hc as Record<string, unknown>).Retries = Number(retries);
  }
  return hc;
}

/** Decode one instruction with the scope in force at its position. */
export function decodeInstruction(raw: RawInstruction, ctx: DecodeContext): Decoded {
  try {
    return decode(raw, ctx);
  } catch (error) {
    if (error instanceof DockerfileSyntaxError) throw error;
    throw syntaxError(ctx.file, raw, error);
  }
}

function decode(raw: RawInstruction, ctx: DecodeContext): Decoded {
  const words = () => expandWords(raw.args, ctx.lookup, ctx.escape);
  switch (raw.keyword) {
    case 'RUN': {
      checkFlags(ctx, raw, ['mount', 'network', 'security']);
      const mounts = raw.flags.filter((f) => f.name === 'mount').map((f) => parseMount(ctx, raw, f.value ?? ''));
      const network = (flag(raw, 'network') ?? 'default') as 'default' | 'none' | 'host';
      if (!['default', 'none', 'host'].includes(network)) fail(ctx, raw, `--network=${network} is not supported`, 'use default, none or host');
      return { kind: 'RUN', command: commandForm(raw.args), heredocs: raw.heredocs, mounts, network };
    }
    case 'COPY':
    case 'ADD': {
      checkFlags(ctx, raw, raw.keyword === 'COPY' ? ['from', 'chown', 'chmod', 'link'] : ['chown', 'chmod', 'link', 'from']);
      const exec = execForm(raw.args);
      const list = exec ? exec.map((w) => expandWord(w, ctx.lookup, ctx.escape)) : words();
      const heredocNames = new Set(raw.heredocs.map((h) => h.name));
      const sources = list.slice(0, -1).filter((s) => !/^<<-?["']?[A-Za-z_]/.test(s) || !heredocNames.has(s.replace(/^<<-?["']?|["']$/g, '')));
      const dest = list[list.length - 1];
      if (dest === undefined || (sources.length === 0 && raw.heredocs.length === 0)) fail(ctx, raw, 'requires at least one source and a destination');
      const decoded: Decoded = { kind: raw.keyword, sources, dest, heredocs: raw.heredocs, link: flag(raw, 'link') !== undefined && flag(raw, 'link') !== 'false' };
      const from = flag(raw, 'from');
      if (from) decoded.from = expandWord(from, ctx.lookup, ctx.escape);
      const chown = flag(raw, 'chown');
      if (chown) decoded.chown = expandWord(chown, ctx.lookup, ctx.escape);
      const chmod = flag(raw, 'chmod');
      if (chmod) {
        const value = expandWord(chmod, ctx.lookup, ctx.escape);
        if (!/^[0-7]{3,4}$/.test(value)) fail(ctx, raw, `--chmod=${value} is not an octal mode`);
        decoded.chmod = parseInt(value, 8);
      }
      return decoded;
    }
    case 'ENV':
    case 'LABEL':
      return { kind: raw.keyword, pairs: pairs(ctx, raw) };
    case 'ARG':
      return { kind: 'ARG', decls: parseArgDeclarations(raw, ctx.file, ctx.escape) };
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER': {
      const value = expandWord(raw.args.trim(), ctx.lookup, ctx.escape);
      if (value === '') fail(ctx, raw, 'needs a value');
      return { kind: raw.keyword, value };
    }
    case 'EXPOSE':
      return { kind: 'EXPOSE', values: words() };
    case 'VOLUME': {
      const exec = execForm(raw.args);
      const values = exec ? exec.map((w) => expandWord(w, ctx.lookup, ctx.escape)) : words();
      if (values.some((v) => v === '')) fail(ctx, raw, 'empty volume path');
      return { kind: 'VOLUME', values };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: raw.keyword, command: raw.args.trim() === '' ? undefined : commandForm(raw.args) };
    case 'SHELL': {
      const exec = execForm(raw.args);
      if (!exec || exec.length === 0) fail(ctx, raw, 'requires a JSON array, e.g. ["/bin/sh", "-c"]');
      return { kind: 'SHELL', shell: exec };
    }
    case 'HEALTHCHECK':
      return { kind: 'HEALTHCHECK', healthcheck: healthcheck(ctx, raw) };
    case 'ONBUILD': {
      const trigger = raw.args.trim();
      const keyword = trigger.split(/\s+/, 1)[0]?.toUpperCase();
      if (keyword === 'ONBUILD' || keyword === 'FROM' || keyword === 'MAINTAINER') fail(ctx, raw, `${keyword} is not allowed as an ONBUILD trigger`);
      return { kind: 'ONBUILD', trigger };
    }
    default:
      return fail(ctx, raw, 'unknown instruction');
  }
}
