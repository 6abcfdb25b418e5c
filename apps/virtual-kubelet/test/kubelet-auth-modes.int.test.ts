import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, kubectl, startVk, suffix, type StartedVk } from './support/kube-harness';
import { adminCert, kubeletGet, type KubeletAuth } from './support/kubelet-client';
import { createTestCa, selfSignedClient, type Pem, type TestCa } from './support/pki';
import { TestRelay } from './support/test-relay';

// One virtual kubelet per authentication/authorization configuration, all against the bench
// API server (TokenReview and SubjectAccessReview are real). Certificates come from openssl.
let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let ca: TestCa;
let foreignCa: TestCa;
const id = suffix();
const vks: Record<'clientCa' | 'anonymous' | 'anonymousAllow' | 'allowNoWebhook', StartedVk | undefined> = {
  clientCa: undefined,
  anonymous: undefined,
  anonymousAllow: undefined,
  allowNoWebhook: undefined,
};
let saToken: string;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  ca = createTestCa(`vk-auth-ca-${id}`);
  foreignCa = createTestCa(`vk-foreign-ca-${id}`);
  relay = new TestRelay();
  await relay.start();
  const start = (name: string, cfg: Record<string, unknown>) =>
    startVk({
      kc,
      nodeName: `vk-auth-${name}-${id}`,
      relayUrl: relay.url,
      relayPort: relay.portString,
      cfg,
      level: 'warn',
    });
  vks.clientCa = await start('ca', { KubeletAuthentication: { ClientCAFile: ca.certFile } });
  vks.anonymous = await start('anon', { KubeletAuthentication: { Anonymous: true } });
  vks.anonymousAllow = await start('anon-allow', {
    KubeletAuthentication: { Anonymous: true },
    KubeletAuthorization: { Mode: 'AlwaysAllow' },
  });
  vks.allowNoWebhook = await start('nowebhook', {
    KubeletAuthentication: { ClientCAFile: ca.certFile, Webhook: false },
    KubeletAuthorization: { Mode: 'AlwaysAllow' },
  });
  saToken = (await kubectl(['create', 'token', '-n', 'default', 'default'])).trim();
});

afterAll(async () => {
  for (const started of Object.values(vks)) {
    if (!started) continue;
    try {
      await started.vk.stop();
    } finally {
      await cleanupNode(admin, started.nodeName);
    }
  }
  await relay?.stop();
  admin?.close();
});

const get = (which: keyof typeof vks, path: string, auth: KubeletAuth = {}) =>
  kubeletGet(vks[which]!.vk.kubeletApi.port, path, auth);

describe('kubelet API with KubeletAuthentication.ClientCAFile (authorization Webhook)', () => {
  let masters: Pem;
  let nobody: Pem;
  beforeAll(() => {
    masters = ca.client(`vk-test-admin-${id}`, ['system:masters']);
    nobody = ca.client(`vk-test-nobody-${id}`);
  });

  it('accepts a client certificate signed by the configured CA, and authorizes its CN/O with a SubjectAccessReview', async () => {
    const pods = await get('clientCa', '/pods', masters);
    expect(pods.status).toBe(200);
    expect(JSON.parse(pods.body)).toMatchObject({ kind: 'PodList' });
    // Same CA, a user without RBAC: authenticated (403, not 401), and the review names the cert's CN.
    const denied = await get('clientCa', '/pods', nobody);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(
      `user "vk-test-nobody-${id}" cannot get nodes/proxy of node ${vks.clientCa!.nodeName}`,
    );
    const metrics = await get('clientCa', '/metrics', nobody);
    expect(metrics.status).toBe(403);
    expect(metrics.body).toContain('cannot get nodes/metrics');
  });

  it('refuses certificates from any other CA (the cluster CA included) with 401, whatever they claim', async () => {
    const clusterAdmin = await get('clientCa', '/pods', adminCert(kc));
    expect(clusterAdmin.status).toBe(401);
    expect(clusterAdmin.body).toContain('client certificate not trusted');
    const foreign = await get('clientCa', '/pods', foreignCa.client('system:admin', ['system:masters']));
    expect(foreign.status).toBe(401);
    expect(foreign.body).toContain('client certificate not trusted');
    const self = await get('clientCa', '/pods', selfSignedClient('system:admin', ['system:masters']));
    expect(self.status).toBe(401);
  });

  it('still refuses anonymous callers and checks bearer tokens with TokenReview', async () => {
    const anonymous = await get('clientCa', '/pods');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toContain('authentication required');
    expect((await get('clientCa', '/pods', { token: 'made-up' })).status).toBe(401);
    // A real token authenticates (TokenReview) but the default service account may not read nodes/proxy.
    const sa = await get('clientCa', '/pods', { token: saToken });
    expect(sa.status).toBe(403);
    expect(sa.body).toContain('user "system:serviceaccount:default:default" cannot get nodes/proxy');
    expect((await get('clientCa', '/healthz')).status).toBe(200);
  });
});

