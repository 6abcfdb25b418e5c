import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import type { KubeClient } from '../src/kube/kube-client';
import { KubeletApiServer } from '../src/kubelet-api/kubelet-api-server';
import { KubeletAuthenticator, KubeletAuthorizer } from '../src/kubelet-api/kubelet-auth';
import { selfSignedCert } from '../src/kubelet-api/certs/self-signed-cert-source';
import type { ServingCertSource } from '../src/kubelet-api/certs/serving-cert';
import { benchKube } from './support/kube-harness';
import { kubeletGet } from './support/kubelet-client';

// Request-level hardening of the kubelet API (issue 15): what a kubelet client can send that
// no handler should ever see. Anonymous access is off and authorization is AlwaysAllow, so
// no review reaches the API server: only the bench's client is needed for the authenticator.
describe('kubelet API: malformed requests', () => {
  let admin: KubeClient;
  let server: KubeletApiServer;
  let port: number;
  const cert = selfSignedCert('vk-hardening', '127.0.0.1');
  const certs: ServingCertSource = { start: async () => cert, current: () => cert, onChange: () => undefined, stop: () => undefined, mode: 'self-signed' };
  const noLogs = { logs: () => Promise.reject(new Error('no logs in this test')) } as unknown as Provider;

  beforeAll(async () => {
    ({ admin } = await benchKube());
    server = new KubeletApiServer({
      bind: '127.0.0.1',
      port: 0,
      nodeName: 'vk-hardening',
      certs,
      authn: new KubeletAuthenticator(admin, { anonymous: false, webhook: false }),
      authz: new KubeletAuthorizer(admin, 'vk-hardening', true),
      provider: noLogs,
      pods: { list: () => [], find: () => undefined, running: () => [] },
      registry: new Registry(),
      log: createLogger({ service: 'test', level: 'error' }),
    });
    await server.start();
    port = server.port;
  });
  afterAll(async () => {
    await server?.stop();
    admin?.close();
  });

  it('answers 400 naming the problem for malformed percent-encoding in the path (not 500 "URI malformed")', async () => {
    for (const path of ['/containerLogs/default/%ZZ/main', '/containerLogs/%E0%A4%A/p/c', '/pods%']) {
      const res = await kubeletGet(port, path);
      expect(res.status).toBe(400);
      expect(res.body).toContain('malformed percent-encoding in the request path');
    }
  });

  it('keeps /healthz anonymous and /metrics, /pods and unknown paths behind authentication', async () => {
    expect(await kubeletGet(port, '/healthz')).toEqual({ status: 200, body: 'ok' });
    for (const path of ['/metrics', '/pods', '/containerLogs/default/p/c', '/no/such/path']) {
      const res = await kubeletGet(port, path);
      expect(res.status).toBe(401);
      expect(res.body).toContain('Unauthorized: authentication required');
    }
  });
});
