import {
  Type,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type Static,
  type TUnsafe,
} from '@sinclair/typebox';
import { GO_STRUCT } from '../codec';

/**
 * Largest Go int64, 2^63 - 1, as the nearest double (2^63): a JSON number beyond it is refused
 * instead of overflowing as it would in Go.
 */
export const INT64_MAX = 2 ** 63;

/** A nested Go struct value: missing or `null` means all fields at their zero values. */
export function GoStruct<T extends TProperties>(properties: T): TObject<T> {
  return Type.Object(properties, { default: {}, [GO_STRUCT]: true });
}

/**
 * An array that Go may emit as `null`, `[]` or leave out. After decoding it is always an
 * array, so the static type has no `null`; the schema keeps `null` so the OpenAPI document
 * tells the truth about the wire.
 */
export function NullableArray<T extends TSchema>(
  items: T,
  options: { title?: string; description?: string } = {},
): TUnsafe<Static<T>[]> {
  return Type.Unsafe<Static<T>[]>({
    anyOf: [{ type: 'array', items }, { type: 'null' }],
    default: [],
    ...options,
  });
}

/**
 * An array inside a Kubernetes object: `null` is read as `[]`, but a missing key stays
 * missing so that objects pass through the relay unchanged.
 */
export function K8sArray<T extends TSchema>(items: T): TOptional<TUnsafe<Static<T>[]>> {
  return Type.Optional(Type.Unsafe<Static<T>[]>({ anyOf: [{ type: 'array', items }, { type: 'null' }] }));
}

/** Marks a schema as describing a Kubernetes object whose TypeScript type comes from client-node. */
export function K8sObject<T>(schema: TSchema): TUnsafe<T> {
  return Type.Unsafe<T>(schema);
}

/** RFC 3339 time, or the Go zero time, or null (client-go writes zero metav1.Time as null). */
export const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** Kubernetes resource quantity ("500m", "8Gi", "1"); Go may also write plain numbers. */
export const Quantity = Type.Union([Type.String(), Type.Number()], { description: 'Kubernetes quantity' });

/** The Go zero `time.Time`, which the log request uses to mean "unset". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export const StringMap = Type.Record(Type.String(), Type.String());
