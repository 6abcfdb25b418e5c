/**
 * @interlink/relay-client: the node controller's side of hop 1.
 *
 * `Provider` is what the node controller talks to; `RelayProvider` implements it against an
 * interLink relay (ours or upstream's Go relay): POST /create, GET /status with a JSON array
 * body (batched and chunked), DELETE /delete with the pod, GET /getLogs streaming, POST
 * /pinglink without body; `Authorization: Bearer <VKTokenFile, trimmed, re-read per request>`;
 * `InterLink-Http-Session: <Op>#<n>`; http, https (CA PEM/DER, insecure, mTLS) or unix sockets
 * with keep-alive. Every failure is a `RelayError` with a `kind`.
 */
export type { Provider, CallOptions, PingResult, VolumeUpdateResult } from './provider';
export { RelayProvider, type RelayProviderOptions } from './relay-provider';
export { RelayError, type RelayErrorKind, type RelayOp } from './relay-error';
export { relayBaseUrl } from './relay-url';
export { relaySessionId } from './session-id';
