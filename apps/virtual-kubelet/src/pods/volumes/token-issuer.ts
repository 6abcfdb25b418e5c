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
}

/**
 * Service-account tokens for projected volumes through the TokenRequest API, bound to the pod,
 * with the source's audience and lifetime (like the kubelet's token manager). A token is
 * reused while less than 80 % of its lifetime has passed; after that a fresh one is issued.
 */
export class ServiceAccountTokenIssuer {
  private readonly issued = new Map<string, Issued>();

  constructor(private readonly kube: KubeClient) {}

  async token(pod: V1Pod, spec: TokenSpec, now = Date.now()): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    const sa = pod.spec?.serviceAccountName || 'default';
    const exp = spec.expirationSeconds ?? 3600;
    const key = `${pod.metadata?.uid}/${sa}/${spec.audience ?? ''}/${exp}`;
    const prev = this.issued.get(key);
    if (prev && now < prev.issuedAt + 0.8 * (prev.expiresAt - prev.issuedAt)) return prev.token;
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
    this.issued.set(key, { token, issuedAt: now, expiresAt });
    return token;
  }

  /** Drop tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const key of this.issued.keys()) if (key.startsWith(`${podUid}/`)) this.issued.delete(key);
  }
}
