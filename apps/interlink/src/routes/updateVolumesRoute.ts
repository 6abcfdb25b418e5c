import { buildRetrievedPodData, emptyScriptBuildConfig, PodCreateRequestsCodec, POD_NOT_FOUND_REASON } from '@interlink/api';
import { HttpError, type RequestContext } from '@interlink/http-kit';
import { pluginAnswerError } from '../plugin/pluginErrors';
import { decodeBody, logPod } from './decodeBody';
import type { RelayDeps } from './RelayDeps';

/**
 * POST /updateVolumes (extension): the same PodCreateRequests as /create, reshaped the same way
 * (each container gets only what it mounts), forwarded to the plugin's /updateVolumes. The
 * plugin's PodNotFound reason passes through; a plugin without the extension gives a plain 404.
 */
export function updateVolumesRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const { value: req } = await decodeBody(ctx, PodCreateRequestsCodec, 'a PodCreateRequests object');
    logPod(ctx, req.pod);
    const data = buildRetrievedPodData(req, deps.jobConfig ?? emptyScriptBuildConfig());
    const res = await deps.plugin.updateVolumes(data, { sessionId: ctx.sessionId });
    if (res.status === 200) {
      ctx.sendJson(200, {});
      return;
    }
    const error = pluginAnswerError(res, '/updateVolumes');
    if (res.status === 404 && reasonOf(res.text()) === POD_NOT_FOUND_REASON)
      throw new HttpError(404, error.message, { ...error.details, reason: POD_NOT_FOUND_REASON });
    throw error;
  };
}

function reasonOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { reason?: unknown }).reason;
  } catch {
    return undefined;
  }
}
