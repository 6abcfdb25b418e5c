import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { V1SubjectAccessReview, V1TokenReview } from '@kubernetes/client-node';
import { KubeApiError, type KubeClient } from '../kube/kube-client';
import { ReviewBudget, type ReviewBudgetOptions, type ReviewRefusal } from './review-budget';
import { holdConnection } from './connection-hold';
import { ReviewCache } from './review-cache';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** A refusal; 429 (review budget spent) carries the Retry-After to send. */
export type AuthnResult =
  | { ok: true; user: UserInfo; via: 'certificate' | 'token' | 'anonymous' }
  | { ok: false; status: 401; message: string }
  | { ok: false; status: 429; message: string; retryAfterSeconds: number };

export interface AuthzResult {
  allowed: boolean;
  reason: string;
  /** Set when no answer could be had now (review budget spent): 429 with Retry-After. */
  status?: 429;
  retryAfterSeconds?: number;
}

/** Kubelet defaults: --authentication-token-webhook-cache-ttl 2m, --authorization-webhook-cache-{authorized,unauthorized}-ttl 5m / 30s. */
export const KUBELET_AUTH_DEFAULTS = {
  authnCacheTtlMs: 120_000,
  authzAuthorizedTtlMs: 300_000,
  authzUnauthorizedTtlMs: 30_000,
  cacheSize: 10_000,
  budget: { qps: 10, burst: 20, maxInFlight: 10 } satisfies ReviewBudgetOptions,
};

export interface KubeletAuthOptions {
  anonymous: boolean;
  webhook: boolean;
  /** How long a TokenReview answer is reused, valid and invalid tokens alike (kubelet: one TTL for both). */
  cacheTtlMs?: number;
  cacheSize?: number;
  /** Bound on the TokenReviews callers can trigger; default KUBELET_AUTH_DEFAULTS.budget. */
  budget?: ReviewBudget;
  now?: () => number;
}

export interface KubeletAuthzOptions {
  authorizedTtlMs?: number;
  unauthorizedTtlMs?: number;
  cacheSize?: number;
  /** Bound on the SubjectAccessReviews callers can trigger; default KUBELET_AUTH_DEFAULTS.budget. */
  budget?: ReviewBudget;
  now?: () => number;
}

/** What the kubelet API answers to a refused caller. */
export interface Refusal {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export function refusalOf(result: Exclude<AuthnResult, { ok: true }> | AuthzResult): Refusal {
  if (result.status === 429) {
    const detail = 'message' in result ? result.message : result.reason;
    return { status: 429, body: `Too many requests: ${detail}`, headers: { 'Retry-After': String(result.retryAfterSeconds ?? 1) } };
  }
  if ('message' in result) return { status: result.status, body: `Unauthorized: ${result.message}`, headers: {} };
  return { status: 403, body: `Forbidden: ${result.reason}`, headers: {} };
}

/** Reviews answer within this; a slow API server must not hold the review slots for 30 s. */
const REVIEW_TIMEOUT_MS = 10_000;

/**
 * Kubelet-style authentication: a client certificate verified against the client CA (the
 * TLS layer checks it; CN is the user, O the groups), else a bearer token checked with
 * TokenReview (answers cached, see ReviewCache; reviews bounded by a ReviewBudget), else
 * anonymous when allowed.
 */
export class KubeletAuthenticator {
  private readonly tokens: ReviewCache<{ user?: UserInfo }>;
  private readonly budget: ReviewBudget;

  constructor(
    private readonly kube: KubeClient,
    private readonly options: KubeletAuthOptions,
  ) {
    this.tokens = new ReviewCache({ max: options.cacheSize ?? KUBELET_AUTH_DEFAULTS.cacheSize, ...(options.now ? { now: options.now } : {}) });
    this.budget = options.budget ?? new ReviewBudget({ ...KUBELET_AUTH_DEFAULTS.budget, ...(options.now ? { now: options.now } : {}) });
  }

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    const byCert = certificateUser(req.socket as TLSSocket);
    if (byCert) return { ok: true, via: 'certificate', user: byCert };
    const header = req.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (m?.[1]) {
      const result = await this.authenticateToken(m[1]);
      // A caller told to come back later is not read again before then (the answer itself goes out now).
      if (!result.ok && result.status === 429) holdConnection(req.socket, result.retryAfterSeconds * 1000);
      return result;
    }
    const socket = req.socket as TLSSocket;
    if (socket.authorizationError && socket.getPeerCertificate?.()?.subject) {
      return { ok: false, status: 401, message: `client certificate not trusted: ${String(socket.authorizationError)}` };
    }
    if (this.options.anonymous) return { ok: true, via: 'anonymous', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
    return { ok: false, status: 401, message: 'authentication required: present a client certificate signed by the cluster CA or a bearer token' };
  }

