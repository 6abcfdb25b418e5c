import { pipeline } from 'node:stream/promises';
import type { V1Pod } from '@kubernetes/client-node';
import {
  ContractError,
  LogStructCodec,
  PodCodec,
  PodListCodec,
  RetrievedPodDataCodec,
  logRequestProblem,
  type CreateStruct,
  type RetrievedPodData,
} from '@interlink/api';
import { HttpError, type RequestContext } from '@interlink/http-kit';
import { PluginError, type CallContext, type PluginBackend } from './backend';
import type { PluginMetrics } from './metrics';
import { deletedBeforeCreateMessage, type TombstoneStore } from './tombstones';

/** Text upstream plugins answer on delete; the relay ignores it but humans read it. */
export const DELETE_ANSWER = 'All containers for submitted Pods have been deleted';

export interface HandlerDeps {
  backend: PluginBackend;
  metrics: PluginMetrics;
  /** UIDs whose /delete arrived: a /create for them starts nothing (409). */
  tombstones: TombstoneStore;
}

function callContext(ctx: RequestContext): CallContext {
  return { sessionId: ctx.sessionId, signal: ctx.signal, logger: ctx.logger };
}

async function requireBody(ctx: RequestContext, expected: string): Promise<unknown> {
  const body = await ctx.json();
  if (body === undefined) throw new HttpError(400, `empty body: expected ${expected}`);
  return body;
}

function podFields(pod: V1Pod | undefined): Record<string, unknown> {
  return { namespace: pod?.metadata?.namespace, pod: pod?.metadata?.name, uid: pod?.metadata?.uid };
}

/**
 * `/create`: one RetrievedPodData, or (relays before 0.5) an array of them. Every element is
 * submitted in order; the answer is always ONE CreateStruct (the first element's).
 */
export async function handleCreate(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const body = await requireBody(ctx, 'one RetrievedPodData object');
  let items: RetrievedPodData[];
  if (Array.isArray(body)) {
    if (body.length === 0)
      throw new HttpError(400, 'empty array: expected one RetrievedPodData object (or a one-element array)');
    items = body.map((item, i) => decodeElement(item, i));
  } else {
    items = [RetrievedPodDataCodec.decode(body)];
  }
  refuseDeletedPods(ctx, deps.tombstones, items);
  let answer: CreateStruct | undefined;
  for (const data of items) {
    Object.assign(ctx.logFields, podFields(data.pod));
    const created = await deps.backend.create(data, callContext(ctx));
    answer ??= created;
    ctx.logger.info('pod submitted', { ...podFields(data.pod), jobId: created.PodJID });
  }
  ctx.sendJson(200, answer);
}

/** Checked before anything is submitted, so a refused request never leaves half a pod behind. */
function refuseDeletedPods(ctx: RequestContext, tombstones: TombstoneStore, items: RetrievedPodData[]): void {
  for (const data of items) {
    const tombstone = tombstones.get(data.pod.metadata?.uid ?? '');
    if (!tombstone) continue;
    Object.assign(ctx.logFields, podFields(data.pod));
    ctx.logger.info('create refused: the pod was deleted before its create arrived', {
      ...podFields(data.pod),
      deletedAt: tombstone.deletedAt,
    });
    throw new PluginError(409, deletedBeforeCreateMessage(tombstone));
  }
}

function decodeElement(item: unknown, index: number): RetrievedPodData {
  try {
    return RetrievedPodDataCodec.decode(item);
  } catch (err) {
    if (err instanceof ContractError) {
      throw new ContractError(
        err.what,
        err.issues.map(
          (issue) => `[${index}]${issue.startsWith('(body)') ? issue.slice('(body)'.length) : `.${issue}`}`,
        ),
      );
    }
    throw err;
  }
}

