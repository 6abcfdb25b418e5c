import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError } from './config-error';

// coerceTypes: YAML and env carry "3000" where a schema says integer (and vice versa); upstream
// Go yaml decoding is equally lenient. verbose: errors carry the offending value for messages.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, verbose: true, strict: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Fill defaults and coerce in place; throw ConfigError naming every bad key. */
export function validateConfig(
  schema: TSchema,
  data: Record<string, unknown>,
  sourceOf: (path: string) => string | undefined,
  file?: string,
): void {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(data)) return;
  const problems = new Map<string, string>();
  for (const error of validate.errors ?? []) {
    const key = keyOf(error);
    if (problems.has(key)) continue; // first (most specific) message per key is enough
    const source = sourceOf(key);
    const where = source ? ` (from ${source})` : '';
    problems.set(key, `config key "${key}"${where}: ${describe(error)}`);
  }
  const [firstKey] = problems.keys();
  throw new ConfigError([...problems.values()].join('; '), firstKey, file);
}

function keyOf(error: ErrorObject): string {
  const base = error.instancePath.split('/').filter(Boolean).map(decodePointer).join('.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  return base || '(root)';
}

function decodePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  const got = error.data === undefined ? '' : ` (got ${truncate(JSON.stringify(error.data))})`;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    return `must be one of ${allowed}${got}`;
  }
  return `${error.message ?? 'is invalid'}${got}`;
}

function truncate(text: string | undefined): string {
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
