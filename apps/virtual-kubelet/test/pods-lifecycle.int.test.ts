import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { JOB_ID_ANNOTATION } from '@interlink/api';
import type { KubeClient } from '../src/kube/kube-client';
import { uncoveredAccess } from '../src/kube/rbac';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-pods-${id}`;
const ns = `vk-pods-${id}`;

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

async function apply(pod: V1Pod): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(pod));
}
async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}
async function events(name: string): Promise<string[]> {
  const list = await admin.request<{ items: Array<{ reason: string; message: string }> }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events`, query: { fieldSelector: `involvedObject.name=${name}` } });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}
const phase = (name: string) => async () => (await pod(name)).status?.phase;

describe('pod lifecycle on the virtual node (kube-scheduler + real API server)', () => {
  it('schedules, runs and completes a pod with kubelet-accurate status', async () => {
    await apply(virtualPod(nodeName, 'hello'));
    await expect.poll(phase('hello'), { timeout: 20_000 }).toBe('Running');
    const running = await pod('hello');
    expect(running.spec?.nodeName).toBe(nodeName);
    expect(running.metadata?.annotations?.[JOB_ID_ANNOTATION]).toMatch(/^mem-\d+$/);
    expect(running.status?.containerStatuses?.[0]).toMatchObject({ name: 'main', ready: true, started: true, image: 'busybox:latest', restartCount: 0 });
    const types = running.status?.conditions?.map((c) => `${c.type}=${c.status}`);
    expect(types).toEqual(expect.arrayContaining(['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']));
    expect(running.status?.hostIP).toBe('127.0.0.1');
    expect(running.status?.startTime).toBeTruthy();

    const uid = running.metadata!.uid!;
    relay.backend.setContainerState(uid, 'main', { terminated: { exitCode: 0, reason: 'Completed', startedAt: new Date(Date.now() - 1000), finishedAt: new Date() } });
    await expect.poll(phase('hello'), { timeout: 10_000 }).toBe('Succeeded');
    const done = await pod('hello');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(done.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    await expect.poll(() => events('hello'), { timeout: 15_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^Scheduled: Accepted by virtual node/), expect.stringMatching(/^Created: Created remote job mem-/), 'Started: Started container main', expect.stringMatching(/^Completed/)]));
  });

  it('reports multi-container and init-container pods in spec order', async () => {
    await apply(
      virtualPod(nodeName, 'multi', {
        initContainers: [
          { name: 'init-a', image: 'busybox:latest', command: ['true'] },
          { name: 'init-b', image: 'busybox:latest', command: ['true'] },
        ],
        containers: [
          { name: 'web', image: 'busybox:latest', command: ['sleep', '100'] },
          { name: 'side', image: 'busybox:latest', command: ['sleep', '100'] },
        ],
      }),
    );
    await expect.poll(phase('multi'), { timeout: 20_000 }).toBe('Running');
    const p = await pod('multi');
    expect(p.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode, s.ready])).toEqual([
      ['init-a', 0, true],
      ['init-b', 0, true],
    ]);
    // Regular container statuses are sorted by name, as the kubelet does.
    expect(p.status?.containerStatuses?.map((s) => [s.name, Boolean(s.state?.running)])).toEqual([
      ['side', true],
      ['web', true],
    ]);
    const uid = p.metadata!.uid!;
    relay.backend.setContainerState(uid, 'web', { terminated: { exitCode: 0, reason: 'Completed' } });
    relay.backend.setContainerState(uid, 'side', { terminated: { exitCode: 137, reason: 'OOMKilled', message: 'memory limit' } });
    await expect.poll(phase('multi'), { timeout: 10_000 }).toBe('Failed');
    const failed = await pod('multi');
    expect(failed.status?.reason).toBe('OOMKilled');
    expect(failed.status?.message).toBe('container "side" exited with code 137: memory limit');
    expect(failed.status?.containerStatuses?.find((s) => s.name === 'side')?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(failed.status?.containerStatuses?.find((s) => s.name === 'web')?.state?.terminated?.reason).toBe('Completed');
  });

  it('deletes gracefully: remote delete first, then the API object', async () => {
    await apply(virtualPod(nodeName, 'longrun', { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] }));
    await expect.poll(phase('longrun'), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod('longrun')).metadata!.uid!;
    expect(relay.backend.has(uid)).toBe(true);
    const deletesBefore = relay.calls.delete;
    await kubectl(['delete', 'pod', '-n', ns, 'longrun', '--wait=true', '--timeout=30s']);
    expect(await getPod(admin, ns, 'longrun')).toBeUndefined();
    expect(relay.backend.has(uid)).toBe(false);
    expect(relay.calls.delete).toBe(deletesBefore + 1);
    await expect.poll(() => events('longrun'), { timeout: 15_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^Killing: Stopping pod \(remote job mem-/)]));
  });

  it('retries a remote delete until the relay answers, keeping the pod Terminating meanwhile', async () => {
    await apply(virtualPod(nodeName, 'sticky', { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] }));
    await expect.poll(phase('sticky'), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod('sticky')).metadata!.uid!;
    relay.fail('delete', 503, 'plugin unreachable', 3);
    await kubectl(['delete', 'pod', '-n', ns, 'sticky', '--wait=false']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await getPod(admin, ns, 'sticky'))?.metadata?.deletionTimestamp).toBeTruthy();
    await expect.poll(() => getPod(admin, ns, 'sticky'), { timeout: 20_000 }).toBeUndefined();
    expect(relay.backend.has(uid)).toBe(false);
  });

  it('cleans up remotely when a pod is force-deleted from the API', async () => {
    await apply(virtualPod(nodeName, 'forced', { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] }));
    await expect.poll(phase('forced'), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod('forced')).metadata!.uid!;
    await kubectl(['delete', 'pod', '-n', ns, 'forced', '--grace-period=0', '--force']);
    await expect.poll(() => relay.backend.has(uid), { timeout: 10_000 }).toBe(false);
  });

  it('marks a pod whose remote job vanished as Failed (RemoteJobLost) after the grace period', async () => {
    await started.vk.stop();
    started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, cfg: { RemoteJobLostGraceSeconds: 2 } });
    await apply(virtualPod(nodeName, 'vanish', { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] }));
    await expect.poll(phase('vanish'), { timeout: 20_000 }).toBe('Running');
    const p = await pod('vanish');
    await relay.backend.delete(p, { sessionId: 'test', signal: new AbortController().signal });
    await expect.poll(phase('vanish'), { timeout: 15_000 }).toBe('Failed');
    const lost = await pod('vanish');
    expect(lost.status?.reason).toBe('RemoteJobLost');
    expect(lost.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'RemoteJobLost' });
  });

  it('uses only permissions listed in NODE_CONTROLLER_RULES', () => {
    expect(uncoveredAccess(started.access.values())).toEqual([]);
    expect(started.access.size).toBeGreaterThan(10);
  });
});