/** `/status`: `[]` (or `null`) is the ping; otherwise one PodStatus per requested pod the backend knows. */
export async function handleStatus(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const body = await requireBody(ctx, 'a JSON array of pods ([] for ping)');
  if (body === null || (Array.isArray(body) && body.length === 0)) {
    ctx.logFields['ping'] = true;
    const ping = await deps.backend.ping(callContext(ctx));
    ctx.sendJson(200, ping);
    return;
  }
  if (!Array.isArray(body))
    throw new HttpError(400, 'expected a JSON array of pods ([] for ping), got ' + describe(body));
  const pods = dedupeByUid(PodListCodec.decode(body));
  deps.metrics.statusBatchSize(pods.length);
  if (pods.length === 1) Object.assign(ctx.logFields, podFields(pods[0]));
  else ctx.logFields['pods'] = pods.length;
  const statuses = await deps.backend.status(pods, callContext(ctx));
  const asked = new Set(pods.map((p) => p.metadata?.uid));
  ctx.sendJson(
    200,
    statuses.filter((s) => asked.has(s.UID)),
  );
}

function dedupeByUid(pods: V1Pod[]): V1Pod[] {
  const seen = new Map<string, V1Pod>();
  for (const pod of pods) seen.set(pod.metadata?.uid ?? '', pod);
  return [...seen.values()];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * `/delete`: stop and clean up; unknown pods succeed. The tombstone is written first, so a
 * create arriving while (or after) the backend deletes is refused instead of starting the pod.
 */
export async function handleDelete(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const body = await requireBody(ctx, 'one Pod object');
  if (Array.isArray(body)) throw new HttpError(400, 'expected one Pod object, got an array');
  const pod = PodCodec.decode(body);
  Object.assign(ctx.logFields, podFields(pod));
  const meta = pod.metadata ?? {};
  deps.tombstones.add({ uid: meta.uid ?? '', namespace: meta.namespace ?? '', name: meta.name ?? '' });
  await deps.backend.delete(pod, callContext(ctx));
  ctx.logger.info('pod deleted', podFields(pod));
  ctx.send(200, DELETE_ANSWER);
}

/**
 * `/getLogs`: raw bytes. Headers go out as soon as the backend has a stream, so a follow
 * request does not hit the relay's 120 s header timeout; a client disconnect destroys the
 * backend stream (and aborts ctx.signal, which the backend also sees).
 */
export async function handleLogs(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const body = await requireBody(ctx, 'one LogStruct object');
  if (Array.isArray(body) || body === null || typeof body !== 'object') {
    throw new HttpError(400, `expected one LogStruct object, got ${describe(body)}`);
  }
  const req = LogStructCodec.decode(body);
  const problem = logRequestProblem(req);
  if (problem) throw new HttpError(400, problem);
  Object.assign(ctx.logFields, {
    namespace: req.Namespace,
    pod: req.PodName,
    uid: req.PodUID,
    container: req.ContainerName,
  });
  const stream = await deps.backend.logs(req, callContext(ctx));
  const { res } = ctx;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.flushHeaders();
  try {
    await pipeline(stream, res);
  } catch (err) {
    if (ctx.signal.aborted || (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    // Status already sent: the only honest signal left is cutting the connection.
    ctx.logger.warn('log stream failed', { err });
    res.destroy();
  }
}

/** `/updateVolumes` (extension): new volume content for a running pod. */
export async function handleUpdateVolumes(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const update = deps.backend.updateVolumes?.bind(deps.backend);
  if (!update) throw new HttpError(404, 'this plugin does not support /updateVolumes');
  const data = RetrievedPodDataCodec.decode(await requireBody(ctx, 'one RetrievedPodData object'));
  Object.assign(ctx.logFields, podFields(data.pod));
  await update(data, callContext(ctx));
  ctx.logger.info('pod volumes updated', podFields(data.pod));
  ctx.sendJson(200, {});
}

/** `/listPods` (extension): the backend's pods; any request body is ignored. */
export async function handleListPods(ctx: RequestContext, deps: HandlerDeps): Promise<void> {
  const list = deps.backend.listPods?.bind(deps.backend);
  if (!list) throw new HttpError(404, 'this plugin does not support /listPods');
  const pods = await list(callContext(ctx));
  ctx.logFields['pods'] = pods.length;
  ctx.sendJson(200, pods);
}
