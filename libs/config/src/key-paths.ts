import type { TSchema } from '@sinclair/typebox';

type Obj = Record<string, unknown>;

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read `a.b.c`; undefined when any step is missing. */
export function getPath(data: Obj, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Write `a.b.c`, creating objects on the way; `undefined` deletes the key. */
export function setPath(data: Obj, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Obj = data;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (!isPlainObject(next)) {
      if (value === undefined) return;
      cur[part] = {};
    }
    cur = cur[part] as Obj;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/**
 * Dotted paths present in `data` but not declared by `schema`. Only objects with declared
 * `properties` and no schema-valued `additionalProperties` are checked (records are open).
 */
export function findUnknownKeys(schema: TSchema, data: unknown, prefix = ''): string[] {
  if (!isPlainObject(data)) return [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  const additional = (schema as { additionalProperties?: unknown }).additionalProperties;
  if (!props || (additional !== undefined && additional !== false)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = props[key];
    if (!child) out.push(path);
    else out.push(...findUnknownKeys(child, value, path));
  }
  return out;
}
