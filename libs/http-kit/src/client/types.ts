import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RetryPolicy } from './retry-policy';

export interface ClientTlsOptions {
  /** CA bundle (PEM or DER) to trust instead of the system roots. */
  caFile?: string;
  /** Client certificate and key for mTLS. */
  certFile?: string;
  keyFile?: string;
  /** Skip server certificate verification (tests, self-signed deployments). */
  insecureSkipVerify?: boolean;
  /** Override SNI / certificate host name check. */
  serverName?: string;
}

export interface HttpClientOptions {
  /** `http://host:port`, `https://host:port` or `unix:///path/to.sock` (Host header `unix`). */
  baseUrl: string;
  tls?: ClientTlsOptions;
  /** Max concurrent sockets. Default 10000 (upstream). */
  maxSockets?: number;
  /** Max idle sockets kept. Default 1000 (upstream). */
  maxFreeSockets?: number;
  /** Idle socket timeout. Default 120 s (upstream). */
  idleTimeoutMs?: number;
  /** Default time to wait for response headers. Default 120 s (upstream). 0 = none. */
  headersTimeoutMs?: number;
  /** Time to establish the connection. Default 90 s (upstream dial timeout). */
  connectTimeoutMs?: number;
  /** Headers added to every request (e.g. Authorization). */
  defaultHeaders?: Record<string, string>;
  /** When a failed attempt is sent again. Default: `staleSocketRetry`. */
  retryPolicy?: RetryPolicy;
}

export interface ClientRequestOptions {
  /** Any method; bodies are sent for every method, GET included. */
  method: string;
  /** Path (and query) appended to the base URL, e.g. `/status`. */
  path: string;
  /** Serialised as JSON with `Content-Type: application/json`. Ignored when `body` is set. */
  json?: unknown;
  /** Raw body; pieces are joined into one buffer (Content-Length is their total). */
  body?: string | Buffer | readonly Buffer[];
  headers?: Record<string, string>;
  /** Headers timeout for this call (ms); default the client's. 0 = none. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Retry once when a pooled keep-alive socket turns out to be closed by the server (ECONNRESET
   * before any response byte). Default: true for GET, HEAD, OPTIONS, PUT and DELETE. Read by
   * the client's retry policy (`staleSocketRetry`).
   */
  retryOnStaleSocket?: boolean;
  /** Buffered responses only: fail with `bad-response` beyond this size. Default 256 MiB. */
  maxResponseBytes?: number;
}

export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  /** @throws HttpClientError kind `bad-response` when the body is not JSON. */
  json(): unknown;
}

export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The live response; destroy it (or abort the signal) to cancel. */
  stream: IncomingMessage;
}

/**
 * - `unreachable`: connection refused / socket missing / DNS failure (→ relay 503)
 * - `timeout`: no response headers in time (→ relay 504)
 * - `aborted`: the caller's signal fired
 * - `transport`: connection reset or other I/O failure mid-request
 * - `bad-response`: body could not be decoded (→ relay 502)
 */
export type HttpClientErrorKind = 'unreachable' | 'timeout' | 'aborted' | 'transport' | 'bad-response';
