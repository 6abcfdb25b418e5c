import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { V1SubjectAccessReview, V1TokenReview } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/kube-client';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type AuthnResult = { ok: true; user: UserInfo; via: 'certificate' | 'token' | 'anonymous' } | { ok: false; status: 401; message: string };

export interface KubeletAuthOptions {
  anonymous: boolean;
  webhook: boolean;
}

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Kubelet-style authentication: a client certificate verified against the client CA (the
 * TLS layer checks it; CN is the user, O the groups), else a bearer token checked with
 * TokenReview (cached 2 min when valid, 30 s when not), else anonymous when allowed.
 */
export class KubeletAuthenticator {
  private readonly tokens = new Map<string, Cached<UserInfo | undefined>>();

  constructor(
    private readonly kube: KubeClient,
    private readonly options: KubeletAuthOptions,
  ) {}

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    const socket = req.socket as TLSSocket;
    if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      if (cert && cert.subject) {
        const cn = single(cert.subject.CN);
        const orgs = cert.subject.O === undefined ? [] : Array.isArray(cert.subject.O) ? cert.subject.O : [cert.subject.O];
        if (cn) return { ok: true, via: 'certificate', user: { username: cn, groups: [...orgs, 'system:authenticated'] } };
      }
    }
    const header = req.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (m?.[1]) {
      if (!this.options.webhook) return { ok: false, status: 401, message: 'bearer tokens are not accepted (KubeletAuthentication.Webhook is false)' };
      const user = await this.review(m[1]);
      if (user) return { ok: true, via: 'token', user };
      return { ok: false, status: 401, message: 'invalid bearer token' };
    }
    if (socket.authorizationError && socket.getPeerCertificate?.()?.subject) {
      return { ok: false, status: 401, message: `client certificate not trusted: ${String(socket.authorizationError)}` };
    }
    if (this.options.anonymous) return { ok: true, via: 'anonymous', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
    return { ok: false, status: 401, message: 'authentication required: present a client certificate signed by the cluster CA or a bearer token' };
  }

  private async review(token: string): Promise<UserInfo | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.tokens.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const res = await this.kube.request<V1TokenReview>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const u = res.status?.authenticated ? res.status.user : undefined;
    const value: UserInfo | undefined = u?.username
      ? { username: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) }
      : undefined;
    this.tokens.set(key, { value, until: Date.now() + (value ? 120_000 : 30_000) });
    if (this.tokens.size > 10_000) this.tokens.clear();
    return value;
  }
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

/** SubjectAccessReview on nodes/<subresource> for this node (cached 5 min allowed, 30 s denied). */
export class KubeletAuthorizer {
  private readonly cache = new Map<string, Cached<{ allowed: boolean; reason: string }>>();

  constructor(
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly alwaysAllow: boolean,
  ) {}

  async authorize(user: UserInfo, method: string, path: string): Promise<{ allowed: boolean; reason: string }> {
    if (this.alwaysAllow) return { allowed: true, reason: 'AlwaysAllow' };
    const verb = kubeletVerb(method);
    const subresource = kubeletSubresource(path);
    const key = JSON.stringify([user.username, user.groups, user.uid, verb, subresource]);
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
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
    });
    const allowed = res.status?.allowed === true;
    const value = {
      allowed,
      reason: allowed ? (res.status?.reason ?? '') : `user "${user.username}" cannot ${verb} nodes/${subresource} of node ${this.nodeName}${res.status?.reason ? `: ${res.status.reason}` : ''}`,
    };
    this.cache.set(key, { value, until: Date.now() + (allowed ? 300_000 : 30_000) });
    if (this.cache.size > 10_000) this.cache.clear();
    return value;
  }
}
