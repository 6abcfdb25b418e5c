import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
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
import { adminCert, kubeletGet, metric } from './support/kubelet-client';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-dm-${id}`;
const ns = `vk-dm-${id}`;
const longRunning = { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] };

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  // DeleteMaxWaitSeconds stays at its default (600 s): a pod may only go quickly if the 404 is honoured.
  started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, level: 'info' });
});

afterAll(async () => {
  try {
    relay?.heal();
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
const phaseOf = async (name: string) => (await getPod(admin, ns, name))?.status?.phase;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The controller's /metrics, scraped over the kubelet HTTPS API as Prometheus would. */
async function scrape(): Promise<string> {
  const res = await kubeletGet(started.vk.kubeletApi.port, '/metrics', adminCert(kc));
  expect(res.status).toBe(200);
  return res.body;
}

describe('deleting a pod the plugin does not know', () => {
  it('removes the pod from the API server at once when the relay answers 404 to the delete, without retrying', async () => {
    await apply(virtualPod(nodeName, 'unknown-remote', longRunning));
    await expect.poll(() => phaseOf('unknown-remote'), { timeout: 20_000 }).toBe('Running');
    const uid = (await pod('unknown-remote')).metadata!.uid!;
    relay.fail('delete', 404, `pod ${ns}/unknown-remote (uid ${uid}) not found`);
    const deletes = relay.calls.delete;
    const t0 = Date.now();
    try {
      await kubectl(['delete', 'pod', '-n', ns, 'unknown-remote', '--wait=false']);
      await expect.poll(() => getPod(admin, ns, 'unknown-remote'), { timeout: 15_000 }).toBeUndefined();
      expect(Date.now() - t0).toBeLessThan(15_000);
      // One call: a 404 is an answer, not a failure to retry.
      await sleep(1500);
      expect(relay.calls.delete).toBe(deletes + 1);
    } finally {
      relay.heal('delete');
    }
    const events = await admin.request<{ items: Array<{ reason: string }> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/events`,
      query: { fieldSelector: `involvedObject.uid=${uid}` },
    });
    expect(events.items.map((e) => e.reason)).not.toContain('RemoteDeleteFailed');
    expect(
      started.logs.some((l) => l.includes('plugin does not know the pod; nothing to delete remotely')),
    ).toBe(true);
  }, 40_000);

  it('keeps a pod Terminating while the relay answers 500 to the delete (the 404 case is not a blanket give-up)', async () => {
    await apply(virtualPod(nodeName, 'stubborn', longRunning));
    await expect.poll(() => phaseOf('stubborn'), { timeout: 20_000 }).toBe('Running');
    relay.fail('delete', 500, 'scancel: error: temporary failure');
    const deletes = relay.calls.delete;
    try {
      await kubectl(['delete', 'pod', '-n', ns, 'stubborn', '--wait=false']);
      await expect.poll(() => relay.calls.delete, { timeout: 10_000 }).toBeGreaterThanOrEqual(deletes + 2);
      expect((await pod('stubborn')).metadata?.deletionTimestamp).toBeDefined();
    } finally {
      relay.heal('delete');
    }
    await expect.poll(() => getPod(admin, ns, 'stubborn'), { timeout: 40_000 }).toBeUndefined();
  }, 70_000);
});

