import { InvalidJsonError, SchemaValidationError } from '../errors.js';
import * as compiled from './compiled-validators.js';
import type { SchemaKind } from './schemas.js';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}
type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

// The schemas are compiled ahead of time (scripts/generate-validators.mjs):
// reading an image never loads ajv or compiles anything at run time.
const validators: Record<SchemaKind, Validator> = {
  descriptor: compiled.descriptor as Validator,
  manifest: compiled.manifest as Validator,
  index: compiled.index as Validator,
  config: compiled.config as Validator,
  'oci-layout': compiled.ociLayout as Validator,
};

/** Validate a parsed document; returns one line per problem, naming the field (JSON pointer) and the rule. */
export async function schemaProblems(kind: SchemaKind, value: unknown): Promise<string[]> {
  const validate = validators[kind];
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    const field = e.instancePath || '/';
    const extra = e.keyword === 'enum' || e.keyword === 'const' ? ` (${JSON.stringify(e.params)})` : '';
    return `${field}: ${e.message ?? e.keyword}${extra} [${e.keyword}]`;
  });
}

/** Parse JSON bytes and check them against a schema; throws one clear error. */
export async function parseAndValidate<T>(bytes: Uint8Array, kind: SchemaKind, what: string): Promise<T> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InvalidJsonError(what, error);
  }
  const problems = await schemaProblems(kind, value);
  if (problems.length) throw new SchemaValidationError(what, problems);
  return value as T;
}
