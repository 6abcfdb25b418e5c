import type { HttpClientErrorKind, HttpClientOptions, ClientRequestOptions, BufferedResponse, StreamedResponse } from './types';

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    readonly kind: HttpClientErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Keep-alive HTTP client over TCP, TLS or a unix socket. One instance per target; reuse it. */
export declare class HttpClient {
  constructor(options: HttpClientOptions);
  /** Base URL as configured. */
  readonly baseUrl: string;
  /** Send and buffer the whole response body. Any status is returned (no throw on 4xx/5xx). */
  request(options: ClientRequestOptions): Promise<BufferedResponse>;
  /** Send and return as soon as headers arrive; the body is a stream. */
  stream(options: ClientRequestOptions): Promise<StreamedResponse>;
  /** Destroy pooled sockets. */
  close(): void;
}
