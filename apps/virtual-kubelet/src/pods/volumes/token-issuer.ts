import type { AuthenticationV1TokenRequest, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/kube-client';
import { enc } from '../api-object-source';

export interface TokenSpec {
  audience?: string;
  /** The projected source's expirationSeconds (API default 3600). */
  expirationSeconds?: number;
}

interface Issued {
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** The lifetime asked for; the API server may grant more (3607 s tokens extended to a year). */
  requestedMs: number;
}

export interface TokenIssuerOptions {
  /** Share of a token's lifetime after which a fresh one is issued (kubelet: 0.8). */
  refreshFraction?: number;
  /** A token older than this is refreshed whatever its lifetime (kubelet: 24 h). */
  maxAgeMs?: number;
}

const DAY_MS = 24 * 3600_000;

/**
 * Service-account tokens for projected volumes through the TokenRequest API, bound to the pod,
 * with the source's audience and lifetime (like the kubelet's token manager). A token is
 * reused until 80 % of its lifetime (or 24 h) has passed; after that a fresh one is issued.
 */
export class ServiceAccountTokenIssuer {
  private readonly issued = new Map<string, Issued>();
  private readonly refreshFraction: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly kube: KubeClient,
    options: TokenIssuerOptions = {},
  ) {
    this.refreshFraction = options.refreshFraction ?? 0.8;
    this.maxAgeMs = options.maxAgeMs ?? DAY_MS;
  }

  async token(pod: V1Pod, spec: TokenSpec, now = Date.now()): Promise<string> {
    const key = this.key(pod, spec);
    const prev = this.issued.get(key);
    if (prev && !this.due(prev, now)) return prev.token;
    const ns = pod.metadata?.namespace ?? 'default';
    const sa = pod.spec?.serviceAccountName || 'default';
    const exp = spec.expirationSeconds ?? 3600;
    const body: AuthenticationV1TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: spec.audience ? [spec.audience] : [],
        expirationSeconds: exp,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
      },
    };
    const res = await this.kube.request<AuthenticationV1TokenRequest>({
      method: 'POST',
      path: `/api/v1/namespaces/${enc(ns)}/serviceaccounts/${enc(sa)}/token`,
      body,
    });
    const token = res.status?.token;
    if (!token) throw new Error(`TokenRequest for service account ${ns}/${sa} returned no token`);
    const expiresAt = Date.parse(String(res.status?.expirationTimestamp ?? '')) || now + exp * 1000;
    this.issued.set(key, { token, issuedAt: now, expiresAt, requestedMs: exp * 1000 });
    return token;
  }

  /**
   * True when a token of this pod should be replaced: one is past its refresh point, or one was
   * never issued by this process (after a restart the age of the pod's token is unknown).
   */
  needsRefresh(pod: V1Pod, specs: TokenSpec[], now = Date.now()): boolean {
    return specs.some((spec) => {
      const prev = this.issued.get(this.key(pod, spec));
      return !prev || this.due(prev, now);
    });
  }

  /** Drop tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const key of this.issued.keys()) if (key.startsWith(`${podUid}/`)) this.issued.delete(key);
  }

  /** Drop tokens of every pod not in `uids`. */
  retain(uids: ReadonlySet<string>): void {
    for (const key of this.issued.keys()) if (!uids.has(key.slice(0, key.indexOf('/')))) this.issued.delete(key);
  }

  private due(prev: Issued, now: number): boolean {
    // Like the kubelet, the share is of the requested lifetime when the server granted more.
    const lifetime = Math.min(prev.expiresAt - prev.issuedAt, prev.requestedMs);
    const refreshAt = prev.issuedAt + Math.min(this.refreshFraction * lifetime, this.maxAgeMs);
    return now >= refreshAt;
  }

  private key(pod: V1Pod, spec: TokenSpec): string {
    const sa = pod.spec?.serviceAccountName || 'default';
    return `${pod.metadata?.uid}/${sa}/${spec.audience ?? ''}/${spec.expirationSeconds ?? 3600}`;
  }
}

/** The serviceAccountToken sources of a pod's projected volumes. */
export function tokenSpecsOf(pod: V1Pod): TokenSpec[] {
  const specs: TokenSpec[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      specs.push({
        ...(t.audience ? { audience: t.audience } : {}),
        ...(t.expirationSeconds !== undefined ? { expirationSeconds: t.expirationSeconds } : {}),
      });
    }
  }
  return specs;
}
