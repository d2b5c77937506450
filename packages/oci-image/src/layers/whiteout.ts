/** Whiteout names of the image spec (layer.md): `.wh.NAME` deletes NAME, `.wh..wh..opq` makes a directory opaque. */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'whiteout'; dir: string; name: string };

/** What a whiteout entry path means, or undefined for an ordinary entry. */
export function parseWhiteout(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque', dir };
  return { kind: 'whiteout', dir, name: base.slice(WHITEOUT_PREFIX.length) };
}
