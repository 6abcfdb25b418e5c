import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiAccessOf, type ApiAccess } from './api-access';
import { apiPriorityOf } from './api-priority';
import { RateLimiter, type ApiPriority } from './rate-limiter';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json; patches pass their patch type. */
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout (ms); default 30 s. Streams use headers only. */
  timeoutMs?: number;
  /** Which client-side rate budget the request uses (events must not starve pod status). */
  budget?: 'default' | 'events';
  /** Order among waiters when the budget is short; derived from the path when not given (api-priority.ts). */
  priority?: ApiPriority;
}

/** An API server answer other than 2xx, with the Status object's reason. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

export interface KubeClientOptions {
  /** Client-side rate limit (client-go defaults are 5/10, far too low for 1,000 pods). */
  qps?: number;
  burst?: number;
  eventQps?: number;
  eventBurst?: number;
  userAgent?: string;
  /** Called once per request with the RBAC permission it needs. */
  onAccess?: (access: ApiAccess) => void;
  /** Called after every request, for metrics. */
  onRequest?: (verb: string, resource: string, status: number, seconds: number) => void;
}

interface AuthState {
  headers: Record<string, string>;
  expires: number;
}

/**
 * A lean Kubernetes REST client over one keep-alive agent. Objects stay plain JSON (times as
 * RFC 3339 strings): client-node's generated clients build a new TLS agent per call and
 * convert every object through its serializer, which is too slow for thousands of pods.
 * Authentication (certificates, tokens, exec plugins) still comes from client-node's KubeConfig.
 */
export class KubeClient {
  readonly server: URL;
  private readonly agent: HttpAgent;
  private readonly limiter: RateLimiter;
  private readonly eventLimiter: RateLimiter;
  private auth: AuthState | undefined;
  private authPending: Promise<AuthState> | undefined;

  private constructor(
    private readonly kc: KubeConfig,
    tls: Record<string, unknown>,
    private readonly options: KubeClientOptions,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    // Idle sockets are kept up to the pool size: a burst of status writes would otherwise close
    // and re-open TLS connections. One secure context serves every connection (building one
    // parses the CA and client key, which costs more than the request on a busy node).
    const common = { keepAlive: true, maxSockets: 64, maxFreeSockets: 64, timeout: 120_000 };
    this.agent =
      this.server.protocol === 'https:'
        ? new HttpsAgent({ ...common, ...tls, secureContext: createSecureContext(secureContextOptions(tls)) })
        : new HttpAgent(common);
    this.limiter = new RateLimiter(options.qps ?? 100, options.burst ?? 200);
    this.eventLimiter = new RateLimiter(options.eventQps ?? 50, options.eventBurst ?? 100);
  }

  static async create(kc: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const opts: Record<string, unknown> = {};
    await kc.applyToHTTPSOptions(opts as never);
    const tls: Record<string, unknown> = {};
    for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername']) if (opts[k] !== undefined) tls[k] = opts[k];
    const cluster = kc.getCurrentCluster();
    if (cluster?.skipTLSVerify) tls['rejectUnauthorized'] = false;
    if (cluster?.tlsServerName) tls['servername'] = cluster.tlsServerName;
    return new KubeClient(kc, tls, options);
  }

  close(): void {
    this.agent.destroy();
  }

  /** JSON request; resolves with the decoded body of a 2xx answer, throws KubeApiError otherwise. */
  async request<T>(req: KubeRequest): Promise<T> {
    await (req.budget === 'events' ? this.eventLimiter : this.limiter).acquire(req.priority ?? apiPriorityOf(req.method, req.path));
    const started = process.hrtime.bigint();
    const res = await this.send(req, req.timeoutMs ?? 30_000);
    const text = await readBody(res);
    this.observe(req, res.statusCode ?? 0, started);
    const status = res.statusCode ?? 0;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status >= 300) {
      const s = (parsed ?? {}) as { reason?: string; message?: string; details?: unknown };
      throw new KubeApiError(status, s.reason ?? '', `${req.method} ${req.path}: HTTP ${status}: ${s.message ?? text.slice(0, 500)}`, s.details);
    }
    return parsed as T;
  }

  /** A streaming GET (watch); the caller owns the response and destroys it to stop. */
  async stream(req: KubeRequest): Promise<IncomingMessage> {
    const started = process.hrtime.bigint();
    const res = await this.send(req, req.timeoutMs ?? 30_000, true);
    this.observe(req, res.statusCode ?? 0, started);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(res);
      let message = text.slice(0, 500);
      let reason = '';
      try {
        const s = JSON.parse(text) as { reason?: string; message?: string };
        message = s.message ?? message;
        reason = s.reason ?? '';
      } catch {
        // not a Status object
      }
      throw new KubeApiError(status, reason, `${req.method} ${req.path}: HTTP ${status}: ${message}`);
    }
    return res;
  }

  private observe(req: KubeRequest, status: number, started: bigint): void {
    const access = apiAccessOf(req.method, req.path, req.query?.['watch'] === true || req.query?.['watch'] === 'true');
    if (access) this.options.onAccess?.(access);
    this.options.onRequest?.(access?.verb ?? req.method, access?.resource ?? 'other', status, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth && this.auth.expires > Date.now()) return this.auth.headers;
    this.authPending ??= (async () => {
      const opts: { headers?: Record<string, string> } = {};
      await this.kc.applyToHTTPSOptions(opts as never);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k] = String(v);
      const state = { headers, expires: Date.now() + 30_000 };
      this.auth = state;
      return state;
    })().finally(() => {
      this.authPending = undefined;
    });
    return (await this.authPending).headers;
  }

  private async send(req: KubeRequest, timeoutMs: number, headersOnly = false): Promise<IncomingMessage> {
    const url = new URL(req.path, this.server);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string | number> = {
      ...(await this.authHeaders()),
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'interlink-virtual-kubelet',
    };
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent: this.agent }, (res) => {
        if (headersOnly) clearTimeout(timer);
        res.once('end', () => clearTimeout(timer));
        res.once('close', () => clearTimeout(timer));
        resolve(res);
      });
      const timer = setTimeout(() => r.destroy(new Error(`${req.method} ${req.path}: no answer from the API server within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => {
        r.destroy(new Error(`${req.method} ${req.path}: aborted`));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.once('close', () => req.signal?.removeEventListener('abort', onAbort));
      r.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(payload);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

function secureContextOptions(tls: Record<string, unknown>): SecureContextOptions {
  const out: Record<string, unknown> = {};
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase']) if (tls[k] !== undefined) out[k] = tls[k];
  return out as SecureContextOptions;
}
