/**
 * JSON schemas for the image-spec documents, written for ajv (draft-07). The
 * official schemas are draft-04; these follow the same rules (image-spec v1.1)
 * and are strict where the spec says MUST.
 */
const digest = { type: 'string', pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' };
const mediaType = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$' };
const annotations = { type: 'object', additionalProperties: { type: 'string' } };
const stringArray = { type: 'array', items: { type: 'string' } };
const stringArrayOrNull = { anyOf: [stringArray, { type: 'null' }] };
const emptyObjectMap = { anyOf: [{ type: 'object', additionalProperties: { type: 'object' } }, { type: 'null' }] };

const platform = {
  type: 'object',
  required: ['architecture', 'os'],
  properties: {
    architecture: { type: 'string' },
    os: { type: 'string' },
    'os.version': { type: 'string' },
    'os.features': stringArray,
    variant: { type: 'string' },
    features: stringArray,
  },
};

export const descriptorSchema = {
  $id: 'descriptor',
  type: 'object',
  required: ['mediaType', 'digest', 'size'],
  properties: {
    mediaType,
    digest,
    size: { type: 'integer', minimum: 0 },
    urls: { type: 'array', items: { type: 'string', format: 'uri' } },
    annotations,
    data: { type: 'string', contentEncoding: 'base64' },
    artifactType: mediaType,
    platform,
  },
};

export const manifestSchema = {
  $id: 'manifest',
  type: 'object',
  required: ['schemaVersion', 'config', 'layers'],
  properties: {
    schemaVersion: { const: 2 },
    mediaType,
    artifactType: mediaType,
    config: { $ref: 'descriptor' },
    layers: { type: 'array', items: { $ref: 'descriptor' } },
    subject: { $ref: 'descriptor' },
    annotations,
  },
};

export const indexSchema = {
  $id: 'index',
  type: 'object',
  required: ['schemaVersion', 'manifests'],
  properties: {
    schemaVersion: { const: 2 },
    mediaType,
    artifactType: mediaType,
    manifests: { type: 'array', items: { $ref: 'descriptor' } },
    subject: { $ref: 'descriptor' },
    annotations,
  },
};

export const configSchema = {
  $id: 'config',
  type: 'object',
  required: ['architecture', 'os', 'rootfs'],
  properties: {
    created: { type: 'string', format: 'date-time' },
    author: { type: 'string' },
    architecture: { type: 'string' },
    os: { type: 'string' },
    variant: { type: 'string' },
    'os.version': { type: 'string' },
    'os.features': stringArray,
    config: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          properties: {
            User: { type: 'string' },
            ExposedPorts: emptyObjectMap,
            Env: stringArrayOrNull,
            Entrypoint: stringArrayOrNull,
            Cmd: stringArrayOrNull,
            Volumes: emptyObjectMap,
            WorkingDir: { type: 'string' },
            Labels: { anyOf: [annotations, { type: 'null' }] },
            StopSignal: { type: 'string' },
            ArgsEscaped: { type: 'boolean' },
          },
        },
      ],
    },
    rootfs: {
      type: 'object',
      required: ['type', 'diff_ids'],
      properties: { type: { const: 'layers' }, diff_ids: { type: 'array', items: digest } },
    },
    history: {
      anyOf: [
        { type: 'null' },
        {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              created: { type: 'string', format: 'date-time' },
              author: { type: 'string' },
              created_by: { type: 'string' },
              comment: { type: 'string' },
              empty_layer: { type: 'boolean' },
            },
          },
        },
      ],
    },
  },
};

export const layoutSchema = {
  $id: 'oci-layout',
  type: 'object',
  required: ['imageLayoutVersion'],
  properties: { imageLayoutVersion: { type: 'string', pattern: '^1\\.' } },
};

export type SchemaKind = 'descriptor' | 'manifest' | 'index' | 'config' | 'oci-layout';
