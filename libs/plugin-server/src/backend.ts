import type { Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type {
  CreateStruct,
  LogStruct,
  PingResponse,
  PodStatus,
  RemotePod,
  RetrievedPodData,
} from '@interlink/api';
import type { Logger } from '@interlink/logging';

/** What every call into a backend carries. */
export interface CallContext {
  /** The InterLink-Http-Session id of the request (generated when the caller sent none). */
  readonly sessionId: string;
  /** Aborted when the caller disconnects or the server shuts down. */
  readonly signal: AbortSignal;
  /** Request-scoped logger carrying the session id (absent when a backend is called directly). */
  readonly logger?: Logger;
}

/**
 * A way of running pods (Docker, Slurm, ...). The shared plugin server does HTTP, validation,
 * auth, logging and errors; a backend only does the work. Throw PluginError for failures that
 * the caller should see with a specific status code.
 */
export interface PluginBackend {
  /** Submit the pod; must be idempotent by pod UID and return quickly (submission, not execution). */
  create(data: RetrievedPodData, ctx: CallContext): Promise<CreateStruct>;
  /** Stop and clean up the pod; deleting an unknown pod succeeds. */
  delete(pod: V1Pod, ctx: CallContext): Promise<void>;
  /** One PodStatus per requested pod the backend knows; never statuses of pods not asked for. */
  status(pods: V1Pod[], ctx: CallContext): Promise<PodStatus[]>;
  /** Container log bytes; with Opts.Follow the stream stays open until the container ends or ctx.signal aborts. */
  logs(req: LogStruct, ctx: CallContext): Promise<Readable>;
  /** Health and capacity, answered to `GET /status` with body `[]`. */
  ping(ctx: CallContext): Promise<PingResponse>;
  /**
   * Optional extension: rewrite the ConfigMap, Secret and projected volume files of a running pod
   * with the content in `data` (rotated service-account tokens, changed ConfigMaps). Throw
   * PodNotFoundError for a pod the backend does not run. Without it the route answers 404.
   */
  updateVolumes?(data: RetrievedPodData, ctx: CallContext): Promise<void>;
  /**
   * Optional extension: every pod the backend runs or keeps (finished ones too, until deleted),
   * with the node it was created for. Lets a node controller delete pods whose API object went
   * away while it was down. Without it the route answers 404.
   */
  listPods?(ctx: CallContext): Promise<RemotePod[]>;
}

/** A failure with the HTTP status the plugin server should answer. */
export class PluginError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PluginError';
  }
}

/** The pod is not run by this backend (answered 404 with reason PodNotFound). */
export class PodNotFoundError extends PluginError {
  constructor(message: string) {
    super(404, message);
    this.name = 'PodNotFoundError';
  }
}
