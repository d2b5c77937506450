/**
 * `oci-pod run [flags] IMAGE CMD...` and `exec [flags] CTR CMD...`: flags
 * after IMAGE (or CTR) belong to the command, not to oci-pod. yargs cannot
 * stop parsing inside one subcommand, so a `--` goes in after that
 * positional before yargs sees the arguments.
 */
const BOOLEAN_FLAGS = new Set([
  'rootfs', 'rm', 'detach', 'interactive', 'tty', 'read-only', 'init', 'debug', 'help', 'version', 'privileged',
  'no-rootfs', 'no-rm',
]);
const BOOLEAN_SHORT = new Set(['d', 'i', 't', 'h']);
const SPLIT_AFTER: Record<string, number> = { run: 1, exec: 1 };

export function separateCommand(args: string[]): string[] {
  let positionals = 0;
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') return args;
    if (token.startsWith('--')) {
      if (!token.includes('=') && !BOOLEAN_FLAGS.has(token.slice(2))) i++;
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      const letters = token.slice(1);
      if (![...letters].every((l) => BOOLEAN_SHORT.has(l))) {
        // -e VALUE, or -eVALUE / -it with a value flag last (-ite X is not valid podman either)
        const firstValue = [...letters].findIndex((l) => !BOOLEAN_SHORT.has(l));
        if (firstValue === letters.length - 1) i++;
      }
      continue;
    }
    if (command === undefined) {
      command = token;
      if (!(token in SPLIT_AFTER)) return args;
      continue;
    }
    positionals++;
    if (positionals === SPLIT_AFTER[command]) return args[i + 1] === '--' ? args : [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
  }
  return args;
}
