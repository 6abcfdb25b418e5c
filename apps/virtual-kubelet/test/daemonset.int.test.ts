import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, kubectl, startVk, suffix, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-ds-${id}`;
const ns = `vk-ds-${id}`;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, cfg: { SkipDaemonSetPods: true } });
});

afterAll(async () => {
  try {
    await deleteNamespace(admin, ns);
    await started?.vk.stop();
    await relay?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

describe('DaemonSet pods with SkipDaemonSetPods', () => {
  it('leaves them Pending with a clear reason and never submits them', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': nodeName },
            tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists' }],
            containers: [{ name: 'agent', image: 'busybox:latest', command: ['sleep', '3600'] }],
          },
        },
      },
    };
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(ds));
    const podOf = async (): Promise<V1Pod | undefined> => (await admin.request<{ items: V1Pod[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` })).items[0];
    await expect.poll(async () => (await podOf())?.status?.reason, { timeout: 30_000 }).toBe('DaemonSetPodNotOffloaded');
    const p = (await podOf())!;
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.message).toBe(`DaemonSet pods are not offloaded by virtual node ${nodeName} (SkipDaemonSetPods is set)`);
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('DaemonSetPodNotOffloaded');
    expect(relay.calls.create).toBe(0);
  });
});
