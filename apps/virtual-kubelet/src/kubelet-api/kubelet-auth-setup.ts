import type { Logger } from '@interlink/logging';
import type { VkConfig } from '../config/vk-config';
import type { KubeClient } from '../kube/kube-client';
import { KubeletAuthenticator, KubeletAuthorizer } from './kubelet-auth';
import { ReviewBudget } from './review-budget';

/**
 * The kubelet API's authenticator and authorizer from the config. Each gets its own review
 * budget: an unauthenticated flood spends only the TokenReview one, so callers that did
 * authenticate (the API server with its client certificate) can still be authorized.
 */
export function kubeletAuth(kube: KubeClient, cfg: VkConfig, nodeName: string, log?: Logger): { authn: KubeletAuthenticator; authz: KubeletAuthorizer } {
  const budget = (what: string): ReviewBudget =>
    new ReviewBudget({ qps: cfg.KubeletReviewQPS, burst: cfg.KubeletReviewBurst, maxInFlight: cfg.KubeletReviewMaxInFlight, what, ...(log ? { log } : {}) });
  const authn = new KubeletAuthenticator(kube, {
    anonymous: cfg.KubeletAuthentication.Anonymous,
    webhook: cfg.KubeletAuthentication.Webhook,
    cacheTtlMs: cfg.KubeletAuthentication.WebhookCacheTTLSeconds * 1000,
    budget: budget('TokenReview'),
  });
  const authz = new KubeletAuthorizer(kube, nodeName, cfg.KubeletAuthorization.Mode === 'AlwaysAllow', {
    authorizedTtlMs: cfg.KubeletAuthorization.WebhookCacheAuthorizedTTLSeconds * 1000,
    unauthorizedTtlMs: cfg.KubeletAuthorization.WebhookCacheUnauthorizedTTLSeconds * 1000,
    budget: budget('SubjectAccessReview'),
  });
  return { authn, authz };
}
