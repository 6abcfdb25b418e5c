import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Logger } from '@interlink/logging';

export interface ServerTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA bundle (PEM) to verify client certificates against. */
  caFile?: string;
  /** Require and verify a client certificate (mTLS). Default: true when caFile is set. */
  requireClientCert?: boolean;
  /** Re-read cert/key/CA when the files change (hot reload). Default true. */
  watch?: boolean;
}

/**
 * TLS from PEM held in memory (e.g. a certificate obtained through a CSR); swap it with
 * `HttpService.setTlsCredentials`. Client certificates are asked for when `ca` is set but not
 * rejected by the TLS layer: the authenticator judges them (`socket.authorized`).
 */
export interface ServerPemTls {
  cert: string;
  key: string;
  /** CA bundle (PEM) that client certificates are verified against. */
  ca?: string;
}

/** Outcome of `authenticate`. Failures become 401 (no/invalid credentials) or 403 (not allowed). */
export type AuthResult =
  | { ok: true; /** who the caller is, logged as `principal` */ principal?: string }
  | {
      ok: false;
      /** 429 when the service cannot afford to check now (e.g. a review budget is spent). */
      status: 401 | 403 | 429;
      message: string;
      /** Sent with the refusal, e.g. Retry-After. */
      headers?: Record<string, string>;
    };

export type Authenticator = (req: IncomingMessage) => Promise<AuthResult>;

export interface HttpServiceOptions {
  /** Service name: log `service`, metric label. */
  name: string;
  /** `http://host:port`, `https://host:port` (needs `tls`) or `unix:///path/to.sock`. */
  listen: string;
  tls?: ServerTlsOptions | ServerPemTls;
  /**
   * Also serve /metrics (and /healthz) without authentication on this second address
   * (`http://host:port` or `unix:///path`), for scrapers that hold no credentials.
   */
  metricsListen?: string;
  /** Max request body; larger bodies get 413 JSON. Default 32 MiB. */
  bodyLimitBytes?: number;
  logger: Logger;
  /** Called for every route with `auth !== false`, /metrics and /openapi.json included (never /healthz). */
  authenticate?: Authenticator;
  /** File mode for a unix socket (e.g. 0o660). */
  socketMode?: number;
  /** Idle keep-alive timeout for client connections. Default 65 s. */
  keepAliveTimeoutMs?: number;
  /** Time allowed to receive request headers. Default 10 s (upstream read-header timeout). */
  headersTimeoutMs?: number;
  /** Time allowed to receive a full request body. Default 30 s (upstream read timeout). */
  requestTimeoutMs?: number;
  /** Default stop() grace period. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Prometheus registry; default a fresh one per service (with default process metrics). */
  registry?: Registry;
  /** Max nesting of `[`/`{` in a JSON body; deeper bodies get 400 JSON. Default 1,000. */
  jsonDepthLimit?: number;
  /** Error body format: `json` (default) `{ error, ...details, sessionId }`, or `text` (the message, as a kubelet answers). */
  errorFormat?: 'json' | 'text';
  /** No route reads a body: discard bodies on arrival so early answers (401) reach clients still sending. */
  discardBodies?: boolean;
  /** Protocol upgrades (WebSocket, SPDY); without it upgrade requests are refused by Node. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Upper-case method. */
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Decoded path parameters of the matched route (`/containerLogs/:namespace/:pod` → `{ namespace, pod }`). */
  readonly params: Readonly<Record<string, string>>;
  /** From `InterLink-Http-Session`, or a generated `Request-<uuid>`. Echoed in the response header. */
  readonly sessionId: string;
  /** Fires when the client disconnects before the response finished (or on shutdown timeout). */
  readonly signal: AbortSignal;
  /** Request-scoped logger (carries sessionId). */
  readonly logger: Logger;
  /** Principal from the authenticator, if any. */
  readonly principal: string | undefined;
  /** Extra fields for the access-log line (e.g. `uid`, `namespace`, `pod`). */
  readonly logFields: Record<string, unknown>;
  /** The whole body (cached; honours the body limit: throws HttpError 413). */
  body(): Promise<Buffer>;
  /** Body parsed as JSON; empty body → undefined; malformed → HttpError 400 naming the problem. */
  json(): Promise<unknown>;
  /** Send a complete response. Default content type: text/plain for strings. */
  send(status: number, body: string | Buffer, contentType?: string): void;
  /** Send `JSON.stringify(value)` with application/json. */
  sendJson(status: number, value: unknown): void;
  /** Send `{ error: message, ...details, sessionId }` as JSON. */
  sendError(status: number, message: string, details?: Record<string, unknown>): void;
}

export type RouteHandler = (ctx: RequestContext) => Promise<void> | void;

export interface RouteOptions {
  /** Allowed methods (upper case); default any. Others get 405 JSON. */
  methods?: string[];
  /** Run the authenticator; default true. */
  auth?: boolean;
  /** Metric route label; default the path. */
  label?: string;
}

export interface HttpService {
  readonly name: string;
  readonly logger: Logger;
  /** Per-service Prometheus registry: add your own metrics here. */
  readonly registry: Registry;
  /**
   * Register a handler for a path: exact (`/status`, a trailing slash tolerated) or with
   * parameters (`/containerLogs/:namespace/:pod/:container`, `/exec/*rest`; express 5 syntax).
   * User routes take precedence over the built-in /healthz and /metrics. Returns this.
   */
  route(path: string, handler: RouteHandler, options?: RouteOptions): HttpService;
  /** Bind and listen. Resolves once listening. */
  start(): Promise<void>;
  /** The bound address after start: `http://127.0.0.1:41234`, `https://…`, `unix:///path`. */
  readonly url: string;
  /** The TCP port after start (0 for unix sockets). */
  readonly port: number;
  /** The anonymous /metrics listener's address (`metricsListen`) after start. */
  readonly metricsUrl: string | undefined;
  /**
   * Stop accepting, wait for in-flight requests up to `timeoutMs` (default shutdownTimeoutMs),
   * then abort the rest (their `signal` fires) and destroy sockets. Removes the unix socket file.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Re-read TLS files now (also done automatically when `tls.watch`). */
  reloadTls(): void;
  /** Serve new PEM credentials from now on (services configured with `ServerPemTls`). */
  setTlsCredentials(tls: ServerPemTls): void;
  /** The underlying server (http.Server or https.Server), after start. */
  readonly server: Server | undefined;
}
