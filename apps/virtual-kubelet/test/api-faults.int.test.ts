import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import type { KubeConfig, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { ApiProxy, expiredWatchEvent, goneStatus } from './support/api-proxy';
import {
  benchKube,
  cleanupNode,
  createNamespace,
  deleteNamespace,
  getPod,
  kubectl,
  startVk,
  suffix,
  virtualPod,
  type StartedVk,
} from './support/kube-harness';
import { metric } from './support/kubelet-client';
import { TestRelay } from './support/test-relay';

// The node controller talks to the bench API server through ApiProxy, which can expire its pod
// watch (410 Gone, as after an etcd compaction) and make a concurrent writer change a pod right
// before the controller's status write reaches the API server (a genuine 409 from the server).
let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let proxy: ApiProxy;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-faults-${id}`;
const ns = `vk-faults-${id}`;
const longRunning = { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] };

type Expiry = 'event' | 'http';
let watchFault: { phase: 'hold' } | { phase: 'expire'; kind: Expiry; since: number } | undefined;
const held: ServerResponse[] = [];
/** Pod status writes that reached the proxy: pod name, phase written, HTTP answer. */
let beforeStatusWrite: ((name: string, body: V1Pod) => Promise<void>) | undefined;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  proxy = new ApiProxy(kc);
  proxy.intercept = async (r) => {
    if (r.method === 'GET' && r.path === '/api/v1/pods' && r.query.get('watch') === 'true' && watchFault) {
      if (watchFault.phase === 'hold') return { stream: (res) => void held.push(res) };
      if (Number(r.query.get('resourceVersion') || '0') < watchFault.since)
        return expiredAnswer(watchFault.kind);
      return undefined;
    }
    const status = new RegExp(`^/api/v1/namespaces/${ns}/pods/([^/]+)/status$`).exec(r.path);
    if (r.method === 'PUT' && status && beforeStatusWrite)
      await beforeStatusWrite(status[1] ?? '', JSON.parse(r.body.toString()) as V1Pod);
    return undefined;
  };
  await proxy.start();
  started = await startVk({
    kc: proxy.kubeConfig(),
    nodeName,
    relayUrl: relay.url,
    relayPort: relay.portString,
  });
});

afterAll(async () => {
  watchFault = undefined;
  beforeStatusWrite = undefined;
  try {
    await deleteNamespace(admin, ns);
    await started?.vk.stop();
    await relay?.stop();
    await proxy?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

function expiredAnswer(
  kind: Expiry,
): { stream: (res: ServerResponse) => void } | { status: number; body: string } {
  if (kind === 'http') return { status: 410, body: goneStatus() };
  return {
    stream: (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(expiredWatchEvent());
    },
  };
}

async function apply(pod: V1Pod): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(pod));
}
async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}
const phaseOf = async (name: string) => (await getPod(admin, ns, name))?.status?.phase;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds the controller's pod watch (it sees nothing) while `during` changes pods, then answers
 * it with "410 Gone" and keeps answering 410 to any watch from a resourceVersion older than now:
 * only a fresh list gets the controller going again.
 */
async function expireWatchAround(kind: Expiry, during: () => Promise<void>): Promise<void> {
  watchFault = { phase: 'hold' };
  proxy.endWatches();
  await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  await during();
  await sleep(1500);
  const list = await admin.request<V1PodList>({ method: 'GET', path: '/api/v1/pods', query: { limit: 1 } });
  watchFault = { phase: 'expire', kind, since: Number(list.metadata?.resourceVersion) };
  for (const res of held.splice(0)) {
    const answer = expiredAnswer(kind);
    if ('stream' in answer) answer.stream(res);
    else {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body);
    }
  }
}

describe.each<Expiry>(['event', 'http'])('pod watch expiry (410 Gone as %s)', (kind) => {
  it('re-lists, starts pods created while the watch was blind, removes remotely pods deleted meanwhile, and watches again', async () => {
    const gone = `gone-${kind}`;
    const blind = `blind-${kind}`;
    const after = `after-${kind}`;
    await apply(virtualPod(nodeName, gone, longRunning));
    await expect.poll(() => phaseOf(gone), { timeout: 20_000 }).toBe('Running');
    const goneUid = (await pod(gone)).metadata!.uid!;
    expect(relay.backend.has(goneUid)).toBe(true);
    const relists = started.vk.watcher.relists;
    const creates = relay.calls.create;

    await expireWatchAround(kind, async () => {
      await apply(virtualPod(nodeName, blind, longRunning));
      await admin.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${ns}/pods/${gone}`,
        body: { gracePeriodSeconds: 0 },
      });
      await sleep(1000);
      // The controller is blind: nothing was submitted for the new pod.
      expect(relay.calls.create).toBe(creates);
    });

    await expect.poll(() => phaseOf(blind), { timeout: 20_000 }).toBe('Running');
    expect(started.vk.watcher.relists).toBeGreaterThan(relists);
    await expect.poll(() => relay.backend.has(goneUid), { timeout: 20_000 }).toBe(false);
    if (kind === 'event')
      expect(started.logs.some((l) => l.includes('pod watch expired (410 Gone); re-listing'))).toBe(true);
    // The watch that works again started after the expired window.
    const fault = watchFault as { since: number };
    const resumed = proxy.requests.filter(
      (r) => r.path === '/api/v1/pods' && r.query.get('watch') === 'true' && !r.intercepted,
    );
    expect(Number(resumed[resumed.length - 1]?.query.get('resourceVersion'))).toBeGreaterThanOrEqual(
      fault.since,
    );

    await apply(virtualPod(nodeName, after, longRunning));
    await expect.poll(() => phaseOf(after), { timeout: 20_000 }).toBe('Running');
    watchFault = undefined;
  }, 90_000);
});

