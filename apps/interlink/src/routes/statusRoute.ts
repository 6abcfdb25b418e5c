import { ContractError, PodListCodec } from '@interlink/api';
import { HttpError, type RequestContext } from '@interlink/http-kit';
import { logPod } from './decodeBody';
import type { RelayDeps } from './RelayDeps';

/** GET /status with `[v1.Pod]`: one answer per known pod, batched towards the plugin. */
export function statusRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const raw = await ctx.body();
    if (raw.length === 0) throw new HttpError(400, 'empty body: expected a JSON array of pods');
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `invalid pod list: (body): not valid JSON: ${(err as Error).message}`);
    }
    if (value === null) value = [];
    if (!Array.isArray(value)) throw new HttpError(400, `invalid pod list: (body): must be a JSON array of pods (got ${typeof value})`);
    let pods;
    try {
      pods = PodListCodec.decode(value);
    } catch (err) {
      if (err instanceof ContractError) throw new HttpError(400, err.message);
      throw err;
    }
    ctx.logFields['pods'] = pods.length;
    if (pods.length === 1) logPod(ctx, pods[0]);
    if (pods.length === 0) {
      // Upstream answers an empty request with every cached status; kept for compatibility.
      ctx.sendJson(200, deps.cache.all());
      return;
    }
    const statuses = await deps.batcher.statuses(pods, ctx.sessionId, ctx.logger);
    ctx.sendJson(200, statuses);
  };
}
