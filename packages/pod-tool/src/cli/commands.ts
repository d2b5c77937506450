import type { Argv } from 'yargs';

/**
 * Every oci-pod command: option definitions only. Handlers import what they
 * need when they run, so `oci-pod ps` does not load the run machinery.
 */
type Args = Record<string, unknown>;
type Handler = (argv: Args) => Promise<void>;

const lazy = (load: () => Promise<{ default: Handler }>) => async (argv: Args) => (await load()).default(argv);

const list = { type: 'string' as const, array: true as const, default: [] as string[] };

export function podCommands(parser: Argv): Argv {
  return parser
    .parserConfiguration({ 'greedy-arrays': false })
    .option('runroot', { type: 'string', default: '/run/ocikit', describe: 'state of running containers', global: true })
    .option('root', { type: 'string', describe: 'the image store (default: as oci-storage, /var/lib/ocikit/storage for root)', global: true })
    .option('runtime', { type: 'string', default: 'runc', describe: 'OCI runtime: runc, crun or a path', global: true })
    .option('cni-path', { type: 'string', default: '/usr/lib/cni', describe: 'directory of the CNI plugins', global: true })
    .command({
      command: 'run <image> [command..]',
      describe: 'run a command in a new container (IMAGE is a reference, or a directory with --rootfs)',
      builder: (y) =>
        y
          .option('rootfs', { type: 'boolean', describe: 'IMAGE is a root filesystem directory, used in place' })
          .option('name', { type: 'string' })
          .option('rm', { type: 'boolean', describe: 'remove the container when it exits' })
          .option('detach', { alias: 'd', type: 'boolean', describe: 'run in the background, print the id' })
          .option('interactive', { alias: 'i', type: 'boolean', describe: 'keep stdin attached' })
          .option('tty', { alias: 't', type: 'boolean', describe: 'allocate a terminal' })
          .option('env', { alias: 'e', ...list, describe: 'set KEY=VALUE (KEY alone takes this shell\'s value)' })
          .option('env-file', { ...list })
          .option('workdir', { alias: 'w', type: 'string' })
          .option('user', { alias: 'u', type: 'string', describe: 'USER[:GROUP] or UID[:GID]' })
          .option('entrypoint', { type: 'string', describe: 'replace the image entrypoint (a JSON array or one command)' })
          .option('volume', { alias: 'v', ...list, describe: 'bind mount HOST:CONTAINER[:ro]' })
          .option('mount', { ...list, describe: 'type=bind|tmpfs,source=..,target=..[,ro]' })
          .option('read-only', { type: 'boolean', describe: 'mount the root filesystem read-only' })
          .option('hostname', { type: 'string' })
          .option('cap-add', { ...list })
          .option('cap-drop', { ...list })
          .option('security-opt', { ...list, describe: 'no-new-privileges' })
          .option('memory', { alias: 'm', type: 'string', describe: 'memory limit, e.g. 256m' })
          .option('cpus', { type: 'string', describe: 'CPU limit, e.g. 0.5' })
          .option('pids-limit', { type: 'string' })
          .option('ulimit', { ...list, describe: 'NAME=SOFT[:HARD]' })
          .option('init', { type: 'boolean', describe: 'run catatonit as pid 1' })
          .option('network', { alias: 'net', type: 'string', default: 'none', describe: 'none, host or bridge' })
          .option('publish', { alias: 'p', ...list, describe: '[IP:]HOST-PORT:CONTAINER-PORT[/PROTO] (bridge)' })
          .option('pod', { type: 'string', describe: 'join a pod' })
          .option('label', { alias: 'l', ...list })
          .option('stop-timeout', { type: 'number' })
          .option('preserve-fds', { type: 'number', describe: 'pass fds 3..3+N-1 into the container' }),
      handler: lazy(() => import('./run-command.js')),
    })
    .command({
      command: 'ps',
      describe: 'list containers',
      builder: (y) => y.option('all', { alias: 'a', type: 'boolean' }).option('quiet', { alias: 'q', type: 'boolean' }).option('format', { choices: ['text', 'json'], default: 'text' }),
      handler: lazy(() => import('./ps-command.js')),
    })
    .command({
      command: 'logs <container>',
      describe: 'print the output of a detached container',
      builder: (y) => y.option('follow', { alias: 'f', type: 'boolean' }).option('tail', { type: 'number' }),
      handler: lazy(() => import('./logs-command.js')),
    })
    .command({
      command: 'exec <container> [command..]',
      describe: 'run a command in a running container',
      builder: (y) =>
        y
          .option('interactive', { alias: 'i', type: 'boolean' })
          .option('tty', { alias: 't', type: 'boolean' })
          .option('detach', { alias: 'd', type: 'boolean' })
          .option('env', { alias: 'e', ...list })
          .option('workdir', { alias: 'w', type: 'string' })
          .option('user', { alias: 'u', type: 'string' }),
      handler: lazy(() => import('./exec-command.js')),
    })
    .command({
      command: 'start <containers..>',
      describe: 'start created or exited containers in the background',
      handler: lazy(() => import('./start-command.js')),
    })
    .command({
      command: 'stop <containers..>',
      describe: 'stop containers: the stop signal, SIGKILL after the timeout',
      builder: (y) => y.option('time', { alias: 't', type: 'number', describe: 'seconds before SIGKILL' }),
      handler: lazy(() => import('./control-commands.js').then((m) => ({ default: m.stop }))),
    })
    .command({
      command: 'kill <containers..>',
      describe: 'send a signal to containers',
      builder: (y) => y.option('signal', { alias: 's', type: 'string', default: 'SIGKILL' }),
      handler: lazy(() => import('./control-commands.js').then((m) => ({ default: m.kill }))),
    })
    .command({
      command: 'wait <containers..>',
      describe: 'wait for containers to exit and print their exit codes',
      handler: lazy(() => import('./control-commands.js').then((m) => ({ default: m.wait }))),
    })
    .command({
      command: 'rm <containers..>',
      describe: 'remove containers',
      builder: (y) => y.option('force', { alias: 'f', type: 'boolean', describe: 'kill running containers first' }),
      handler: lazy(() => import('./control-commands.js').then((m) => ({ default: m.rm }))),
    })
    .command({
      command: 'inspect <containers..>',
      describe: 'print what is known about containers (JSON)',
      handler: lazy(() => import('./control-commands.js').then((m) => ({ default: m.inspect }))),
    })
    .command({
      command: 'pull <image>',
      describe: 'copy an image into the store; prints its reference with digest',
      handler: lazy(() => import('./image-commands.js').then((m) => ({ default: m.pull }))),
    })
    .command({
      command: 'images',
      describe: 'list images in the store',
      builder: (y) => y.option('format', { choices: ['text', 'json'], default: 'text' }).option('quiet', { alias: 'q', type: 'boolean' }),
      handler: lazy(() => import('./image-commands.js').then((m) => ({ default: m.images }))),
    })
    .command({
      command: 'rmi <images..>',
      describe: 'remove images from the store',
      builder: (y) => y.option('force', { alias: 'f', type: 'boolean' }),
      handler: lazy(() => import('./image-commands.js').then((m) => ({ default: m.rmi }))),
    })
    .command({
      command: 'pod',
      describe: 'manage pods: create, ps, stop, rm, inspect',
      builder: (y) =>
        y
          .command({
            command: 'create',
            describe: 'create a pod: shared network, IPC and UTS namespaces held by catatonit',
            builder: (z) => z.option('name', { type: 'string' }).option('publish', { alias: 'p', ...list }).option('network', { type: 'string', default: 'none' }).option('hostname', { type: 'string' }),
            handler: lazy(() => import('./pod-commands.js').then((m) => ({ default: m.create }))),
          })
          .command({
            command: 'ps',
            describe: 'list pods',
            builder: (z) => z.option('format', { choices: ['text', 'json'], default: 'text' }),
            handler: lazy(() => import('./pod-commands.js').then((m) => ({ default: m.ps }))),
          })
          .command({
            command: 'stop <pods..>',
            describe: 'stop the containers of pods',
            builder: (z) => z.option('time', { alias: 't', type: 'number' }),
            handler: lazy(() => import('./pod-commands.js').then((m) => ({ default: m.stop }))),
          })
          .command({
            command: 'rm <pods..>',
            describe: 'remove pods and their containers',
            builder: (z) => z.option('force', { alias: 'f', type: 'boolean' }),
            handler: lazy(() => import('./pod-commands.js').then((m) => ({ default: m.rm }))),
          })
          .command({
            command: 'inspect <pod>',
            describe: 'print what is known about a pod (JSON)',
            handler: lazy(() => import('./pod-commands.js').then((m) => ({ default: m.inspect }))),
          })
          .demandCommand(1, 'name a pod command'),
      handler: () => {},
    })
    .command({
      command: 'generate',
      describe: 'generate kube YAML or a systemd unit',
      builder: (y) =>
        y
          .command({
            command: 'kube <name>',
            describe: 'Kubernetes Pod YAML for a container or pod',
            handler: lazy(() => import('./kube-commands.js').then((m) => ({ default: m.generateKube }))),
          })
          .command({
            command: 'systemd <container>',
            describe: 'a systemd unit that runs the container in the foreground',
            handler: lazy(() => import('./kube-commands.js').then((m) => ({ default: m.generateSystemd }))),
          })
          .demandCommand(1, 'name what to generate'),
      handler: () => {},
    })
    .command({
      command: 'play',
      describe: 'run Kubernetes YAML locally',
      builder: (y) =>
        y
          .command({
            command: 'kube <file>',
            describe: 'run the Pod (or Deployment pod template) of a YAML file',
            builder: (z) => z.option('down', { type: 'boolean', describe: 'stop and remove what the file created' }),
            handler: lazy(() => import('./kube-commands.js').then((m) => ({ default: m.playKube }))),
          })
          .demandCommand(1, 'name what to play'),
      handler: () => {},
    });
}
