import { execInContainer, type ExecOptions } from '../containers/exec.js';
import { findRecord } from '../containers/records.js';
import { parseEnv } from '../options/parse.js';
import { contextFromArgs, strings } from './context.js';

export default async function exec(argv: Record<string, unknown>): Promise<void> {
  const context = contextFromArgs(argv);
  const record = await findRecord(context.paths, String(argv.container));
  const options: ExecOptions = {
    command: [...strings(argv.command), ...strings((argv._ as unknown[]).slice(1))],
    env: parseEnv(strings(argv.env), process.env),
    tty: Boolean(argv.tty),
    detach: Boolean(argv.detach),
    stdio: [argv.interactive || argv.tty ? 'inherit' : 'ignore', 'inherit', 'inherit'],
  };
  if (argv.tty) options.ttyHost = process.stdin.isTTY ? 'stdin' : 'script';
  if (argv.workdir !== undefined) options.workdir = String(argv.workdir);
  if (argv.user !== undefined) options.user = String(argv.user);
  process.exitCode = await execInContainer(context, record, options);
}