describe('pod status write conflicts', () => {
  it('retries a status update refused with 409 after a concurrent writer changed the pod, keeping their change', async () => {
    const name = 'contended';
    await apply(virtualPod(nodeName, name, longRunning));
    await expect.poll(() => phaseOf(name), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod(name)).metadata!.uid!;
    const conflictsBefore = metric(
      await started.vk.metrics.registry.metrics(),
      'interlink_vk_api_requests_total',
      { verb: 'update', resource: 'pods/status', code: '409' },
    );
    let injected = 0;
    beforeStatusWrite = async (podName, body) => {
      if (podName !== name || body.status?.phase !== 'Succeeded' || injected > 0) return;
      injected++;
      // Another controller labels the pod and adds its own condition just before our write lands.
      await admin.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns}/pods/${name}`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { 'concurrent-writer': 'yes' } } },
      });
      await admin.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns}/pods/${name}/status`,
        contentType: 'application/strategic-merge-patch+json',
        body: {
          status: { conditions: [{ type: 'example.com/Audited', status: 'True', reason: 'SeenByAuditor' }] },
        },
      });
    };
    relay.backend.setContainerState(uid, 'main', { terminated: { exitCode: 0, reason: 'Completed' } });
    try {
      await expect.poll(() => phaseOf(name), { timeout: 20_000 }).toBe('Succeeded');
    } finally {
      beforeStatusWrite = undefined;
    }
    expect(injected).toBe(1);
    const writes = proxy.requests.filter(
      (r) => r.method === 'PUT' && r.path === `/api/v1/namespaces/${ns}/pods/${name}/status`,
    );
    expect(writes.map((w) => w.status)).toContain(409);
    expect(writes[writes.length - 1]?.status).toBe(200);
    const conflicts = metric(await started.vk.metrics.registry.metrics(), 'interlink_vk_api_requests_total', {
      verb: 'update',
      resource: 'pods/status',
      code: '409',
    });
    expect(conflicts).toBeGreaterThan(conflictsBefore);

    const final = await pod(name);
    expect(final.metadata?.labels?.['concurrent-writer']).toBe('yes');
    expect(final.status?.conditions?.find((c) => c.type === 'example.com/Audited')).toMatchObject({
      status: 'True',
      reason: 'SeenByAuditor',
    });
    expect(final.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(final.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
    expect(started.logs.some((l) => l.includes('pod status kept conflicting'))).toBe(false);
  }, 60_000);
});

describe('pod status write conflicts that do not stop', () => {
  it('writes the final status once the conflicts stop, even after the writer gave up on a run of 409s (resync, 30 s)', async () => {
    const name = 'hammered';
    await apply(virtualPod(nodeName, name, longRunning));
    await expect.poll(() => phaseOf(name), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod(name)).metadata!.uid!;
    let injected = 0;
    // Every write of the final status loses a race against another writer, six times in a row.
    beforeStatusWrite = async (podName, body) => {
      if (podName !== name || body.status?.phase !== 'Failed' || injected >= 6) return;
      injected++;
      await admin.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns}/pods/${name}`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { 'busy-writer': String(injected) } } },
      });
    };
    relay.backend.setContainerState(uid, 'main', { terminated: { exitCode: 3, reason: 'Error' } });
    try {
      await expect.poll(() => phaseOf(name), { timeout: 50_000, interval: 1000 }).toBe('Failed');
    } finally {
      beforeStatusWrite = undefined;
    }
    expect(injected).toBe(6);
    const writes = proxy.requests.filter(
      (r) => r.method === 'PUT' && r.path === `/api/v1/namespaces/${ns}/pods/${name}/status`,
    );
    expect(writes.filter((w) => w.status === 409).length).toBe(6);
    const final = await pod(name);
    expect(final.metadata?.annotations?.['busy-writer']).toBe('6');
    // The writer did give up on a run of conflicts; the periodic resync wrote the status later.
    expect(started.logs.some((l) => l.includes('pod status kept conflicting'))).toBe(true);
    expect(final.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
  }, 70_000);
});

describe('pod watch connection reset', () => {
  it('reconnects from where it was, without a re-list, and picks up pods created during the outage', async () => {
    const relists = started.vk.watcher.relists;
    const creates = relay.calls.create;
    const watchesBefore = proxy.requests.filter(
      (r) => r.path === '/api/v1/pods' && r.query.get('watch') === 'true',
    ).length;
    // Nothing reaches the controller for a while: the connection is reset and reconnecting fails.
    await expect.poll(() => proxy.openWatches, { timeout: 10_000 }).toBe(1);
    watchFault = { phase: 'hold' };
    expect(proxy.resetWatches()).toBe(1);
    await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await apply(virtualPod(nodeName, 'during-reset', longRunning));
    await sleep(1000);
    expect(relay.calls.create).toBe(creates);
    watchFault = undefined;
    for (const res of held.splice(0)) res.socket?.destroy();
    await expect.poll(() => phaseOf('during-reset'), { timeout: 20_000 }).toBe('Running');
    expect(started.vk.watcher.relists).toBe(relists);
    const watches = proxy.requests.filter(
      (r) => r.path === '/api/v1/pods' && r.query.get('watch') === 'true',
    );
    expect(watches.length).toBeGreaterThanOrEqual(watchesBefore + 2);
    expect(started.logs.some((l) => l.includes('pod watch failed; retrying'))).toBe(true);
    await apply(virtualPod(nodeName, 'after-reset', longRunning));
    await expect.poll(() => phaseOf('after-reset'), { timeout: 20_000 }).toBe('Running');
  }, 60_000);
});
