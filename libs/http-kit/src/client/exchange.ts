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

type Transport = { request: (options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest };

/**
 * One attempt of one request through axios. Axios's own `timeout` is a socket inactivity timer
 * that keeps running while a streamed body is idle (a quiet `kubectl logs -f`), so the headers
 * and connect deadlines are kept here. The `transport` hook (an axios option) hands over the
 * request axios sends: deadlines and the caller's signal destroy it with the client's own error
 * (axios rejects with it as the cause; a streamed body fails with it), it tells when headers
 * arrived and whether the socket was a pooled one, which the retry policy needs. Destroying the
 * request directly, rather than giving axios an AbortSignal, saves an AbortController and two
 * EventTarget listeners per request on the relay's hot path: 30–60 µs of client CPU per request
 * (relay bench, 2026-12-07). node:http here is only the transport axios calls; axios drives it.
 */
export class Exchange {
  responded = false;
  reusedSocket = false;
  headers: IncomingHttpHeaders = {};
  private req: ClientRequest | undefined;
  private stopped: HttpClientError | undefined;
  private headersTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ExchangeOptions) {}

  async run(): Promise<AxiosResponse> {
    const { signal, headersTimeoutMs } = this.options;
    signal?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (headersTimeoutMs > 0) this.headersTimer = setTimeout(this.onHeadersTimeout, headersTimeoutMs);
    try {
      return await this.options.axios.request({ ...this.options.config, transport: this.transport() });
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
    return this.stopped;
  }

  private readonly onCallerAbort = (): void => {
    this.stop(new HttpClientError('aborted', `${this.options.label}: aborted by caller`));
  };

  private readonly onHeadersTimeout = (): void => {
    const { label, baseUrl, headersTimeoutMs } = this.options;
    this.stop(new HttpClientError('timeout', `${label} at ${baseUrl}: no response headers within ${headersTimeoutMs} ms`));
  };

  private stop(reason: HttpClientError): void {
    this.stopped ??= reason;
    // Before axios created the request, `transport` destroys it as soon as it exists.
    this.req?.destroy(reason);
  }

  private transport(): Transport {
    const send = this.options.secure ? https.request : http.request;
    return {
      request: (options, callback) => {
        const req = send(options, (res) => {
          this.responded = true;
          this.headers = res.headers;
          clearTimeout(this.headersTimer);
          callback(res);
        });
        this.req = req;
        req.once('socket', (socket: Socket) => {
          this.reusedSocket = req.reusedSocket;
          if (socket.connecting) this.limitConnect(req, socket);
        });
        if (this.stopped) process.nextTick(() => req.destroy(this.stopped));
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