describe('controller metrics on /metrics', () => {
  it('counts a status sync (and its latency) when a plugin change is written, and nothing while nothing changes', async () => {
    await apply(virtualPod(nodeName, 'measured', longRunning));
    await expect.poll(() => phaseOf('measured'), { timeout: 20_000 }).toBe('Running');
    await sleep(1000);
    const before = await scrape();
    const syncs = metric(before, 'interlink_vk_status_sync_seconds_count');
    const fast = metric(before, 'interlink_vk_status_sync_seconds_bucket', { le: '5' });
    const okPolls = metric(before, 'interlink_vk_status_polls_total', { outcome: 'ok' });
    const polled = metric(before, 'interlink_vk_status_polled_pods_total');
    const statusCalls = metric(before, 'interlink_vk_relay_request_seconds_count', {
      op: 'GetStatus',
      outcome: 'ok',
    });

    relay.backend.setContainerState((await pod('measured')).metadata!.uid!, 'main', {
      terminated: { exitCode: 0, reason: 'Completed' },
    });
    await expect.poll(() => phaseOf('measured'), { timeout: 20_000 }).toBe('Succeeded');
    const after = await scrape();
    expect(metric(after, 'interlink_vk_status_sync_seconds_count')).toBeGreaterThanOrEqual(syncs + 1);
    expect(metric(after, 'interlink_vk_status_sync_seconds_bucket', { le: '5' })).toBeGreaterThanOrEqual(
      fast + 1,
    );
    expect(metric(after, 'interlink_vk_status_polls_total', { outcome: 'ok' })).toBeGreaterThan(okPolls);
    expect(metric(after, 'interlink_vk_status_polled_pods_total')).toBeGreaterThan(polled);
    expect(
      metric(after, 'interlink_vk_relay_request_seconds_count', { op: 'GetStatus', outcome: 'ok' }),
    ).toBeGreaterThan(statusCalls);
    expect(
      metric(after, 'interlink_vk_api_requests_total', {
        verb: 'update',
        resource: 'pods/status',
        code: '200',
      }),
    ).toBeGreaterThan(0);

    // Polls go on; with no change in the plugin's answers there is nothing to sync.
    await sleep(2000);
    const idle = await scrape();
    expect(metric(idle, 'interlink_vk_status_sync_seconds_count')).toBe(
      metric(after, 'interlink_vk_status_sync_seconds_count'),
    );
  }, 40_000);

  it('counts failed relay calls by operation and kind, and failed status polls', async () => {
    await apply(virtualPod(nodeName, 'polled', longRunning));
    await expect.poll(() => phaseOf('polled'), { timeout: 20_000 }).toBe('Running');
    const before = await scrape();
    const httpErrors = metric(before, 'interlink_vk_relay_errors_total', { op: 'GetStatus', kind: 'http' });
    const failedPolls = metric(before, 'interlink_vk_status_polls_total', { outcome: 'failed' });
    relay.fail('status', 500, 'slurmctld not responding', 3);
    await expect
      .poll(
        async () =>
          metric(await scrape(), 'interlink_vk_relay_errors_total', { op: 'GetStatus', kind: 'http' }),
        { timeout: 15_000 },
      )
      .toBeGreaterThanOrEqual(httpErrors + 3);
    const failed = await scrape();
    expect(metric(failed, 'interlink_vk_status_polls_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(
      failedPolls + 3,
    );
    expect(
      metric(failed, 'interlink_vk_relay_request_seconds_count', { op: 'GetStatus', outcome: 'http' }),
    ).toBeGreaterThanOrEqual(3);

    const pingsFailed = metric(failed, 'interlink_vk_pings_total', { outcome: 'failed' });
    const unreachable = metric(failed, 'interlink_vk_relay_errors_total', {
      op: 'PingInterLink',
      kind: 'unreachable',
    });
    expect(metric(failed, 'interlink_vk_node_ready')).toBe(1);
    await relay.stop();
    try {
      await expect
        .poll(async () => metric(await scrape(), 'interlink_vk_node_ready'), { timeout: 15_000 })
        .toBe(0);
      const down = await scrape();
      expect(metric(down, 'interlink_vk_pings_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(
        pingsFailed + 2,
      );
      expect(
        metric(down, 'interlink_vk_relay_errors_total', { op: 'PingInterLink', kind: 'unreachable' }),
      ).toBeGreaterThanOrEqual(unreachable + 2);
    } finally {
      await relay.start();
    }
    await expect
      .poll(async () => metric(await scrape(), 'interlink_vk_node_ready'), { timeout: 15_000 })
      .toBe(1);
  }, 60_000);
});
