import type { Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type {
  CreateStruct,
  LogStruct,
  PingResponse,
  PodCreateRequests,
  PodStatus,
  RemotePod,
} from '@interlink/api';

export interface CallOptions {
  /** Cancels the call (and, for logs, the stream). */
  signal?: AbortSignal;
  /** InterLink-Http-Session id to send; a fresh `<Op>#<n>` is generated when absent. */
  sessionId?: string;
}

export interface PingResult {
  /** The raw body the relay returned (the plugin's answer, verbatim). */
  body: string;
  /** The body decoded as a PingResponse, when it is one (legacy plugins answer `null`, `[]` or text). */
  response?: PingResponse;
  sessionId: string;
}

/**
 * Outcome of pushing new volume content: `updated`; `pod-not-found` (the plugin does not run
 * it); `unsupported` (the relay or plugin lacks the extension: upstream).
 */
export type VolumeUpdateResult = 'updated' | 'pod-not-found' | 'unsupported';

/**
 * What the node controller needs from whatever runs its pods. Implementations throw
 * RelayError for every failure; only a successful answer resolves.
 */
export interface Provider {
  /** Submit a pod; resolves with the remote job id. */
  create(request: PodCreateRequests, options?: CallOptions): Promise<CreateStruct>;
  /** Stop and remove a pod remotely; may be called repeatedly for the same pod. */
  delete(pod: V1Pod, options?: CallOptions): Promise<void>;
  /** Statuses of many pods at once; pods the remote side does not know are simply absent. */
  status(pods: V1Pod[], options?: CallOptions): Promise<PodStatus[]>;
  /** A log byte stream; with `Opts.Follow` it stays open until the container ends or the signal aborts. */
  logs(request: LogStruct, options?: CallOptions): Promise<Readable>;
  /** New ConfigMap/Secret/projected content for a running pod (rotated tokens); same body as create. */
  updateVolumes(request: PodCreateRequests, options?: CallOptions): Promise<VolumeUpdateResult>;
  /** Health of the relay and plugin, with resources and taints when the plugin reports them. */
  ping(options?: CallOptions): Promise<PingResult>;
  /**
   * Every pod the remote side runs or keeps, or `unsupported` when the relay or plugin lacks the
   * extension (upstream). Optional: a provider without it never collects orphans.
   */
  listPods?(options?: CallOptions): Promise<RemotePod[] | 'unsupported'>;
}
