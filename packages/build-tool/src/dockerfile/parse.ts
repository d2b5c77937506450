import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { DockerfileSyntaxError } from '../errors.js';

export interface InstructionFlag {
  name: string;
  /** undefined for a bare `--flag`. */
  value: string | undefined;
}

export interface HeredocBody {
  name: string;
  /** The lines between the marker and the delimiter, with a final newline. */
  body: string;
  /** Unquoted delimiter: variables in the body are expanded (for COPY) or left to the shell (RUN). */
  expand: boolean;
}

/** One instruction as written: keyword, flags, argument text (continuations joined), heredocs, position. */
export interface RawInstruction {
  keyword: string;
  flags: InstructionFlag[];
  /** Arguments without the flags; with heredocs, only the first line. */
  args: string;
  heredocs: HeredocBody[];
  /** 1-based. */
  line: number;
  column: number;
  /** `KEYWORD args` on one line, for progress and history. */
  text: string;
}

export interface StageSource {
  index: number;
  from: RawInstruction;
  instructions: RawInstruction[];
}

export interface ParsedDockerfile {
  file: string;
  escape: string;
  /** ARG instructions before the first FROM. */
  globalArgs: RawInstruction[];
  stages: StageSource[];
}

export const KEYWORDS = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD',
  'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;

const FLAGGED = new Set(['RUN', 'COPY', 'ADD', 'FROM', 'HEALTHCHECK']);
const HEREDOC_MARKER = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

function flagsOf(instruction: Instruction): InstructionFlag[] {
  const withFlags = instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  if (!FLAGGED.has(instruction.getKeyword()) || typeof withFlags.getFlags !== 'function') return [];
  return withFlags.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() ?? undefined }));
}

/** Split heredoc bodies off an argument text whose first line carries `<<NAME` markers. */
export function splitHeredocs(content: string, file: string, line: number, column: number): { args: string; heredocs: HeredocBody[] } {
  const newline = content.indexOf('\n');
  const first = newline < 0 ? content : content.slice(0, newline);
  const markers = [...first.matchAll(HEREDOC_MARKER)];
  if (markers.length === 0) return { args: content, heredocs: [] };
  const lines = newline < 0 ? [] : content.slice(newline + 1).split('\n');
  const heredocs: HeredocBody[] = [];
  let at = 0;
  for (const marker of markers) {
    const [, dash, quote, name] = marker as unknown as [string, string, string, string];
    const body: string[] = [];
    for (;;) {
      if (at >= lines.length) throw new DockerfileSyntaxError(file, line, column, `unterminated heredoc <<${name}`, { hint: `end it with a line holding only ${name}` });
      let text = lines[at++] as string;
      if (dash) text = text.replace(/^\t+/, '');
      if (text === name) break;
      body.push(text);
    }
    heredocs.push({ name, body: body.length ? `${body.join('\n')}\n` : '', expand: quote === '' });
  }
  return { args: first, heredocs };
}

function toRaw(instruction: Instruction, file: string): RawInstruction {
  const range = instruction.getRange();
  const line = range.start.line + 1;
  const column = range.start.character + 1;
  const keyword = instruction.getKeyword().toUpperCase();
  if (!(KEYWORDS as readonly string[]).includes(keyword)) {
    throw new DockerfileSyntaxError(file, line, column, `unknown instruction: ${instruction.getInstruction()}`, {
      hint: `known instructions: ${KEYWORDS.join(' ')}`,
    });
  }
  const content = instruction.getArgumentsContent() ?? '';
  const { args, heredocs } = splitHeredocs(content, file, line, column);
  const flags = flagsOf(instruction);
  const flagText = flags.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`)).join(' ');
  const text = [keyword, flagText, args.replace(/\s*\n\s*/g, ' ').trim()].filter(Boolean).join(' ');
  return { keyword, flags, args: args.trim(), heredocs, line, column, text };
}

/** Parse Dockerfile text into global ARGs and stages; structural errors carry file:line:column. */
export function parseDockerfile(source: string, file = 'Dockerfile'): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(source);
  const escape = dockerfile.getEscapeCharacter();
  const globalArgs: RawInstruction[] = [];
  const stages: StageSource[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const raw = toRaw(instruction, file);
    if (raw.keyword === 'FROM') {
      if (raw.args === '') throw new DockerfileSyntaxError(file, raw.line, raw.column, 'FROM requires an image name');
      stages.push({ index: stages.length, from: raw, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (raw.keyword !== 'ARG') {
        throw new DockerfileSyntaxError(file, raw.line, raw.column, `${raw.keyword} before the first FROM`, { hint: 'only ARG may come before FROM' });
      }
      globalArgs.push(raw);
      continue;
    }
    checkArity(raw, file);
    stage.instructions.push(raw);
  }
  if (stages.length === 0) throw new DockerfileSyntaxError(file, 1, 1, 'no FROM instruction', { hint: 'a Dockerfile starts with FROM IMAGE (ARGs may come first)' });
  return { file, escape, globalArgs, stages };
}

function checkArity(raw: RawInstruction, file: string): void {
  const empty = raw.args === '' && raw.heredocs.length === 0;
  const noArgsOk = raw.keyword === 'CMD' || raw.keyword === 'ENTRYPOINT';
  if (empty && !noArgsOk) throw new DockerfileSyntaxError(file, raw.line, raw.column, `${raw.keyword} requires at least one argument`);
  if ((raw.keyword === 'COPY' || raw.keyword === 'ADD') && raw.heredocs.length === 0 && !raw.args.startsWith('[')) {
    if (raw.args.split(/\s+/).length < 2) throw new DockerfileSyntaxError(file, raw.line, raw.column, `${raw.keyword} requires at least two arguments: SOURCE... DEST`);
  }
}

/** Exec form (a JSON array of strings) or undefined for shell form; the AST's own getter drops spaces. */
export function execForm(args: string): string[] | undefined {
  const text = args.trim();
  if (!text.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // not JSON: BuildKit runs it as shell form
  }
  return undefined;
}
