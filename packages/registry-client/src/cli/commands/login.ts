import type { CommandModule } from 'yargs';
import { UsageError } from '@ocikit/oci-image/cli';
import { withExamples, type Argv } from '../options.js';

async function loginFile(argv: Argv): Promise<string> {
  const { defaultLoginFile } = await import('../../auth/credentials.js');
  return (argv.authfile as string | undefined) ?? defaultLoginFile(process.env);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const loginCommand: CommandModule = {
  command: 'login <registry>',
  describe: 'check credentials against a registry and store them in auth.json (mode 0600)',
  builder: (y) =>
    withExamples(
      y
        .option('username', { alias: 'u', type: 'string' })
        .option('password', { alias: 'p', type: 'string', describe: 'prefer --password-stdin: arguments are visible to other users' })
        .option('password-stdin', { type: 'boolean' })
        .option('authfile', { type: 'string' })
        .option('tls-verify', { type: 'boolean' })
        .option('cert-dir', { type: 'string' }),
      [['echo "$PW" | $0 login -u me --password-stdin localhost:5000', '']],
    ),
  handler: async (raw) => {
    const argv = raw as Argv;
    const username = argv.username as string | undefined;
    if (!username) throw new UsageError('login needs --username');
    const password = argv['password-stdin'] ? await readStdin() : (argv.password as string | undefined);
    if (password === undefined) throw new UsageError('login needs --password or --password-stdin');
    const { login } = await import('../../auth/login.js');
    const registry = (argv.registry as string).replace(/^docker:\/\//, '').replace(/\/.*$/, '');
    await login({
      registry,
      username,
      password,
      authFile: await loginFile(argv),
      ...(argv['tls-verify'] !== undefined ? { tlsVerify: argv['tls-verify'] as boolean } : {}),
      ...(argv['cert-dir'] ? { certDir: argv['cert-dir'] as string } : {}),
    });
    process.stderr.write('Login Succeeded!\n');
  },
};

export const logoutCommand: CommandModule = {
  command: 'logout [registry]',
  describe: 'remove stored credentials of a registry (or --all)',
  builder: (y) => y.option('all', { alias: 'a', type: 'boolean' }).option('authfile', { type: 'string' }),
  handler: async (raw) => {
    const argv = raw as Argv;
    if (!argv.registry && !argv.all) throw new UsageError('name a registry or pass --all');
    const { logout } = await import('../logout.js');
    await logout(argv, await loginFile(argv));
  },
};
