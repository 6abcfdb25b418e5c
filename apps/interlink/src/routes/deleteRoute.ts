import { PodCodec } from '@interlink/api';
import type { RequestContext } from '@interlink/http-kit';
import { pluginAnswerError } from '../plugin/pluginErrors';
import { decodeBody, logPod } from './decodeBody';
import type { RelayDeps } from './RelayDeps';

/** DELETE /delete with a v1.Pod: evict the cached status, POST the original bytes to the plugin. */
export function deleteRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const { value: pod, raw } = await decodeBody(ctx, PodCodec, 'a v1.Pod object');
    logPod(ctx, pod);
    deps.cache.delete(pod.metadata?.uid ?? '');
    const res = await deps.plugin.delete(raw, { sessionId: ctx.sessionId });
    if (res.status !== 200) throw pluginAnswerError(res, '/delete');
    ctx.send(200, res.body, contentType(res.headers['content-type'], 'text/plain; charset=utf-8'));
  };
}

/** POST /updateCache with a v1.Pod: forget its cached status (upstream's version never did). */
export function updateCacheRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const { value: pod } = await decodeBody(ctx, PodCodec, 'a v1.Pod object');
    logPod(ctx, pod);
    deps.cache.delete(pod.metadata?.uid ?? '');
    ctx.send(200, 'Updated cache');
  };
}

export function contentType(value: string | undefined, fallback: string): string {
  return value && value.length < 200 ? value : fallback;
}
