import type { Argv } from 'yargs';
import { readFileSync, writeSync } from 'node:fs';
import type { ArchiveStdio } from '../transports/oci-archive.js';
import { asOciError, OciError } from '../errors.js';

/** Raised for bad flags or arguments: exit code 2. */
export class UsageError extends OciError {
  constructor(message: string, hint?: string) {
    super('ERR_OCI_USAGE', message, hint ? { hint } : {});
  }
}

export interface CliSpec {
  /** The bin name, e.g. oci-image. */
  name: string;
  /** The package's package.json, read for its version only when yargs shows it (--version). */
  packageJson: URL;
  /** Adds the commands; each handler lazy-imports what it needs. */
  commands: (parser: Argv) => Argv;
  argv?: string[];
}

/** The version in a package.json (a CLI's `--version`). */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/**
 * The shared CLI runner: a command handler calls one library function, errors
 * print as one line (code, message, hint) with exit 1, usage errors exit 2,
 * and a stack trace only with --debug. A plainly valid line runs without
 * loading yargs (fast-path.ts); everything else is parsed by yargs.
 */
export async function runCli(spec: CliSpec): Promise<void> {
  const argv = spec.argv ?? process.argv.slice(2);
  const debug = argv.includes('--debug');
  // A command whose promise never settles (a stuck stream) must not exit 0.
  let settled = false;
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write(`${spec.name}: ERR_OCI_INTERNAL: the command stopped before it finished\n`);
    process.exitCode = 1;
  });
  try {
    const { plainCommand } = await import('./fast-path.js');
    const plain = await plainCommand(argv, spec.commands, { debug: { type: 'boolean' } });
    if (plain) await plain.handler(plain.args);
    else await runWithYargs(spec, argv);
    settled = true;
  } catch (thrown) {
    settled = true;
    const error = asOciError(thrown);
    process.stderr.write(`${spec.name}: ${error.toLine()}\n`);
    if (debug) process.stderr.write(`${(thrown as Error)?.stack ?? thrown}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

/** The full yargs path: help, version, usage errors, and anything the fast path leaves. */
async function runWithYargs(spec: CliSpec, argv: string[]): Promise<void> {
  const { default: yargs } = await import('yargs/yargs');
  const parser = spec
    .commands(
      yargs(argv)
        .scriptName(spec.name)
        .option('debug', { type: 'boolean', describe: 'print stack traces and debug logs', global: true })
        .strict()
        .demandCommand(1, 'name a command')
        .recommendCommands()
        .version(packageVersion(spec.packageJson))
        .help()
        .alias('h', 'help')
        .wrap(null),
    )
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message ?? 'bad usage', `see ${spec.name} --help`);
    });
  // yargs renders and caches the help text before every command handler, so
  // that showHelp() works after an async handler; we never show help after a
  // handler ran (errors are one line), and the render costs 10-15 ms.
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (internals && typeof internals.cacheHelpMessage === 'function') internals.cacheHelpMessage = () => {};
  await parser.parseAsync();
}

/**
 * stdin and stdout for `oci-archive:-`, taken only when an archive reference
 * uses them: touching process.stdin costs 5 to 7 ms of start-up.
 */
export function processStdio(): ArchiveStdio {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
  };
}

/**
 * Write to standard output. Straight to fd 1 first: making process.stdout
 * costs 2-3 ms of start-up (a pipe loads net), and on Linux its writes are
 * synchronous anyway, so order with earlier stream writes is kept. Whatever
 * fd 1 does not take at once (a full non-blocking pipe, EPIPE, a partial
 * write) goes through process.stdout. A reader that went away (`| head`)
 * is not an error: the command stops quietly, as cat does.
 */
export function writeOut(data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    if (process.stdout.listenerCount('error') === 0) {
      process.stdout.on('error', (late: NodeJS.ErrnoException) => {
        if (late.code === 'EPIPE') process.exit(0);
        throw late;
      });
    }
    process.stdout.write(bytes.subarray(written));
  }
}

/** Write a line (or JSON) to stdout. */
export function printLine(text: string): void {
  writeOut(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

export type OutputFormat = 'text' | 'json';

export const formatOption = {
  format: { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' },
};

/** A logger for libraries: debug lines only with --debug, to stderr. */
export function stderrLogger(debug: boolean | undefined) {
  return {
    debug: (m: string) => {
      if (debug) process.stderr.write(`debug: ${m}\n`);
    },
    info: (m: string) => process.stderr.write(`${m}\n`),
    warn: (m: string) => process.stderr.write(`warning: ${m}\n`),
  };
}

/** Abort on SIGINT/SIGTERM so writers clean their temporary files up. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new OciError('ERR_OCI_ABORTED', `interrupted by ${name}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller.signal;
}
