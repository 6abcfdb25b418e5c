/**
 * Kubernetes objects travel as plain JSON in this process (no client-node ObjectSerializer),
 * so time fields hold RFC 3339 strings even though client-node's types declare `Date`.
 * These helpers produce and read that wire form: second precision, UTC, like the kubelet.
 */
export type WireTime = Date;

export function kubeTime(at: Date | number = Date.now()): WireTime {
  const d = typeof at === 'number' ? new Date(at) : at;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z') as unknown as WireTime;
}

/** Milliseconds since the epoch of a wire time (string or Date), or undefined. */
export function timeMillis(t: unknown): number | undefined {
  if (t === null || t === undefined) return undefined;
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Micro-time (leases need microsecond precision: RFC 3339 with 6 fractional digits). */
export function kubeMicroTime(at: number = Date.now()): WireTime {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as WireTime;
}
