import { request as httpRequest, type Agent, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createAgent, parseTarget, type Target } from './agent';
import type { BufferedResponse, ClientRequestOptions, HttpClientErrorKind, HttpClientOptions, StreamedResponse } from './types';

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

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EACCES', 'ENOTSOCK']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const DEFAULT_MAX_RESPONSE = 256 * 1024 * 1024;

/** Keep-alive HTTP client over TCP, TLS or a unix socket. One instance per target; reuse it. */
export class HttpClient {
  readonly baseUrl: string;
  private readonly target: Target;
  private readonly agent: Agent;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl;
    this.target = parseTarget(options.baseUrl);
    this.agent = createAgent(this.target, options);
  }

  /** Send and buffer the whole response body. Any status is returned (no throw on 4xx/5xx). */
  async request(options: ClientRequestOptions): Promise<BufferedResponse> {
    const { status, headers, stream } = await this.stream(options);
    const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          stream.destroy(new HttpClientError('bad-response', `response body exceeds ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      stream.once('end', () => resolve(Buffer.concat(chunks, size)));
      stream.once('error', (err) => reject(toClientError(err, this.baseUrl, 'reading the response')));
      stream.once('close', () => {
        if (!stream.complete) reject(new HttpClientError('transport', `${this.baseUrl}: connection closed before the response body was complete`));
      });
    });
    return {
      status,
      headers,
      body,
      text: () => body.toString('utf8'),
      json: () => {
        try {
          return JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw new HttpClientError('bad-response', `response is not valid JSON: ${(err as Error).message}`, { cause: err });
        }
      },
    };
  }

  /** Send and return as soon as headers arrive; the body is a stream (destroy it to cancel). */
  async stream(options: ClientRequestOptions): Promise<StreamedResponse> {
    const method = options.method.toUpperCase();
    const retry = options.retryOnStaleSocket ?? IDEMPOTENT.has(method);
    try {
      return await this.once(options, method);
    } catch (err) {
      if (retry && err instanceof StaleSocketError) return this.once(options, method);
      if (err instanceof StaleSocketError) throw toClientError(err.cause, this.baseUrl, 'sending the request');
      throw err;
    }
  }

  /** Destroy pooled sockets. */
  close(): void {
    this.agent.destroy();
  }

  private once(options: ClientRequestOptions, method: string): Promise<StreamedResponse> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new HttpClientError('aborted', `${method} ${options.path}: aborted before sending`));
    let payload: Buffer | readonly Buffer[] | undefined;
    const headers: OutgoingHttpHeaders = { ...this.options.defaultHeaders, ...options.headers };
    if (options.body !== undefined) payload = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    else if (options.json !== undefined) {
      payload = Buffer.from(JSON.stringify(options.json));
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    }
    if (payload) headers['Content-Length'] = Buffer.isBuffer(payload) ? payload.length : payload.reduce((n, b) => n + b.length, 0);
    const target = this.target;
    const path = target.kind === 'tcp' ? target.pathPrefix + options.path : options.path;
    const requestOptions =
      target.kind === 'unix'
        ? { socketPath: target.socketPath, host: 'unix', path, method, headers, agent: this.agent }
        : { host: target.host, port: target.port, path, method, headers, agent: this.agent };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headersTimeout = options.timeoutMs ?? this.options.headersTimeoutMs ?? 120_000;
    const connectTimeout = this.options.connectTimeoutMs ?? 90_000;

    return new Promise<StreamedResponse>((resolve, reject) => {
      let settled = false;
      let headersTimer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(headersTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      const req: ClientRequest = send(requestOptions, (res: IncomingMessage) => {
        settled = true;
        clearTimeout(headersTimer);
        // The caller's signal keeps cancelling the body stream until it ends.
        res.once('close', cleanup);
        res.on('error', () => undefined); // surfaced to stream consumers; avoid unhandled errors
        resolve({ status: res.statusCode ?? 0, headers: res.headers, stream: res });
      });
      const onAbort = (): void => {
        req.destroy(new HttpClientError('aborted', `${method} ${options.path}: aborted by caller`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (headersTimeout > 0) {
        headersTimer = setTimeout(
          () => req.destroy(new HttpClientError('timeout', `${method} ${this.baseUrl}${options.path}: no response headers within ${headersTimeout} ms`)),
          headersTimeout,
        );
      }
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const t = setTimeout(
          () => req.destroy(new HttpClientError('unreachable', `${this.baseUrl}: connect timeout after ${connectTimeout} ms`)),
          connectTimeout,
        );
        socket.once('connect', () => clearTimeout(t));
        socket.once('close', () => clearTimeout(t));
      });
      req.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) reject(new StaleSocketError(err));
        else reject(toClientError(err, this.baseUrl, `${method} ${options.path}`));
      });
      if (payload === undefined || Buffer.isBuffer(payload)) req.end(payload);
      else {
        // Pieces go out as they are (one writev), without first copying them into one buffer.
        req.cork();
        for (const piece of payload) req.write(piece);
        req.end();
      }
    });
  }
}

class StaleSocketError extends Error {
  constructor(override readonly cause: unknown) {
    super('stale keep-alive socket');
  }
}

function hasHeader(headers: OutgoingHttpHeaders, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function toClientError(err: unknown, baseUrl: string, during: string): HttpClientError {
  if (err instanceof HttpClientError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code && UNREACHABLE.has(e.code)) return new HttpClientError('unreachable', `${baseUrl} unreachable (${e.code}: ${e.message})`, { cause: err });
  return new HttpClientError('transport', `${baseUrl}: ${during} failed (${e.code ? `${e.code}: ` : ''}${e.message})`, { cause: err });
}
