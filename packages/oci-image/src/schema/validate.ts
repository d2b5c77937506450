import { InvalidJsonError, SchemaValidationError } from '../errors.js';
import { configSchema, descriptorSchema, indexSchema, layoutSchema, manifestSchema, type SchemaKind } from './schemas.js';

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> | null };

let validators: Promise<Record<SchemaKind, Validator>> | undefined;

/** ajv is loaded and the schemas compiled on first use only: CLI start-up stays small. */
async function loadValidators(): Promise<Record<SchemaKind, Validator>> {
  const { Ajv } = await import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  // Formats used by the schemas, kept minimal instead of pulling in ajv-formats.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/);
  ajv.addSchema(descriptorSchema);
  return {
    descriptor: ajv.getSchema('descriptor') as Validator,
    manifest: ajv.compile(manifestSchema) as Validator,
    index: ajv.compile(indexSchema) as Validator,
    config: ajv.compile(configSchema) as Validator,
    'oci-layout': ajv.compile(layoutSchema) as Validator,
  };
}

/** Validate a parsed document; returns one line per problem, naming the field (JSON pointer) and the rule. */
export async function schemaProblems(kind: SchemaKind, value: unknown): Promise<string[]> {
  validators ??= loadValidators();
  const validate = (await validators)[kind];
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
