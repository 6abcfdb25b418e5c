/**
 * Kubernetes times on the wire are RFC 3339 with second precision. The client-node types say
 * `Date`, but a Date would serialise with milliseconds, so the string is passed through typed
 * as the field's type.
 */
export function wireTime(t: string | Date | undefined): Date | undefined {
  if (t === undefined) return undefined;
  const iso = typeof t === 'string' ? t : t.toISOString();
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return undefined;
  const text = m[2] === 'Z' ? `${m[1]}Z` : new Date(iso).toISOString().replace(/\.\d+Z$/, 'Z');
  return text as unknown as Date;
}
