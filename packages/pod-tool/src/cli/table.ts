/**
 * Every oci-pod command as data: its usage, positionals, options and a lazy
 * handler. yargs builds --help and the full parser from it; the fast path
 * (fast.ts) parses valid command lines from it directly.
 */
export type Args = Record<string, unknown>;
export type Handler = (argv: Args) => Promise<void>;

export interface OptionDef {
  type: 'boolean' | 'string' | 'number';
  array?: boolean;
  alias?: string;
  default?: unknown;
  choices?: string[];
  describe?: string;
}

export interface CommandDef {
  /** The words that name it: ['run'], ['pod', 'create']. */
  path: string[];
  /** yargs usage after the words, e.g. '<image> [command..]'. */
  args: string;
  describe: string;
  options: Record<string, OptionDef>;
  handler: () => Promise<Handler>;
}

const list = (describe?: string): OptionDef => ({ type: 'string', array: true, default: [], ...(describe ? { describe } : {}) });
const bool = (describe?: string, alias?: string): OptionDef => ({ type: 'boolean', ...(alias ? { alias } : {}), ...(describe ? { describe } : {}) });
const str = (describe?: string, alias?: string): OptionDef => ({ type: 'string', ...(alias ? { alias } : {}), ...(describe ? { describe } : {}) });
const format: OptionDef = { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'output format' };

export const GLOBAL_OPTIONS: Record<string, OptionDef> = {
  runroot: { type: 'string', default: '/run/ocikit', describe: 'state of running containers' },
  root: str('the image store (default: $OCIKIT_STORAGE_ROOT, else /var/lib/ocikit/storage for root; alias --storage-root)', 'storage-root'),
  runtime: { type: 'string', default: 'runc', describe: 'OCI runtime: runc, crun or a path' },
  'cni-path': { type: 'string', default: '/usr/lib/cni', describe: 'directory of the CNI plugins' },
  debug: bool('print stack traces and debug logs'),
};

const from = <K extends string>(load: () => Promise<Record<K, Handler>>, name: K) => async () => (await load())[name];
const control = () => import('./control-commands.js');
const imagesCmds = () => import('./image-commands.js');
const podCmds = () => import('./pod-commands.js');
const kubeCmds = () => import('./kube-commands.js');

