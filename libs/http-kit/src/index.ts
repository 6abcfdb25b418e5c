/**
 * @interlink/http-kit: the HTTP server and client every interLink service uses.
 *
 * Server (`createHttpService`): an express 5 app per service on node's http/https server:
 * routes with path parameters for any method, JSON bodies on every method (GET and DELETE
 * included; depth-limited), JSON errors `{ "error", "sessionId" }`, body limit (413), session
 * ids from `InterLink-Http-Session`, one structured log line per request, `/healthz`,
 * Prometheus `/metrics` (authenticated; optionally anonymous on `metricsListen`), unix sockets
 * (stale-file cleanup), TLS/mTLS (files with hot reload, or PEM in memory), graceful shutdown.
 *
 * Client (`HttpClient`, on axios): http://, https:// (CA, client cert, insecure) and unix:///path
 * with a keep-alive pool; any method with a body; per-call headers timeout and AbortSignal;
 * buffered (size-bounded) or streamed responses; one retry policy (`staleSocketRetry`).
 */
export { createHttpService } from './server/http-service';
export type {
  HttpService,
  HttpServiceOptions,
  RouteHandler,
  RouteOptions,
  RequestContext,
  AuthResult,
  Authenticator,
  ServerTlsOptions,
  ServerPemTls,
} from './server/types';
export { HttpError } from './server/http-error';
export {
  installShutdownHandlers,
  logUnhandledRejections,
  serveUntilSignalled,
  type Service,
  type ShutdownOptions,
  type Stoppable,
} from './server/shutdown';
export { SESSION_HEADER, newSessionId } from './session';
export { parseListenAddress, plainListenAddress, type ListenAddress } from './listen-address';
export { HttpClient, HttpClientError } from './client/http-client';
export { readAtMost } from './client/read-at-most';
export { staleSocketRetry, noRetry, type RetryPolicy, type FailedAttempt } from './client/retry-policy';
export type {
  HttpClientOptions,
  ClientTlsOptions,
  ClientRequestOptions,
  BufferedResponse,
  StreamedResponse,
  HttpClientErrorKind,
} from './client/types';
/** Test utility (needs the `openssl` CLI): throw-away CA, server and client certificates. */
export { createTestPki, type TestPki } from './testing/test-pki';
