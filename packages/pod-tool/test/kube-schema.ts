/**
 * A structural check of Pod objects against the Kubernetes core/v1 schema,
 * for the fields oci-pod writes: every key must be a field the schema has
 * at that place, with the schema's type and format. (No network fetch of
 * the OpenAPI document: the field list below follows core/v1 Pod.)
 */
type Check = (value: unknown, path: string, problems: string[]) => void;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const str: Check = (v, p, out) => void (typeof v !== 'string' && out.push(`${p}: must be a string`));
const bool: Check = (v, p, out) => void (typeof v !== 'boolean' && out.push(`${p}: must be a boolean`));
const int = (min: number, max: number): Check => (v, p, out) => void ((!Number.isInteger(v) || (v as number) < min || (v as number) > max) && out.push(`${p}: must be an integer in ${min}..${max}`));
const pattern = (re: RegExp, what: string): Check => (v, p, out) => void ((typeof v !== 'string' || !re.test(v) || v.length > 63) && out.push(`${p}: must be ${what}`));
const oneOf = (...values: string[]): Check => (v, p, out) => void (!values.includes(v as string) && out.push(`${p}: must be one of ${values.join(', ')}`));
const strMap: Check = (v, p, out) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return void out.push(`${p}: must be a map`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') out.push(`${p}.${k}: must be a string`);
};
const quantityMap: Check = (v, p, out) => {
  strMap(v, p, out);
  for (const [k, x] of Object.entries((v as object) ?? {})) {
    if (!['cpu', 'memory', 'ephemeral-storage'].includes(k)) out.push(`${p}.${k}: unknown resource`);
    if (typeof x === 'string' && !QUANTITY.test(x)) out.push(`${p}.${k}: must be a quantity`);
  }
};
const list = (item: Check): Check => (v, p, out) => {
  if (!Array.isArray(v)) return void out.push(`${p}: must be a list`);
  v.forEach((x, i) => item(x, `${p}[${i}]`, out));
};
const object = (fields: Record<string, Check>, required: string[] = []): Check => (v, p, out) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return void out.push(`${p}: must be an object`);
  for (const key of required) if (!(key in v)) out.push(`${p}.${key}: required`);
  for (const [key, x] of Object.entries(v)) {
    const check = fields[key];
    if (!check) out.push(`${p}.${key}: not a field of the Kubernetes schema here`);
    else check(x, `${p}.${key}`, out);
  }
};

const container = object(
  {
    name: pattern(DNS_LABEL, 'a DNS-1123 label'),
    image: str,
    command: list(str),
    args: list(str),
    workingDir: str,
    env: list(object({ name: str, value: str }, ['name'])),
    ports: list(object({ containerPort: int(1, 65535), hostPort: int(1, 65535), hostIP: str, protocol: oneOf('TCP', 'UDP', 'SCTP'), name: str }, ['containerPort'])),
    volumeMounts: list(object({ name: str, mountPath: str, readOnly: bool, subPath: str }, ['name', 'mountPath'])),
    resources: object({ limits: quantityMap, requests: quantityMap }),
    securityContext: object({
      runAsUser: int(0, 2 ** 31 - 1),
      runAsGroup: int(0, 2 ** 31 - 1),
      readOnlyRootFilesystem: bool,
      allowPrivilegeEscalation: bool,
      privileged: bool,
      capabilities: object({ add: list(str), drop: list(str) }),
    }),
    stdin: bool,
    tty: bool,
  },
  ['name'],
);

const volume = object(
  {
    name: pattern(DNS_LABEL, 'a DNS-1123 label'),
    hostPath: object({ path: str, type: oneOf('', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice') }, ['path']),
    emptyDir: object({ medium: oneOf('', 'Memory'), sizeLimit: str }),
  },
  ['name'],
);

const pod = object(
  {
    apiVersion: oneOf('v1'),
    kind: oneOf('Pod'),
    metadata: object({ name: pattern(DNS_LABEL, 'a DNS-1123 name'), labels: strMap, annotations: strMap, namespace: str }, ['name']),
    spec: object(
      {
        containers: list(container),
        volumes: list(volume),
        hostname: pattern(DNS_LABEL, 'a DNS-1123 label'),
        restartPolicy: oneOf('Always', 'OnFailure', 'Never'),
        hostNetwork: bool,
      },
      ['containers'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

/** Problems of a Pod object; an empty list when it fits the schema. */
export function podSchemaProblems(value: unknown): string[] {
  const problems: string[] = [];
  pod(value, '$', problems);
  const spec = (value as { spec?: { containers?: Array<{ volumeMounts?: Array<{ name: string }> }>; volumes?: Array<{ name: string }> } }).spec;
  const names = new Set((spec?.volumes ?? []).map((v) => v.name));
  for (const c of spec?.containers ?? []) for (const m of c.volumeMounts ?? []) if (!names.has(m.name)) problems.push(`volumeMount ${m.name}: no such volume`);
  return problems;
}
