import * as http from 'node:http';
import * as https from 'node:https';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { HttpClientError } from './http-client-error';

export interface ExchangeOptions {
  axios: AxiosInstance;
  secure: boolean;
  config: AxiosRequestConfig;
  /** Caller's signal: cancels the request and, once headers arrived, the body. */
  signal?: AbortSignal;
  headersTimeoutMs: number;
  connectTimeoutMs: number;
  /** For error messages: `METHOD path` and the base URL. */
  label: string;
  baseUrl: string;
}

/**
 * One attempt of one request through axios. Axios's own `timeout` is a socket inactivity timer
 * that keeps running while a streamed body is idle (a quiet `kubectl logs -f`), so the headers
 * and connect deadlines are kept here and enforced through the signal axios is given; the
 * `transport` hook (an axios option) tells when headers arrived and whether the socket was a
 * pooled one, which the retry policy needs.
 */
export class Exchange {
  responded = false;
  reusedSocket = false;
  headers: IncomingHttpHeaders = {};
  private abortedBy: 'caller' | 'timeout' | undefined;
  private readonly controller = new AbortController();
  private headersTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ExchangeOptions) {}

  async run(): Promise<AxiosResponse> {
    const { signal, headersTimeoutMs } = this.options;
    signal?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (headersTimeoutMs > 0) this.headersTimer = setTimeout(this.onHeadersTimeout, headersTimeoutMs);
    try {
      return await this.options.axios.request({
        ...this.options.config,
        signal: this.controller.signal,
        transport: this.transport(),
      });
    } catch (err) {
      this.cleanup();
      throw err;
    } finally {
      clearTimeout(this.headersTimer);
    }
  }

  /** Stops relaying the caller's signal (the body was read, or the stream closed). */
  readonly cleanup = (): void => {
    clearTimeout(this.headersTimer);
    this.options.signal?.removeEventListener('abort', this.onCallerAbort);
  };

  /** The error this attempt's own deadlines or the caller's signal caused, if any. */
  cancellation(): HttpClientError | undefined {
    const { label, baseUrl, headersTimeoutMs } = this.options;
    if (this.abortedBy === 'caller') return new HttpClientError('aborted', `${label}: aborted by caller`);
    if (this.abortedBy === 'timeout')
      return new HttpClientError('timeout', `${label} at ${baseUrl}: no response headers within ${headersTimeoutMs} ms`);
    return undefined;
  }

  private readonly onCallerAbort = (): void => {
    this.abortedBy ??= 'caller';
    this.controller.abort();
  };

  private readonly onHeadersTimeout = (): void => {
    this.abortedBy ??= 'timeout';
    this.controller.abort();
  };

  private transport(): { request: (options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest } {
    const send = this.options.secure ? https.request : http.request;
    return {
      request: (options, callback) => {
        const req = send(options, (res) => {
          this.responded = true;
          this.headers = res.headers;
          clearTimeout(this.headersTimer);
          callback(res);
        });
        req.once('socket', (socket) => {
          this.reusedSocket = req.reusedSocket;
          if (socket.connecting) this.limitConnect(req, socket);
        });
        return req;
      },
    };
  }

  private limitConnect(req: ClientRequest, socket: Socket): void {
    const { connectTimeoutMs, baseUrl } = this.options;
    const timer = setTimeout(
      () => req.destroy(new HttpClientError('unreachable', `${baseUrl}: connect timeout after ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  }
}
