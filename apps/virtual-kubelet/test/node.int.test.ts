import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Lease, V1Node } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, startVk, suffix, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const nodeName = `vk-node-${suffix()}`;

async function node(): Promise<V1Node> {
  return admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` });
}
const cond = (n: V1Node, type: string) => n.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  relay = new TestRelay({
    ping: {
      status: 'ok',
      resources: { cpu: '1536', memory: '12000Gi', pods: '1000', accelerators: [{ resourceType: 'nvidia.com/gpu', available: '64' }] },
      taints: [{ key: 'hpc.example.org/maintenance', value: '2026-03-05', effect: 'PreferNoSchedule' }],
    },
  });
  await relay.start();
  const t0 = Date.now();
  started = await startVk({
    kc,
    nodeName,
    relayUrl: relay.url,
    relayPort: relay.portString,
    cfg: { NodeLabels: ['site=test'], NodeTaints: [{ Key: 'hpc', Value: 'yes', Effect: 'NoExecute' }], Resources: { CPU: '8', Memory: '16Gi', Pods: '50', Accelerators: [{ ResourceType: 'xilinx.com/fpga', Model: 'u250', Available: '2' }] } },
  });
  // Ready within one ping of start-up: start() returns after the first ping and the first write.
  expect(Date.now() - t0).toBeLessThan(10_000);
});

afterAll(async () => {
  try {
    await started?.vk.stop();
    await relay?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

describe('node registration against the real API server', () => {
  it('registers the node Ready at once, with labels, taints, addresses and node info', async () => {
    const n = await node();
    expect(n.metadata?.labels).toMatchObject({
      'kubernetes.io/os': 'virtual-kubelet',
      'kubernetes.io/hostname': nodeName,
      'kubernetes.io/role': 'agent',
      'virtual-node.interlink/type': 'virtual-kubelet',
      'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
      'xilinx-fpga-type': 'u250',
      site: 'test',
    });
    expect(cond(n, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(cond(n, 'InterlinkConnectivity')).toMatchObject({ status: 'True', reason: 'InterlinkPingSuccessful' });
    expect(cond(n, 'NetworkUnavailable')?.status).toBe('False');
    expect(cond(n, 'PIDPressure')?.status).toBe('False');
    expect(n.spec?.providerID).toBe(`external:///${nodeName}`);
    expect(n.status?.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }]);
    expect(n.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(started.vk.kubeletApi.port);
    expect(n.status?.nodeInfo?.kubeletVersion).toBe('v0.0.0-test-interlink');
    expect(n.metadata?.annotations?.['interlink.virtual-kubelet.io/ping-response']).toContain('"status":"ok"');
  });

  it('takes capacity and taints from the ping, keeping the opt-in taint first', async () => {
    const n = await node();
    expect(n.status?.capacity).toMatchObject({ cpu: '1536', memory: '12000Gi', pods: '1k', 'nvidia.com/gpu': '64', 'xilinx.com/fpga': '2' });
    expect(n.status?.allocatable).toEqual(n.status?.capacity);
    const taints = n.spec?.taints?.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`);
    expect(taints?.[0]).toBe('virtual-node.interlink/no-schedule=true:NoSchedule');
    expect(taints).toContain('hpc=yes:NoExecute');
    expect(taints).toContain('hpc.example.org/maintenance=2026-03-05:PreferNoSchedule');
  });

  it('applies new plugin taints and capacity, and keeps taints set by others', async () => {
    await admin.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${nodeName}`,
      contentType: 'application/merge-patch+json',
      body: { spec: { taints: [...((await node()).spec?.taints ?? []), { key: 'someone.else/owns-this', effect: 'NoSchedule' }] } },
    });
    relay.backend.setPing({ status: 'ok', resources: { cpu: '32', pods: '200' }, taints: [] });
    await expect
      .poll(async () => (await node()).spec?.taints?.map((t) => t.key), { timeout: 10_000 })
      .toEqual(['virtual-node.interlink/no-schedule', 'hpc', 'someone.else/owns-this']);
    await expect.poll(async () => (await node()).status?.capacity, { timeout: 10_000 }).toMatchObject({ cpu: '32', pods: '200' });
  });

  it('keeps a Lease in kube-node-lease renewed', async () => {
    const lease = await admin.request<V1Lease>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}` });
    expect(lease.spec?.holderIdentity).toBe(nodeName);
    expect(lease.spec?.leaseDurationSeconds).toBe(40);
    expect(lease.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: nodeName });
    const first = String(lease.spec?.renewTime);
    await expect
      .poll(async () => String((await admin.request<V1Lease>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}` })).spec?.renewTime), { timeout: 8_000 })
      .not.toBe(first);
  });

  it('goes NotReady with a reason when the relay is down, and recovers', async () => {
    await relay.stop();
    await expect.poll(async () => cond(await node(), 'Ready')?.status, { timeout: 15_000 }).toBe('False');
    const down = await node();
    expect(cond(down, 'Ready')?.reason).toBe('KubeletNotReady');
    expect(cond(down, 'Ready')?.message).toMatch(/relay unreachable/);
    expect(cond(down, 'InterlinkConnectivity')).toMatchObject({ status: 'False', reason: 'InterlinkPingFailed' });
    expect(down.metadata?.annotations?.['interlink.virtual-kubelet.io/ping-response']).toBe('');
    await relay.start();
    await expect.poll(async () => cond(await node(), 'Ready')?.status, { timeout: 15_000 }).toBe('True');
    const events = await admin.request<{ items: Array<{ reason: string; involvedObject: { name: string } }> }>({ method: 'GET', path: '/api/v1/namespaces/default/events', query: { fieldSelector: `involvedObject.name=${nodeName}` } });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toContain('NodeNotReady');
    expect(reasons).toContain('NodeReady');
  });

  it('preserves lastTransitionTime while Ready does not change', async () => {
    const before = cond(await node(), 'Ready')?.lastTransitionTime;
    await new Promise((r) => setTimeout(r, 2500));
    expect(cond(await node(), 'Ready')?.lastTransitionTime).toBe(before);
  });
});