describe('kubelet API with KubeletAuthentication.Anonymous (authorization Webhook)', () => {
  it('lets unauthenticated callers through authentication as system:anonymous, then authorizes them (403)', async () => {
    const anonymous = await get('anonymous', '/pods');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toContain(
      `user "system:anonymous" cannot get nodes/proxy of node ${vks.anonymous!.nodeName}`,
    );
    // The cluster CA is the default client CA: the admin certificate works as usual.
    expect((await get('anonymous', '/pods', adminCert(kc))).status).toBe(200);
  });

  it('does not fall back to anonymous for an untrusted client certificate or a bad token', async () => {
    const untrusted = await get('anonymous', '/pods', foreignCa.client('system:admin', ['system:masters']));
    expect(untrusted.status).toBe(401);
    expect(untrusted.body).toContain('client certificate not trusted');
    expect((await get('anonymous', '/pods', { token: 'made-up' })).status).toBe(401);
  });
});

describe('kubelet API with Anonymous and KubeletAuthorization.Mode AlwaysAllow', () => {
  it('serves unauthenticated callers without any SubjectAccessReview', async () => {
    const pods = await get('anonymousAllow', '/pods');
    expect(pods.status).toBe(200);
    expect(JSON.parse(pods.body)).toMatchObject({ kind: 'PodList' });
    const metrics = await get('anonymousAllow', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('interlink_vk_node_ready 1');
    expect([...vks.anonymousAllow!.access.keys()]).not.toContain(
      'authorization.k8s.io/subjectaccessreviews:create',
    );
  });

  it('still refuses an untrusted client certificate', async () => {
    const untrusted = await get(
      'anonymousAllow',
      '/pods',
      selfSignedClient('system:admin', ['system:masters']),
    );
    expect(untrusted.status).toBe(401);
    expect(untrusted.body).toContain('client certificate not trusted');
  });
});

describe('kubelet API with AlwaysAllow and KubeletAuthentication.Webhook false', () => {
  it('serves any certificate of the client CA without a SubjectAccessReview', async () => {
    const res = await get('allowNoWebhook', '/pods', ca.client(`vk-test-nobody-${id}`));
    expect(res.status).toBe(200);
    expect([...vks.allowNoWebhook!.access.keys()]).not.toContain(
      'authorization.k8s.io/subjectaccessreviews:create',
    );
  });

  it('refuses bearer tokens (even valid ones) without asking TokenReview, and anonymous callers', async () => {
    const token = await get('allowNoWebhook', '/pods', { token: saToken });
    expect(token.status).toBe(401);
    expect(token.body).toContain('bearer tokens are not accepted');
    expect([...vks.allowNoWebhook!.access.keys()]).not.toContain('authentication.k8s.io/tokenreviews:create');
    const anonymous = await get('allowNoWebhook', '/pods');
    expect(anonymous.status).toBe(401);
    expect((await get('allowNoWebhook', '/pods', adminCert(kc))).status).toBe(401);
  });
});
