import { ContractError, RemotePodListCodec } from '@interlink/api';
import type { RequestContext } from '@interlink/http-kit';
import { pluginAnswerError, pluginGarbage } from '../plugin/pluginErrors';
import type { RelayDeps } from './RelayDeps';

/**
 * GET /listPods (extension): the plugin's pods, validated and passed on, so that the node
 * controller can find remote pods whose API object is gone. A plugin without the extension
 * answers 404, which passes through and tells the node controller to stop asking.
 */
export function listPodsRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const res = await deps.plugin.listPods({ sessionId: ctx.sessionId });
    if (res.status !== 200) throw pluginAnswerError(res, '/listPods');
    let pods;
    try {
      pods = RemotePodListCodec.decode(JSON.parse(res.text()));
    } catch (err) {
      throw pluginGarbage(
        '/listPods',
        err instanceof ContractError || err instanceof SyntaxError ? err.message : String(err),
      );
    }
    ctx.logFields['pods'] = pods.length;
    ctx.sendJson(200, pods);
  };
}
