import { asOciError, OciError } from '@ocikit/oci-image';
import { packageVersion, UsageError, writeOut } from '@ocikit/oci-image/cli';
import { commandHelp, parseArgs, programHelp } from './cli/args.js';
import { COMMANDS } from './cli/specs.js';
import { runCommand } from './cli/dispatch.js';

/**
 * oci-inspect: parse, run one command, print. Errors print as one line (code,
 * message, hint) with exit 1, usage errors exit 2, a stack only with --debug.
 */
async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(programHelp(COMMANDS));
    if (name === undefined) process.exitCode = 2;
    return;
  }
  if (name === '--version') {
    writeOut(`${packageVersion(new URL('../package.json', import.meta.url))}\n`);
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`, `commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  const args = parseArgs(command, rest);
  if (args.options.help) {
    writeOut(commandHelp(command));
    return;
  }
  await runCommand(command.name, args, process.env);
}

const isBrokenPipe = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'EPIPE' || ((error as { cause?: unknown })?.cause as NodeJS.ErrnoException)?.code === 'EPIPE';

// A reader that stops early (`| head`) is not an error: stop quietly, as cat does
// (writeOut does so for printed output, this catch for streamed file contents).

const argv = process.argv.slice(2);
main(argv).catch((thrown: unknown) => {
  if (isBrokenPipe(thrown)) process.exit(0);
  const error = thrown instanceof OciError ? thrown : asOciError(thrown);
  process.stderr.write(`oci-inspect: ${error.toLine()}\n`);
  if (argv.includes('--debug')) process.stderr.write(`${(thrown as Error)?.stack ?? thrown}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
