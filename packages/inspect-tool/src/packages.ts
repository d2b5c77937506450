/**
 * Installed packages from the databases package managers leave in an image:
 * dpkg's status file, apk's installed db, and an npm package-lock.json at the
 * root of the image or of its working directory.
 */
export type PackageManager = 'apt' | 'apk' | 'npm';

export interface InstalledPackage {
  name: string;
  version: string;
  /** Installed size in bytes, when the database records it. */
  size?: number;
}

export const PACKAGE_DATABASES: Record<PackageManager, (workingDir: string) => string[]> = {
  apt: () => ['var/lib/dpkg/status'],
  apk: () => ['lib/apk/db/installed'],
  npm: (workingDir) => [...new Set(['package-lock.json', `${workingDir.replace(/^\/+|\/+$/g, '')}/package-lock.json`.replace(/^\//, '')])],
};

function paragraphs(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (fields.size) out.push(fields);
  }
  return out;
}

/** dpkg status: packages whose Status says installed. */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  return paragraphs(text)
    .filter((p) => p.get('Package') && / installed$/.test(p.get('Status') ?? ''))
    .map((p) => {
      const kib = Number(p.get('Installed-Size'));
      const pkg: InstalledPackage = { name: p.get('Package') as string, version: p.get('Version') ?? '' };
      if (Number.isFinite(kib) && p.has('Installed-Size')) pkg.size = kib * 1024;
      return pkg;
    });
}

/** apk's installed db: P: name, V: version, I: installed size. */
export function parseApkInstalled(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) if (line[1] === ':') fields.set(line[0] as string, line.slice(2));
    if (!fields.get('P')) continue;
    const pkg: InstalledPackage = { name: fields.get('P') as string, version: fields.get('V') ?? '' };
    if (fields.has('I')) pkg.size = Number(fields.get('I'));
    out.push(pkg);
  }
  return out;
}

/** npm package-lock.json (lockfile v1, v2 and v3): every installed dependency, by name. */
export function parseNpmLock(text: string): InstalledPackage[] {
  let lock: { packages?: Record<string, { version?: string; link?: boolean }>; dependencies?: Record<string, V1Dependency> };
  try {
    lock = JSON.parse(text);
  } catch {
    return [];
  }
  const out: InstalledPackage[] = [];
  if (lock.packages) {
    for (const [key, value] of Object.entries(lock.packages)) {
      const at = key.lastIndexOf('node_modules/');
      if (at === -1 || value.link) continue;
      out.push({ name: key.slice(at + 'node_modules/'.length), version: value.version ?? '' });
    }
    return out;
  }
  const visit = (deps: Record<string, V1Dependency> | undefined) => {
    for (const [name, dep] of Object.entries(deps ?? {})) {
      out.push({ name, version: dep.version ?? '' });
      visit(dep.dependencies);
    }
  };
  visit(lock.dependencies);
  return out;
}

interface V1Dependency {
  version?: string;
  dependencies?: Record<string, V1Dependency>;
}

export const PARSERS: Record<PackageManager, (text: string) => InstalledPackage[]> = {
  apt: parseDpkgStatus,
  apk: parseApkInstalled,
  npm: parseNpmLock,
};

export interface PackageChange {
  name: string;
  before: string[];
  after: string[];
}

export interface PackageDiff {
  manager: PackageManager;
  added: InstalledPackage[];
  removed: InstalledPackage[];
  changed: PackageChange[];
}

function byName(list: InstalledPackage[]): Map<string, InstalledPackage[]> {
  const map = new Map<string, InstalledPackage[]>();
  for (const p of list) map.set(p.name, [...(map.get(p.name) ?? []), p]);
  return map;
}

/** Compare two package lists by name; a name with other versions is changed. */
export function diffPackages(manager: PackageManager, before: InstalledPackage[], after: InstalledPackage[]): PackageDiff {
  const a = byName(before);
  const b = byName(after);
  const versions = (l: InstalledPackage[]) => [...new Set(l.map((p) => p.version))].sort();
  const diff: PackageDiff = { manager, added: [], removed: [], changed: [] };
  for (const [name, list] of b) {
    const old = a.get(name);
    if (!old) diff.added.push(...list);
    else if (versions(old).join('\0') !== versions(list).join('\0')) diff.changed.push({ name, before: versions(old), after: versions(list) });
  }
  for (const [name, list] of a) if (!b.has(name)) diff.removed.push(...list);
  const order = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  diff.added.sort(order);
  diff.removed.sort(order);
  diff.changed.sort(order);
  return diff;
}
