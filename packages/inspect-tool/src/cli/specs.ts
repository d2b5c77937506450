import type { CommandSpec, OptionSpec } from './args.js';

/*
 * Every command's flags, as plain data: loading this costs nothing, and a
 * command's handler module (with the library code it needs) is imported only
 * when that command runs.
 */

const SOURCE_OPTIONS: Record<string, OptionSpec> = {
  platform: { type: 'string', describe: 'the image of an index for OS/ARCH[/VARIANT] (default: this machine)' },
  'override-os': { type: 'string', describe: 'choose the image of an index for this OS' },
  'override-arch': { type: 'string', describe: 'choose the image of an index for this architecture' },
  'override-variant': { type: 'string', describe: 'choose the image of an index for this variant' },
  'tls-verify': { type: 'boolean', default: true, describe: 'docker://: verify TLS certificates (--tls-verify=false for plain HTTP or self-signed)' },
  creds: { type: 'string', describe: 'docker://: USER[:PASSWORD] for the registry' },
  authfile: { type: 'string', describe: 'docker://: auth file (default: $REGISTRY_AUTH_FILE or the usual places)' },
  'cert-dir': { type: 'string', describe: 'docker://: folder with ca.crt and client certificates' },
  root: { type: 'string', describe: 'storage:: the store root (default: $OCIKIT_STORAGE_ROOT, then the system or user store)' },
  'storage-root': { type: 'string', describe: 'the same as --root' },
};

const FORMAT: OptionSpec = { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'output format' };
const REF = { name: 'ref', required: true, describe: 'image reference, e.g. oci:DIR:TAG or docker://HOST/REPO:TAG' };

export type CommandName = 'inspect' | 'ls' | 'cat' | 'history' | 'diff' | 'efficiency' | 'report';

export const COMMANDS: ReadonlyArray<CommandSpec & { name: CommandName }> = [
  {
    name: 'inspect',
    summary: 'Show what skopeo inspect shows (manifest and config only; no layer is read)',
    positionals: [REF],
    options: {
      raw: { type: 'boolean', describe: 'print the manifest (or index) bytes as stored' },
      config: { type: 'boolean', describe: 'print the image config (with --raw: its bytes as stored)' },
      format: { type: 'string', alias: 'f', describe: 'Go-template for one field, e.g. {{.Digest}} or {{json .Labels}}' },
      'no-tags': { type: 'boolean', alias: 'n', describe: 'docker://: do not list the repository tags (RepoTags stays empty; one request less)' },
      ...SOURCE_OPTIONS,
    },
    examples: ['oci-inspect inspect oci:./layout:app', "oci-inspect inspect --format '{{.Digest}}' docker://localhost:5000/app:1"],
  },
  {
    name: 'ls',
    summary: 'List the merged filesystem (whiteouts applied), streamed layer by layer',
    positionals: [REF, { name: 'path', required: false, describe: 'list below this path (default /)' }],
    options: {
      long: { type: 'boolean', alias: 'l', describe: 'modes, owners, sizes, times and link targets' },
      depth: { type: 'number', alias: 'd', describe: 'levels to list below PATH (default: all)' },
      format: FORMAT,
      ...SOURCE_OPTIONS,
    },
    examples: ['oci-inspect ls -l oci:./layout:app /etc'],
  },
  {
    name: 'cat',
    summary: 'Print one file of the image',
    positionals: [REF, { name: 'path', required: true, describe: 'absolute path inside the image' }],
    options: { ...SOURCE_OPTIONS },
    examples: ['oci-inspect cat oci:./layout:app /etc/os-release'],
  },
  {
    name: 'history',
    summary: 'Each build step with its layer, size, and files added, changed and removed',
    positionals: [REF],
    options: { format: FORMAT, ...SOURCE_OPTIONS },
  },
  {
    name: 'diff',
    summary: 'Files, config and packages that differ between two images',
    positionals: [REF, { name: 'ref2', required: true, describe: 'the image to compare with' }],
    options: {
      type: { type: 'string', repeatable: true, choices: ['file', 'config', 'apt', 'apk', 'npm'], describe: 'what to compare (default: all)' },
      format: FORMAT,
      ...SOURCE_OPTIONS,
    },
    examples: ['oci-inspect diff --type file --type apt oci:./layout:v1 oci:./layout:v2'],
  },
  {
    name: 'efficiency',
    summary: 'Bytes wasted by files that later layers overwrite or remove',
    positionals: [REF],
    options: {
      'lowest-efficiency': { type: 'number', describe: 'exit 1 when the efficiency (0..1) is below this' },
      top: { type: 'number', default: 10, describe: 'how many of the largest offenders to show' },
      format: FORMAT,
      ...SOURCE_OPTIONS,
    },
    examples: ['oci-inspect efficiency --lowest-efficiency 0.95 oci:./layout:app'],
  },
  {
    name: 'report',
    summary: 'One self-contained HTML page: layer chart, history, efficiency, file tree',
    positionals: [REF],
    options: { ...SOURCE_OPTIONS },
    examples: ['oci-inspect report oci:./layout:app > report.html'],
  },
];
