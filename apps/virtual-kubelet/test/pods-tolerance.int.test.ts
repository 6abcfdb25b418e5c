import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

// Plugin answers the node controller must tolerate, and pod values it must check before they
// reach the status (issues 15 and 16, create Warnings, refused and deleted creates).

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-tol-${id}`;
const ns = `vk-tol-${id}`;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString });
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

async function apply(obj: V1Pod): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
}
async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}
async function events(name: string): Promise<string[]> {
  const list = await admin.request<{ items: Array<{ type: string; reason: string; message: string }> }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events`, query: { fieldSelector: `involvedObject.name=${name}` } });
  return list.items.map((e) => `${e.type}/${e.reason}: ${e.message}`);
}
const phase = (name: string) => async () => (await pod(name)).status?.phase;
const sleeper = { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] };

describe('tolerant status handling and safe status values', () => {
  it('runs and completes a pod with init containers when the plugin answers initContainers: null (issue 16)', async () => {
    relay.statusRewrite = (s) => ({ ...s, initContainers: null });
    try {
      await apply(virtualPod(nodeName, 'init-null', { ...sleeper, initContainers: [{ name: 'setup', image: 'busybox:latest', command: ['true'] }] }));
      await expect.poll(phase('init-null'), { timeout: 20_000 }).toBe('Running');
      const running = await pod('init-null');
      expect(running.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
      expect(running.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
      relay.backend.setContainerState(running.metadata!.uid!, 'main', { terminated: { exitCode: 0, reason: 'Completed' } });
      await expect.poll(phase('init-null'), { timeout: 20_000 }).toBe('Succeeded');
    } finally {
      relay.statusRewrite = undefined;
    }
  });

  it('keeps an invalid interlink.eu/pod-ip out of the status, with a Warning naming it; the pod runs (issue 15)', async () => {
    await apply(virtualPod(nodeName, 'bad-ip', sleeper, { annotations: { 'interlink.eu/pod-ip': '10.0.0.300' } }));
    await expect.poll(phase('bad-ip'), { timeout: 20_000 }).toBe('Running');
    expect((await pod('bad-ip')).status?.podIP).toBeUndefined();
    await expect.poll(() => events('bad-ip'), { timeout: 10_000 }).toContain(
      'Warning/InvalidPodIP: annotation interlink.eu/pod-ip is "10.0.0.300", which is not an IPv4 or IPv6 address; status.podIP is left unset',
    );
    await apply(virtualPod(nodeName, 'good-ip', sleeper, { annotations: { 'interlink.eu/pod-ip': 'fd00::7' } }));
    await expect.poll(async () => (await pod('good-ip')).status?.podIPs, { timeout: 20_000 }).toEqual([{ ip: 'fd00::7' }]);
  });

  it('turns the Warnings of a create answer into Warning events', async () => {
    relay.createExtras = { Warnings: ['memory limit rounded up to 1G'] };
    try {
      await apply(virtualPod(nodeName, 'warned', sleeper));
      await expect.poll(phase('warned'), { timeout: 20_000 }).toBe('Running');
    } finally {
      relay.createExtras = {};
    }
    await expect.poll(() => events('warned'), { timeout: 10_000 }).toContain('Warning/PluginWarning: memory limit rounded up to 1G');
  });

  it('retries a create answered 500 even for restartPolicy Never, then runs the pod', async () => {
    relay.fail('create', 500, 'plugin restarting', 2);
    await apply(virtualPod(nodeName, 'retried-500', { ...sleeper, restartPolicy: 'Never' }));
    await expect.poll(async () => (await pod('retried-500')).status?.message ?? '', { timeout: 20_000 }).toMatch(/^error creating pod \(HTTP 500\): plugin restarting \(retrying in \d+s\)$/);
    expect((await pod('retried-500')).status?.phase).toBe('Pending');
    await expect.poll(phase('retried-500'), { timeout: 30_000 }).toBe('Running');
  });

  it('fails a pod whose create is refused with 4xx, with the plugin message and a Warning event', async () => {
    relay.fail('create', 400, '{"error":"spec.containers[0].resources: no partition offers 512 GPUs"}', 1);
    const creates = relay.calls.create;
    await apply(virtualPod(nodeName, 'refused-400', sleeper));
    await expect.poll(phase('refused-400'), { timeout: 20_000 }).toBe('Failed');
    const p = await pod('refused-400');
    expect(p.status?.reason).toBe('ProviderFailed');
    expect(p.status?.message).toBe('error creating pod (HTTP 400): spec.containers[0].resources: no partition offers 512 GPUs');
    expect(await events('refused-400')).toContain('Warning/Failed: error creating pod (HTTP 400): spec.containers[0].resources: no partition offers 512 GPUs');
    expect(relay.calls.create).toBe(creates + 1);
  });

  it('does not retry a create the plugin answers 409 (deleted before the create arrived)', async () => {
    relay.fail('create', 409, '{"error":"pod was deleted before this create arrived; nothing was started"}', 1);
    const creates = relay.calls.create;
    await apply(virtualPod(nodeName, 'deleted-409', sleeper));
    await expect.poll(phase('deleted-409'), { timeout: 20_000 }).toBe('Failed');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(relay.calls.create).toBe(creates + 1);
    expect((await pod('deleted-409')).status?.message).toContain('nothing was started');
  });
});
