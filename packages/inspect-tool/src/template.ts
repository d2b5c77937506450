import { OciError } from '@ocikit/oci-image';

/**
 * A small subset of Go's text/template, enough for the single-field
 * `--format` habits of skopeo and podman users:
 *   {{.Digest}}  {{.Labels.foo}}  {{index .Labels "a.b"}}  {{json .Env}}  {{.Layers | json}}
 * Values print as Go prints them: slices as [a b], maps as map[k:v], a
 * missing value as <no value>.
 */
export class TemplateError extends OciError {
  constructor(message: string, template: string) {
    super('ERR_INSPECT_TEMPLATE', `template ${JSON.stringify(template)}: ${message}`, {
      hint: 'use fields like {{.Digest}}, {{.Labels.KEY}}, {{index .Labels "KEY"}} or {{json .Env}}',
    });
  }
}

const MISSING = Symbol('missing');
type Value = unknown;

function lookup(root: Value, path: string, template: string): Value {
  if (path === '.') return root;
  let current: Value = root;
  for (const key of path.slice(1).split('.')) {
    if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new TemplateError(`bad field name ${JSON.stringify(key)}`, template);
    if (current === null || current === undefined || current === MISSING) return MISSING;
    if (typeof current !== 'object') throw new TemplateError(`can't evaluate field ${key} in a ${typeof current}`, template);
    current = Object.prototype.hasOwnProperty.call(current, key) ? (current as Record<string, Value>)[key] : MISSING;
  }
  return current;
}

/** Format a value as Go's fmt %v does. */
export function goString(value: Value): string {
  if (value === MISSING || value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goString(v)}`).join(' ')}]`;
  }
  return String(value);
}

/** Split an action into words, keeping "quoted strings" whole. */
function words(action: string, template: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|[^\s"]+)/y;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(action)) !== null) {
    out.push(m[1] as string);
    consumed = re.lastIndex;
  }
  if (action.slice(consumed).trim() !== '') throw new TemplateError('unterminated string', template);
  return out;
}

function operand(word: string, root: Value, template: string): Value {
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith('.')) return lookup(root, word, template);
  throw new TemplateError(`unknown operand ${JSON.stringify(word)}`, template);
}

function call(fn: string, args: Value[], template: string): Value {
  if (fn === 'json') {
    if (args.length !== 1) throw new TemplateError('json takes one argument', template);
    const v = args[0] === MISSING ? null : args[0];
    return JSON.stringify(v ?? null);
  }
  if (fn === 'index') {
    let current = args[0];
    for (const key of args.slice(1)) {
      if (current === null || current === undefined || current === MISSING || typeof current !== 'object') return MISSING;
      current = (current as Record<string, Value>)[String(key)];
      if (current === undefined) current = MISSING;
    }
    return current;
  }
  if (fn === 'len') {
    const v = args[0];
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateError('len of a value without length', template);
  }
  throw new TemplateError(`function ${JSON.stringify(fn)} not defined`, template);
}

function evaluateCommand(command: string, piped: Value | typeof MISSING | undefined, root: Value, template: string): Value {
  const ws = words(command.trim(), template);
  if (ws.length === 0) throw new TemplateError('empty command', template);
  const [head, ...rest] = ws as [string, ...string[]];
  if (head.startsWith('.') || head.startsWith('"')) {
    if (rest.length || piped !== undefined) throw new TemplateError(`${head} is not a function`, template);
    return operand(head, root, template);
  }
  const args = rest.map((w) => operand(w, root, template));
  if (piped !== undefined) args.push(piped);
  return call(head, args, template);
}

/** Render a template against a value. */
export function renderTemplate(template: string, root: Value): string {
  let out = '';
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open === -1) {
      out += template.slice(at);
      break;
    }
    out += template.slice(at, open);
    const close = template.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError('unclosed action', template);
    let action = template.slice(open + 2, close);
    action = action.replace(/^-\s/, '').replace(/\s-$/, '');
    let value: Value | undefined;
    for (const command of action.split('|')) value = evaluateCommand(command, value, root, template);
    out += goString(value);
    at = close + 2;
  }
  return out;
}