  /** A bearer token: a cached answer (a known bad token is refused without any review), else a TokenReview within the budget. */
  async authenticateToken(token: string): Promise<AuthnResult> {
    if (!this.options.webhook) return { ok: false, status: 401, message: 'bearer tokens are not accepted (KubeletAuthentication.Webhook is false)' };
    try {
      const answer = await this.tokens.get(token, () => this.budget.start(() => this.review(token)));
      if (!answer) return tooMany('token review', this.budget.lastRefusal);
      if (answer.user) return { ok: true, via: 'token', user: answer.user };
      return { ok: false, status: 401, message: 'invalid bearer token' };
    } catch (err) {
      if (!isTooManyRequests(err)) throw err;
      return tooMany('token review', { message: err.message, retryAfterSeconds: 1 });
    }
  }

  private async review(token: string): Promise<{ value: { user?: UserInfo }; ttlMs: number }> {
    const res = await this.kube.request<V1TokenReview>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      priority: 'review',
      timeoutMs: REVIEW_TIMEOUT_MS,
    });
    const u = res.status?.authenticated ? res.status.user : undefined;
    const user: UserInfo | undefined = u?.username
      ? { username: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) }
      : undefined;
    return { value: user ? { user } : {}, ttlMs: this.options.cacheTtlMs ?? KUBELET_AUTH_DEFAULTS.authnCacheTtlMs };
  }
}

/** The user of a client certificate the TLS layer verified against the client CA. */
function certificateUser(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.subject) return undefined;
  const cn = single(cert.subject.CN);
  if (!cn) return undefined;
  const o = cert.subject.O;
  const orgs = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: cn, groups: [...orgs, 'system:authenticated'] };
}

/** The API server's own rate limit: like our budget spent, "retry later". */
function isTooManyRequests(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && err.status === 429;
}

function tooMany(what: string, refusal: ReviewRefusal): { ok: false; status: 429; message: string; retryAfterSeconds: number } {
  return { ok: false, status: 429, message: `${what} not possible now: ${refusal.message}`, retryAfterSeconds: refusal.retryAfterSeconds };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The node subresource a kubelet path needs, as the kubelet maps it. */
export function kubeletSubresource(path: string): string {
  const under = (p: string) => path === p || path.startsWith(`${p}/`);
  if (under('/stats')) return 'stats';
  if (under('/metrics')) return 'metrics';
  if (under('/logs')) return 'log';
  if (under('/spec')) return 'spec';
  return 'proxy';
}

export function kubeletVerb(method: string): string {
  switch (method.toUpperCase()) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

function refusedNow(refusal: ReviewRefusal): AuthzResult {
  const busy = tooMany('access review', refusal);
  return { allowed: false, reason: busy.message, status: 429, retryAfterSeconds: busy.retryAfterSeconds };
}

/** SubjectAccessReview on nodes/<subresource> for this node (answers cached: 5 min allowed, 30 s denied by default). */
export class KubeletAuthorizer {
  private readonly cache: ReviewCache<AuthzResult>;
  private readonly budget: ReviewBudget;

  constructor(
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly alwaysAllow: boolean,
    private readonly options: KubeletAuthzOptions = {},
  ) {
    this.cache = new ReviewCache({ max: options.cacheSize ?? KUBELET_AUTH_DEFAULTS.cacheSize, ...(options.now ? { now: options.now } : {}) });
    this.budget = options.budget ?? new ReviewBudget({ ...KUBELET_AUTH_DEFAULTS.budget, ...(options.now ? { now: options.now } : {}) });
  }

  async authorize(user: UserInfo, method: string, path: string): Promise<AuthzResult> {
    if (this.alwaysAllow) return { allowed: true, reason: 'AlwaysAllow' };
    const verb = kubeletVerb(method);
    const subresource = kubeletSubresource(path);
    const key = JSON.stringify([user.username, user.groups, user.uid, user.extra, verb, subresource]);
    try {
      const answer = await this.cache.get(key, () => this.budget.start(() => this.review(user, verb, subresource)));
      if (answer) return answer;
      return refusedNow(this.budget.lastRefusal);
    } catch (err) {
      if (!isTooManyRequests(err)) throw err;
      return refusedNow({ message: err.message, retryAfterSeconds: 1 });
    }
  }

  private async review(user: UserInfo, verb: string, subresource: string): Promise<{ value: AuthzResult; ttlMs: number }> {
    const res = await this.kube.request<V1SubjectAccessReview>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: user.groups,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: { verb, resource: 'nodes', subresource, name: this.nodeName },
        },
      },
      priority: 'review',
      timeoutMs: REVIEW_TIMEOUT_MS,
    });
    const allowed = res.status?.allowed === true;
    const why = res.status?.reason ? `: ${res.status.reason}` : '';
    const reason = allowed ? (res.status?.reason ?? '') : `user "${user.username}" cannot ${verb} nodes/${subresource} of node ${this.nodeName}${why}`;
    const ttlMs = allowed ? (this.options.authorizedTtlMs ?? KUBELET_AUTH_DEFAULTS.authzAuthorizedTtlMs) : (this.options.unauthorizedTtlMs ?? KUBELET_AUTH_DEFAULTS.authzUnauthorizedTtlMs);
    return { value: { allowed, reason }, ttlMs };
  }
}
