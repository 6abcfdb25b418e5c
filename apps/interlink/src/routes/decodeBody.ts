import { ContractError, type Codec } from '@interlink/api';
import { HttpError, type RequestContext } from '@interlink/http-kit';

/** Read and decode the request body; 400 naming the offending field on any problem. */
export async function decodeBody<T>(ctx: RequestContext, codec: Codec<T>, expected: string): Promise<{ value: T; raw: Buffer }> {
  const raw = await ctx.body();
  if (raw.length === 0) throw new HttpError(400, `empty body: expected ${expected}`);
  try {
    return { value: codec.parse(raw), raw };
  } catch (err) {
    if (err instanceof ContractError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Adds the conventional pod fields to the request's access-log line. */
export function logPod(ctx: RequestContext, pod: { metadata?: { name?: string; namespace?: string; uid?: string } } | undefined): void {
  const m = pod?.metadata;
  if (!m) return;
  if (m.namespace) ctx.logFields['namespace'] = m.namespace;
  if (m.name) ctx.logFields['pod'] = m.name;
  if (m.uid) ctx.logFields['uid'] = m.uid;
}
