import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

type JsonSchema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  enum?: unknown[];
};

/** Checks a schema cannot express (reference grammars, RFC 3339 times); returns `path: problem` lines. */
export type Refinement<T> = (value: T) => string[];

/** A body that does not match the contract. `issues` name each offending field path. */
export class ContractError extends Error {
  constructor(
    readonly what: string,
    readonly issues: string[],
  ) {
    super(`invalid ${what}: ${issues.join('; ')}`);
    this.name = 'ContractError';
  }
}

/** Schema annotation: a Go struct value (not a pointer), which `null` leaves at its zero value. */
export const GO_STRUCT = 'x-go-struct';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, validateFormats: false });

/**
 * Decodes one message type: tolerates what Go emits (case-insensitive keys, `null` for
 * arrays, missing optional fields), fills defaults, then validates.
 */
export class Codec<T> {
  private compiled?: ValidateFunction;

  constructor(
    readonly name: string,
    readonly schema: TSchema,
    private readonly refine?: Refinement<T>,
  ) {}

  /** Compiled on first use: a process pays only for the message types it actually reads. */
  private get validate(): ValidateFunction {
    this.compiled ??= ajv.compile(this.schema as object);
    return this.compiled;
  }

  /** Normalizes and validates a parsed JSON value in place; throws ContractError. */
  decode(value: unknown): T {
    const normalized = normalize(this.schema as JsonSchema, value);
    if (!this.validate(normalized)) {
      throw new ContractError(this.name, formatErrors(this.validate.errors ?? []));
    }
    const problems = this.refine?.(normalized as T) ?? [];
    if (problems.length > 0) throw new ContractError(this.name, problems.slice(0, 8));
    return normalized as T;
  }

  /** Parses JSON text (or a Buffer) and decodes it. */
  parse(text: string | Buffer): T {
    let value: unknown;
    try {
      value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
    } catch (err) {
      const detail = text.length === 0 ? 'empty body' : (err as Error).message;
      throw new ContractError(this.name, [`(body): not valid JSON: ${detail}`]);
    }
    return this.decode(value);
  }

  safeDecode(value: unknown): { ok: true; value: T } | { ok: false; error: ContractError } {
    try {
      return { ok: true, value: this.decode(value) };
    } catch (err) {
      if (err instanceof ContractError) return { ok: false, error: err };
      throw err;
    }
  }

  /** JSON text with the exact keys the Go side expects. */
  encode(value: T): string {
    return JSON.stringify(value);
  }
}

const lowerKeyCache = new WeakMap<object, Map<string, string>>();

function lowerKeys(properties: Record<string, JsonSchema>): Map<string, string> {
  let map = lowerKeyCache.get(properties);
  if (!map) {
    map = new Map(Object.keys(properties).map((k) => [k.toLowerCase(), k]));
    lowerKeyCache.set(properties, map);
  }
  return map;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field's zero value, itself normalized so nested defaults are filled too. */
function zeroValue(schema: JsonSchema): unknown {
  return normalize(schema, structuredClone(schema.default));
}

/**
 * Go's decoder matches known keys case-insensitively, writes empty slices as null and leaves a
 * field at its zero value when the key is missing or null: fields with a default get it.
 */
function normalize(schema: JsonSchema, value: unknown): unknown {
  if (value === null) {
    if (schema[GO_STRUCT] === true) return normalize(schema, {});
    return schema.default !== undefined && schema.default !== null ? zeroValue(schema) : null;
  }
  if (schema.anyOf) {
    const branch = schema.anyOf.find((b) =>
      Array.isArray(value)
        ? b.type === 'array'
        : isPlainObject(value)
          ? b.type === 'object' || b.properties
          : false,
    );
    return branch ? normalize(branch, value) : value;
  }
  if (schema.allOf) {
    return schema.allOf.reduce<unknown>((v, s) => normalize(s, v), value);
  }
  if (Array.isArray(value)) {
    if (schema.items) for (let i = 0; i < value.length; i++) value[i] = normalize(schema.items, value[i]);
    return value;
  }
  if (!isPlainObject(value)) return value;
  const props = schema.properties;
  if (props) {
    const lower = lowerKeys(props);
    for (const key of Object.keys(value)) {
      if (key in props) continue;
      const known = lower.get(key.toLowerCase());
      if (known !== undefined && !(known in value)) {
        value[known] = value[key];
        delete value[key];
      }
    }
    for (const [key, sub] of Object.entries(props)) {
      if (key in value) value[key] = normalize(sub, value[key]);
      // ajv ignores defaults below anyOf (e.g. inside a nullable array), so fill them here.
      else if (sub.default !== undefined) value[key] = zeroValue(sub);
    }
  }
  const additional = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  if (additional && !props) {
    for (const key of Object.keys(value)) value[key] = normalize(additional, value[key]);
  }
  return value;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '(body)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

/** ajv's enum and int64 messages do not say what is allowed in the caller's terms. */
function describeError(e: ErrorObject): string {
  const limit = (e.params as { limit?: number }).limit;
  if (e.keyword === 'maximum' && limit !== undefined && limit >= 2 ** 63) {
    return 'must fit in a 64-bit integer (at most 9223372036854775807)';
  }
  if (e.keyword !== 'enum') return e.message ?? 'invalid';
  const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.filter((v) => v !== '');
  return `must be one of ${allowed.join(', ')}`;
}

function formatErrors(errors: ErrorObject[]): string[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const path =
      e.keyword === 'required'
        ? pointerToPath(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`)
        : pointerToPath(e.instancePath);
    const list = byPath.get(path) ?? [];
    list.push(e);
    byPath.set(path, list);
  }
  const paths = [...byPath.keys()];
  const out: string[] = [];
  for (const [path, list] of byPath) {
    const onlyBranchMismatch = list.every((e) => e.keyword === 'type' || e.keyword === 'anyOf');
    const hasDeeper = paths.some(
      (p) => p !== path && (path === '(body)' || p.startsWith(`${path}.`) || p.startsWith(`${path}[`)),
    );
    if (onlyBranchMismatch && hasDeeper) continue;
    if (list.some((e) => e.keyword === 'required')) {
      out.push(`${path}: required`);
      continue;
    }
    const types = list.filter((e) => e.keyword === 'type').map((e) => (e.params as { type: string }).type);
    const others = list.filter((e) => e.keyword !== 'type' && e.keyword !== 'anyOf');
    if (others.length > 0) out.push(`${path}: ${others.map(describeError).join(', ')}`);
    else if (types.length > 0) out.push(`${path}: must be ${[...new Set(types)].join(' or ')}`);
    else out.push(`${path}: ${list[0]?.message ?? 'invalid'}`);
  }
  return out.slice(0, 8);
}
