import { formatPlatform, type Platform } from '@ocikit/oci-image';
import { DockerfileSyntaxError } from '../errors.js';
import type { ParsedDockerfile, RawInstruction } from './parse.js';
import { expandWord, ExpansionError, splitRaw, type Lookup } from './shell-lex.js';

export interface ArgDeclaration {
  name: string;
  /** The default as written (unexpanded), or undefined for `ARG NAME`. */
  default: string | undefined;
}

/** Build args every build defines (BuildKit's automatic platform args). */
export function platformArgs(target: Platform, build: Platform): Record<string, string> {
  return {
    TARGETPLATFORM: formatPlatform(target),
    TARGETOS: target.os,
    TARGETARCH: target.architecture,
    TARGETVARIANT: target.variant ?? '',
    BUILDPLATFORM: formatPlatform(build),
    BUILDOS: build.os,
    BUILDARCH: build.architecture,
    BUILDVARIANT: build.variant ?? '',
  };
}

/** Args that need no ARG line to be passed with --build-arg (and stay out of history). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export function syntaxError(file: string, raw: RawInstruction, error: unknown): DockerfileSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  return new DockerfileSyntaxError(file, raw.line, raw.column, `${raw.keyword}: ${message}`, { cause: error });
}

/** `ARG A B=1 C="x y"` as declarations. */
export function parseArgDeclarations(raw: RawInstruction, file: string, escape: string): ArgDeclaration[] {
  try {
    return splitRaw(raw.args, escape).map((word) => {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ExpansionError(`invalid ARG name ${JSON.stringify(name)}`, 0);
      return { name, default: eq < 0 ? undefined : word.slice(eq + 1) };
    });
  } catch (error) {
    throw syntaxError(file, raw, error);
  }
}

/**
 * The global scope: platform args, then the ARGs before the first FROM in
 * order, each taking its --build-arg value over its default. FROM lines and
 * `ARG NAME` inside a stage read from it.
 */
export function globalArgScope(parsed: ParsedDockerfile, buildArgs: Readonly<Record<string, string>>, platform: Record<string, string>): Map<string, string> {
  const scope = new Map<string, string>(Object.entries(platform));
  for (const raw of parsed.globalArgs) {
    for (const decl of parseArgDeclarations(raw, parsed.file, parsed.escape)) {
      const given = buildArgs[decl.name];
      if (given !== undefined) scope.set(decl.name, given);
      else if (decl.default !== undefined) scope.set(decl.name, expandOrThrow(decl.default, lookupIn(scope), parsed.escape, parsed.file, raw));
      else scope.delete(decl.name);
    }
  }
  return scope;
}

export function lookupIn(...maps: ReadonlyArray<ReadonlyMap<string, string>>): Lookup {
  return (name) => {
    for (const map of maps) {
      const value = map.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export function expandOrThrow(text: string, lookup: Lookup, escape: string, file: string, raw: RawInstruction): string {
  try {
    return expandWord(text, lookup, escape);
  } catch (error) {
    throw syntaxError(file, raw, error);
  }
}
