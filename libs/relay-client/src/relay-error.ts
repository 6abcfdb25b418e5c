export type RelayOp =
  | 'CreatePod'
  | 'DeletePod'
  | 'GetStatus'
  | 'PingInterLink'
  | 'GetLogs'
  | 'UpdateCache'
  | 'UpdateVolumes'
  | 'ListPods';

/**
 * - `unreachable`: no connection to the relay (refused, socket missing, DNS, connect timeout)
 * - `timeout`: the relay accepted the request but sent no response headers in time
 * - `http`: the relay answered with a status other than 200 (`status`, `body` hold its answer)
 * - `protocol`: a 200 answer whose body does not match the contract
 * - `token`: the VKTokenFile could not be read
 * - `aborted`: the caller cancelled
 * - `transport`: the connection broke mid-request
 */
export type RelayErrorKind =
  'unreachable' | 'timeout' | 'http' | 'protocol' | 'token' | 'aborted' | 'transport';

export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    readonly op: RelayOp,
    readonly kind: RelayErrorKind,
    message: string,
    readonly sessionId: string,
    readonly status?: number,
    readonly body?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the relay could not be reached at all (as opposed to answering with an error). */
  get isConnectivity(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || this.kind === 'transport';
  }
}
