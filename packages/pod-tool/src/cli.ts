import { separateCommand } from './cli/argv.js';
import { fastParse } from './cli/fast.js';

// No top-level await: the CLI is bundled as CommonJS (see docs/architecture-decisions.md).
async function main(): Promise<void> {
  const args = separateCommand(process.argv.slice(2));
  const fast = await fastParse(args);
  if (fast) {
    // Same contract as runCli: one line per error, exit 1 (2 for usage), a stack only with --debug.
    const { asOciError } = await import('@ocikit/oci-image/errors');
    const { UsageError } = await import('@ocikit/oci-image/cli');
    try {
      await (await fast.def.handler())(fast.argv);
    } catch (thrown) {
      const error = asOciError(thrown);
      process.stderr.write(`oci-pod: ${error.toLine()}\n`);
      if (fast.argv.debug) process.stderr.write(`${(thrown as Error)?.stack ?? thrown}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    }
  } else {
    const { runCli } = await import('@ocikit/oci-image/cli');
    const { podCommands } = await import('./cli/commands.js');
    await runCli({ name: 'oci-pod', packageJson: new URL('../package.json', import.meta.url), commands: podCommands, argv: args });
  }
}

void main();

