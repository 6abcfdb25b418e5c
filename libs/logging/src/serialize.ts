/** JSON-friendly form of an error: message always, code/cause when present, stack only on request. */
export function serializeError(err: unknown, withStack = false): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { message: err.message };
  if (err.name && err.name !== 'Error') out['name'] = err.name;
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (withStack && err.stack) out['stack'] = err.stack;
  if (err.cause !== undefined) out['cause'] = serializeError(err.cause, withStack);
  return out;
}
