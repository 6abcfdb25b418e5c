import type { RequestContext } from '@interlink/http-kit';
import { pluginAnswerError } from '../plugin/pluginErrors';
import { contentType } from './deleteRoute';
import type { RelayDeps } from './RelayDeps';

/**
 * POST /pinglink: GET /status with `[]` to the plugin; a 200 answer is passed through verbatim
 * (PingResponse, `null`, `[]` or any text: all count as healthy).
 */
export function pingRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const res = await deps.plugin.ping({ sessionId: ctx.sessionId, signal: ctx.signal });
    if (res.status !== 200) throw pluginAnswerError(res, '/status (ping)');
    ctx.send(200, res.body, contentType(res.headers['content-type'], 'application/json'));
  };
}

/** GET /readyz: 200 when the plugin answers a ping, 503 otherwise. Results are reused for 2 s. */
export function readyRoute(deps: RelayDeps) {
  let last: { at: number; ok: boolean; reason: string } | undefined;
  return async (ctx: RequestContext): Promise<void> => {
    if (!last || Date.now() - last.at > 2000) {
      try {
        const res = await deps.plugin.ping({ sessionId: ctx.sessionId, signal: ctx.signal });
        last = { at: Date.now(), ok: res.status === 200, reason: `plugin answered ${res.status}` };
      } catch (err) {
        last = { at: Date.now(), ok: false, reason: (err as Error).message };
      }
    }
    if (last.ok) ctx.sendJson(200, { status: 'ready', plugin: deps.plugin.url });
    else ctx.sendError(503, `not ready: ${last.reason}`);
  };
}
