import {
  buildRetrievedPodData,
  CreateStructCodec,
  emptyScriptBuildConfig,
  PodCreateRequestsCodec,
  type CreateStruct,
} from '@interlink/api';
import { HttpError, type BufferedResponse, type RequestContext } from '@interlink/http-kit';
import { pluginAnswerError, pluginGarbage } from '../plugin/pluginErrors';
import { decodeBody, logPod } from './decodeBody';
import type { RelayDeps } from './RelayDeps';

/** POST /create: PodCreateRequests → (builder) → plugin RetrievedPodData → one CreateStruct. */
export function createRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const { value: req } = await decodeBody(ctx, PodCreateRequestsCodec, 'a PodCreateRequests object');
    logPod(ctx, req.pod);
    const data = buildRetrievedPodData(req, deps.jobConfig ?? emptyScriptBuildConfig());
    if (req.jobscriptURL) {
      if (!deps.jobConfig) {
        throw new HttpError(
          500,
          `the pod asks for a job script builder (jobscriptURL ${req.jobscriptURL}) but this relay has no JobScriptBuildConfig`,
          { origin: 'relay' },
        );
      }
      data.jobScript = await deps.builder.build(req.jobscriptURL, data, ctx.sessionId);
    }
    // Not bound to the caller's connection: abandoning a half-done submission would leave the
    // plugin guessing; plugins are idempotent per pod UID, so a retried create is harmless.
    const res = await deps.plugin.create(data, { sessionId: ctx.sessionId });
    if (res.status === 409) return passConflictThrough(ctx, res);
    if (res.status !== 200) throw pluginAnswerError(res, '/create');
    const { PodUID, PodJID, Warnings } = readCreateAnswer(res);
    ctx.logFields['jid'] = PodJID;
    ctx.sendJson(200, { PodUID, PodJID, ...(Warnings?.length ? { Warnings } : {}) });
  };
}

/** The plugin's 200 answer as one CreateStruct; 502 when it is not one. */
function readCreateAnswer(res: BufferedResponse): CreateStruct {
  let answer: unknown;
  try {
    answer = JSON.parse(res.text());
  } catch (err) {
    throw pluginGarbage('/create', `not JSON (${(err as Error).message})`);
  }
  // Old plugin SDK examples answer a one-element array, which upstream node controllers reject.
  if (Array.isArray(answer)) answer = answer[0];
  const created = CreateStructCodec.safeDecode(answer);
  if (!created.ok) throw pluginGarbage('/create', created.error.message);
  return created.value;
}

/**
 * 409 from the plugin: the pod was deleted before this create arrived and nothing was started.
 * The node controller needs the plugin's exact answer (status and message) to tell that apart
 * from a failure, so it goes back unchanged; a plugin answering plain text gets it wrapped.
 */
function passConflictThrough(ctx: RequestContext, res: BufferedResponse): void {
  const text = res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  ctx.logFields['pluginError'] = text;
  if (isErrorObject(body)) ctx.send(409, text, 'application/json');
  else ctx.sendJson(409, { error: text.trim() || 'plugin answered 409 Conflict on /create' });
}

function isErrorObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string'
  );
}
