/** One challenge of a WWW-Authenticate header (RFC 7235). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `Bearer realm="...",service="...",scope="..."` (several challenges allowed). */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /\s*(?:([A-Za-z][\w-]*)\s+)?([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?|\s*([A-Za-z][\w-]*)\s*(?:,|$)/y;
  let current: Challenge | undefined;
  let index = 0;
  while (index < header.length) {
    re.lastIndex = index;
    const match = re.exec(header);
    if (!match || match[0] === '') break;
    index = re.lastIndex;
    if (match[5]) {
      current = { scheme: match[5].toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    if (match[1]) {
      current = { scheme: match[1].toLowerCase(), params: {} };
      out.push(current);
    }
    if (current && match[2]) current.params[match[2].toLowerCase()] = (match[3] ?? match[4] ?? '').replace(/\\(.)/g, '$1');
  }
  return out;
}