export const COMMANDS: CommandDef[] = [
  {
    path: ['run'],
    args: '<image> [command..]',
    describe: 'run a command in a new container (IMAGE is a reference, or a directory with --rootfs)',
    options: {
      rootfs: bool('IMAGE is a root filesystem directory, used in place'),
      name: str(),
      rm: bool('remove the container when it exits'),
      detach: bool('run in the background, print the id', 'd'),
      interactive: bool('keep stdin attached', 'i'),
      tty: bool('allocate a terminal', 't'),
      env: { ...list("set KEY=VALUE (KEY alone takes this shell's value)"), alias: 'e' },
      'env-file': list(),
      workdir: str(undefined, 'w'),
      user: str('USER[:GROUP] or UID[:GID]', 'u'),
      entrypoint: str('replace the image entrypoint (a JSON array or one command)'),
      volume: { ...list('bind mount HOST:CONTAINER[:ro]'), alias: 'v' },
      mount: list('type=bind|tmpfs,source=..,target=..[,ro]'),
      'read-only': bool('mount the root filesystem read-only'),
      hostname: str(),
      'cap-add': list(),
      'cap-drop': list(),
      'security-opt': list('no-new-privileges'),
      memory: str('memory limit, e.g. 256m', 'm'),
      cpus: str('CPU limit, e.g. 0.5'),
      'pids-limit': str(),
      ulimit: list('NAME=SOFT[:HARD]'),
      init: bool('run catatonit as pid 1'),
      network: { type: 'string', alias: 'net', default: 'none', describe: 'none, host or bridge' },
      publish: { ...list('[IP:]HOST-PORT:CONTAINER-PORT[/PROTO] (bridge)'), alias: 'p' },
      pod: str('join a pod'),
      label: { ...list(), alias: 'l' },
      'stop-timeout': { type: 'number' },
      'preserve-fds': { type: 'number', describe: 'pass fds 3..3+N-1 into the container' },
    },
    handler: async () => (await import('./run-command.js')).default,
  },
  { path: ['ps'], args: '', describe: 'list containers', options: { all: bool(undefined, 'a'), quiet: bool(undefined, 'q'), format }, handler: async () => (await import('./ps-command.js')).default },
  { path: ['logs'], args: '<container>', describe: 'print the output of a detached container', options: { follow: bool(undefined, 'f'), tail: { type: 'number' } }, handler: async () => (await import('./logs-command.js')).default },
  {
    path: ['exec'],
    args: '<container> [command..]',
    describe: 'run a command in a running container',
    options: { interactive: bool(undefined, 'i'), tty: bool(undefined, 't'), detach: bool(undefined, 'd'), env: { ...list(), alias: 'e' }, workdir: str(undefined, 'w'), user: str(undefined, 'u') },
    handler: async () => (await import('./exec-command.js')).default,
  },
  { path: ['start'], args: '<containers..>', describe: 'start created or exited containers in the background', options: {}, handler: async () => (await import('./start-command.js')).default },
  { path: ['stop'], args: '<containers..>', describe: 'stop containers: the stop signal, SIGKILL after the timeout', options: { time: { type: 'number', alias: 't', describe: 'seconds before SIGKILL' } }, handler: from(control, 'stop') },
  { path: ['kill'], args: '<containers..>', describe: 'send a signal to containers', options: { signal: { type: 'string', alias: 's', default: 'SIGKILL' } }, handler: from(control, 'kill') },
  { path: ['wait'], args: '<containers..>', describe: 'wait for containers to exit and print their exit codes', options: {}, handler: from(control, 'wait') },
  { path: ['rm'], args: '<containers..>', describe: 'remove containers', options: { force: bool('kill running containers first', 'f') }, handler: from(control, 'rm') },
  { path: ['inspect'], args: '<containers..>', describe: 'print what is known about containers (JSON)', options: {}, handler: from(control, 'inspect') },
  { path: ['pull'], args: '<image>', describe: 'copy an image into the store; prints its reference with digest', options: {}, handler: from(imagesCmds, 'pull') },
  { path: ['images'], args: '', describe: 'list images in the store', options: { format, quiet: bool(undefined, 'q') }, handler: from(imagesCmds, 'images') },
  { path: ['rmi'], args: '<images..>', describe: 'remove images from the store', options: { force: bool(undefined, 'f') }, handler: from(imagesCmds, 'rmi') },
  {
    path: ['pod', 'create'],
    args: '',
    describe: 'create a pod: shared network, IPC and UTS namespaces held by catatonit',
    options: { name: str(), publish: { ...list(), alias: 'p' }, network: { type: 'string', default: 'none' }, hostname: str() },
    handler: from(podCmds, 'create'),
  },
  { path: ['pod', 'ps'], args: '', describe: 'list pods', options: { format }, handler: from(podCmds, 'ps') },
  { path: ['pod', 'stop'], args: '<pods..>', describe: 'stop the containers of pods', options: { time: { type: 'number', alias: 't' } }, handler: from(podCmds, 'stop') },
  { path: ['pod', 'rm'], args: '<pods..>', describe: 'remove pods and their containers', options: { force: bool(undefined, 'f') }, handler: from(podCmds, 'rm') },
  { path: ['pod', 'inspect'], args: '<pod>', describe: 'print what is known about a pod (JSON)', options: {}, handler: from(podCmds, 'inspect') },
  { path: ['generate', 'kube'], args: '<name>', describe: 'Kubernetes Pod YAML for a container or pod', options: {}, handler: from(kubeCmds, 'generateKube') },
  { path: ['generate', 'systemd'], args: '<container>', describe: 'a systemd unit that runs the container in the foreground', options: {}, handler: from(kubeCmds, 'generateSystemd') },
  { path: ['play', 'kube'], args: '<file>', describe: 'run the Pod (or Deployment pod template) of a YAML file', options: { down: bool('stop and remove what the file created') }, handler: from(kubeCmds, 'playKube') },
];

export const GROUPS: Record<string, string> = {
  pod: 'manage pods: create, ps, stop, rm, inspect',
  generate: 'generate kube YAML or a systemd unit',
  play: 'run Kubernetes YAML locally',
};
