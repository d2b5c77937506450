#!/usr/bin/env node
// Compiles the JSON schemas of src/schema/schemas.ts into standalone ajv code,
// so that reading an image never loads or compiles ajv at run time (start-up
// cost). Run after `tsc -b`; a test checks the committed output is current.
import { writeFileSync } from 'node:fs';
import { generateValidatorSource } from './validator-source.mjs';

const schemas = await import(new URL('../dist/schema/schemas.js', import.meta.url));
writeFileSync(new URL('../src/schema/compiled-validators.ts', import.meta.url), await generateValidatorSource(schemas));
