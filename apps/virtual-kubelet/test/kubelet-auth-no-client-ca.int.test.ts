import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, freePort, suffix } from './support/kube-harness';
import { kubeletGet } from './support/kubelet-client';
import { createTestCa, type TestCa } from './support/pki';
import { TestRelay } from './support/test-relay';
import { VkProcess } from './support/vk-process';

// A kubeconfig without a cluster CA (insecure-skip-tls-verify, or an API server certificate from a
// public CA) leaves the kubelet API without a client CA. Client certificates must then not be
// accepted at all: Node would otherwise verify them against its default trust store, so a
// certificate from any CA the system trusts (here: one added with NODE_EXTRA_CA_CERTS, standing in
// for a public CA) could claim any user and group.
let admin: KubeClient;
let relay: TestRelay;
let ca: TestCa;
let vk: VkProcess;
let port: number;
const nodeName = `vk-noca-${suffix()}`;

beforeAll(async () => {
  let kc: KubeConfig;
  ({ kc, admin } = await benchKube());
  ca = createTestCa(`vk-public-ca-${nodeName}`);
  const user = kc.getCurrentUser()!;
  const noCa = new KubeConfig();
  noCa.loadFromOptions({
    clusters: [{ name: 'bench', server: kc.getCurrentCluster()!.server, skipTLSVerify: true }],
    users: [user],
    contexts: [{ name: 'bench', cluster: 'bench', user: user.name }],
    currentContext: 'bench',
  });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'vk-noca-')), 'kubeconfig');
  writeFileSync(kubeconfig, noCa.exportConfig());
  relay = new TestRelay();
  await relay.start();
  port = await freePort();
  vk = new VkProcess(
    nodeName,
    { InterlinkURL: relay.url, InterlinkPort: relay.portString, DisableCSR: true, PingIntervalSeconds: 1 },
    {
      KUBECONFIG: kubeconfig,
      KUBELET_PORT: String(port),
      KUBELET_URL: '127.0.0.1',
      NODE_EXTRA_CA_CERTS: ca.certFile,
    },
  );
  vk.start();
  await waitFor(
    'kubelet API of the child process',
    async () => (await kubeletGet(port, '/healthz').catch(() => ({ status: 0 }))).status === 200,
    { timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  try {
    await vk?.kill('SIGTERM');
    await relay?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

describe('kubelet API without any client CA', () => {
  it('does not authenticate client certificates trusted only by the system trust store', async () => {
    const claim = ca.client('system:admin', ['system:masters']);
    const res = await kubeletGet(port, '/pods', claim);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('PodList');
    expect(
      vk.logLines(
        'no client CA (KubeletAuthentication.ClientCAFile, or a CA in the kubeconfig): client certificates are not accepted on the kubelet API',
      ),
    ).toHaveLength(1);
  });

  it('still serves /healthz and refuses anonymous callers', async () => {
    expect((await kubeletGet(port, '/healthz')).status).toBe(200);
    expect((await kubeletGet(port, '/pods')).status).toBe(401);
  });
});
