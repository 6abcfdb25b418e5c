import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { Agent, IncomingMessage } from 'node:http';
import { createAgent, parseTarget, type Target } from './agent';
import { Exchange } from './exchange';
import { HttpClientError, toClientError, transportCode } from './http-client-error';
import { staleSocketRetry, type RetryPolicy } from './retry-policy';
import type { BufferedResponse, ClientRequestOptions, HttpClientOptions, StreamedResponse } from './types';

export { HttpClientError } from './http-client-error';

const DEFAULT_MAX_RESPONSE = 256 * 1024 * 1024;
const ignoreError = (): void => undefined;

/**
 * Keep-alive HTTP client over TCP, TLS or a unix socket, on axios. One instance per target;
 * reuse it. Any status is returned (callers inspect it); bodies go out on every method.
 */
export class HttpClient {
  readonly baseUrl: string;
  private readonly target: Target;
  private readonly agent: Agent;
  private readonly axios: AxiosInstance;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl;
    this.target = parseTarget(options.baseUrl);
    this.agent = createAgent(this.target, options);
    this.retryPolicy = options.retryPolicy ?? staleSocketRetry;
    this.axios = createAxios(this.target, this.agent, options.defaultHeaders);
  }

  /** Send and buffer the whole response body (at most `maxResponseBytes`). */
  async request(options: ClientRequestOptions): Promise<BufferedResponse> {
    const maxContentLength = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    const { response, exchange } = await this.send(options, { responseType: 'arraybuffer', maxContentLength });
    exchange.cleanup();
    return bufferedResponse(response.status, exchange.headers, response.data as Buffer);
  }

  /** Send and return as soon as headers arrive; the body is a stream (destroy it to cancel). */
  async stream(options: ClientRequestOptions): Promise<StreamedResponse> {
    const { response, exchange } = await this.send(options, { responseType: 'stream', maxContentLength: -1 });
    const stream = response.data as IncomingMessage;
    // Axios emits the caller's abort as an 'error' on the body; consumers may not listen for it.
    stream.on('error', ignoreError);
    stream.once('close', exchange.cleanup);
    return { status: response.status, headers: exchange.headers, stream };
  }

  /** Destroy pooled sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async send(options: ClientRequestOptions, read: AxiosRequestConfig): Promise<{ response: AxiosResponse; exchange: Exchange }> {
    const method = options.method.toUpperCase();
    const label = `${method} ${options.path}`;
    if (options.signal?.aborted) throw new HttpClientError('aborted', `${label}: aborted before sending`);
    const config: AxiosRequestConfig = { ...read, method, url: options.path, ...encodeBody(options, this.options.defaultHeaders) };
    for (let attempt = 1; ; attempt++) {
      const exchange = this.exchange(options, config, label);
      try {
        return { response: await exchange.run(), exchange };
      } catch (err) {
        const cancelled = exchange.cancellation();
        if (cancelled) throw cancelled;
        const failure = { method, attempt, code: transportCode(err), reusedSocket: exchange.reusedSocket, responded: exchange.responded };
        if (!this.retryPolicy.shouldRetry({ ...failure, optIn: options.retryOnStaleSocket })) throw toClientError(err, this.baseUrl, label);
      }
    }
  }

  private exchange(options: ClientRequestOptions, config: AxiosRequestConfig, label: string): Exchange {
    return new Exchange({
      axios: this.axios,
      secure: this.target.protocol === 'https:',
      config,
      signal: options.signal,
      headersTimeoutMs: options.timeoutMs ?? this.options.headersTimeoutMs ?? 120_000,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 90_000,
      label,
      baseUrl: this.baseUrl,
    });
  }
}

function createAxios(target: Target, agent: Agent, defaultHeaders: Record<string, string> = {}): AxiosInstance {
  const unix = target.kind === 'unix';
  return axios.create({
    // Upstream addresses unix sockets as http://unix (Host header `unix`).
    baseURL: unix ? 'http://unix' : `${target.protocol}//${hostForUrl(target.host)}:${target.port}${target.pathPrefix}`,
    ...(unix ? { socketPath: target.socketPath } : {}),
    adapter: 'http',
    httpAgent: agent,
    httpsAgent: agent,
    headers: { ...defaultHeaders, ...(unix ? { Host: 'unix' } : {}), 'Accept-Encoding': 'identity' },
    // Same reach as before: no environment proxies, no redirects, no decompression, raw bytes.
    proxy: false,
    maxRedirects: 0,
    decompress: false,
    maxBodyLength: -1,
    transformRequest: [],
    transformResponse: [],
    validateStatus: null,
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Body and headers for axios: raw bytes as given, pieces joined, `json` serialised. Without a
 * Content-Type, axios would label POST/PUT bodies form-urlencoded; `false` keeps it unset.
 */
function encodeBody(options: ClientRequestOptions, defaults: Record<string, string> = {}): Pick<AxiosRequestConfig, 'data' | 'headers'> {
  const headers: Record<string, string | false> = { ...options.headers };
  const typed = hasHeader(options.headers ?? {}, 'content-type') || hasHeader(defaults, 'content-type');
  if (options.json !== undefined && options.body === undefined && !typed) headers['Content-Type'] = 'application/json';
  else if (!typed) headers['Content-Type'] = false;
  return { data: bodyData(options), headers };
}

function bodyData(options: ClientRequestOptions): string | Buffer | undefined {
  const body = options.body;
  if (body === undefined) return options.json === undefined ? undefined : JSON.stringify(options.json);
  return typeof body === 'string' || Buffer.isBuffer(body) ? body : Buffer.concat(body);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function bufferedResponse(status: number, headers: BufferedResponse['headers'], body: Buffer): BufferedResponse {
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
