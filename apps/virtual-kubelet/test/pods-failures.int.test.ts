import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import { JOB_ID_ANNOTATION } from '@interlink/api';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-fail-${id}`;
const ns = `vk-fail-${id}`;

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

async function apply(obj: unknown): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
}
async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const longRunning = { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] };

describe('failures surface as pod state, never silently', () => {
  it('a create refused by the plugin (4xx) fails the pod with the plugin message', async () => {
    relay.fail('create', 400, 'sbatch: error: invalid partition specified: gpu', 1);
    await apply(virtualPod(nodeName, 'refused'));
    await expect.poll(async () => (await pod('refused')).status?.phase, { timeout: 20_000 }).toBe('Failed');
    const p = await pod('refused');
    expect(p.status?.reason).toBe('ProviderFailed');
    expect(p.status?.message).toBe('error creating pod (HTTP 400): sbatch: error: invalid partition specified: gpu');
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 1, reason: 'ProviderFailed' });
  });

  it('a create answered 5xx stays Pending with the reason and is retried', async () => {
    relay.fail('create', 500, 'quota exceeded', 1);
    await apply(virtualPod(nodeName, 'retried', { ...longRunning, restartPolicy: 'Always' }));
    await expect.poll(async () => (await pod('retried')).status?.reason, { timeout: 20_000 }).toBe('ProviderFailed');
    const pending = await pod('retried');
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.status?.message).toMatch(/^error creating pod \(HTTP 500\): quota exceeded \(retrying in \d+s\)$/);
    expect(pending.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ProviderFailed');
    await expect.poll(async () => (await pod('retried')).status?.phase, { timeout: 30_000 }).toBe('Running');
    expect((await pod('retried')).status?.reason).toBeUndefined();
  });

  it('retries a create while the relay is unreachable, then runs the pod as soon as the relay is back', async () => {
    await relay.stop();
    await apply(virtualPod(nodeName, 'outage', longRunning));
    await expect.poll(async () => (await pod('outage')).status?.message ?? '', { timeout: 20_000 }).toMatch(/relay|unreachable|ECONNREFUSED/);
    expect((await pod('outage')).status?.phase).toBe('Pending');
    // Let the back-off grow to 8 s, then bring the relay back: the first good ping (every 1 s
    // here) starts the waiting create instead of the back-off timer.
    await expect.poll(async () => (await pod('outage')).status?.message ?? '', { timeout: 30_000 }).toMatch(/\(retrying in (8|16|30)s\)$/);
    await relay.start();
    await expect.poll(async () => (await pod('outage')).status?.phase, { timeout: 5_000 }).toBe('Running');
  });

  it('keeps running pods as they are during a relay outage, with the node NotReady, then resumes', async () => {
    await apply(virtualPod(nodeName, 'steady', longRunning));
    await expect.poll(async () => (await pod('steady')).status?.phase, { timeout: 20_000 }).toBe('Running');
    const before = await pod('steady');
    await relay.stop();
    await expect
      .poll(async () => (await admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` })).status?.conditions?.find((c) => c.type === 'Ready')?.status, { timeout: 15_000 })
      .toBe('False');
    await sleep(1500);
    const during = await pod('steady');
    expect(during.status).toEqual(before.status);
    await relay.start();
    relay.backend.setContainerState(before.metadata!.uid!, 'main', { terminated: { exitCode: 0, reason: 'Completed' } });
    await expect.poll(async () => (await pod('steady')).status?.phase, { timeout: 20_000 }).toBe('Succeeded');
  });

  it('deletes remotely a pod deleted while its create was in flight', async () => {
    relay.delay('create', 2000);
    const creates = relay.calls.create;
    await apply(virtualPod(nodeName, 'racing', longRunning));
    await expect.poll(() => relay.calls.create, { timeout: 15_000 }).toBe(creates + 1);
    const uid = (await pod('racing')).metadata!.uid!;
    await kubectl(['delete', 'pod', '-n', ns, 'racing', '--wait=false']);
    await expect.poll(() => getPod(admin, ns, 'racing'), { timeout: 20_000 }).toBeUndefined();
    relay.delay('create', 0);
    expect(relay.createdUids.filter((u) => u === uid)).toHaveLength(1);
    expect(relay.backend.has(uid)).toBe(false);
  });

  it('writes the JobID annotation in the same update as the status', async () => {
    await apply(virtualPod(nodeName, 'annotated', longRunning));
    await expect.poll(async () => (await pod('annotated')).metadata?.annotations?.[JOB_ID_ANNOTATION], { timeout: 20_000 }).toMatch(/^mem-/);
  });
});
