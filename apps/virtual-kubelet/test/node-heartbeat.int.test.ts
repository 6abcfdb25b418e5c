import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Lease, V1Node } from '@kubernetes/client-node';
import { isConflict, type KubeClient } from '../src/kube/kube-client';
import { kubeMicroTime } from '../src/kube/kube-time';
import { benchKube, cleanupNode, startVk, suffix, type StartedVk } from './support/kube-harness';
import { metric } from './support/kubelet-client';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const nodeName = `vk-beat-${suffix()}`;
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`;
const RENEW_S = 1;
const STATUS_MAX_S = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lease = () => admin.request<V1Lease>({ method: 'GET', path: leasePath });
const node = () => admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` });
const ms = (t: unknown) => Date.parse(String(t));
const metrics = async () => started.vk.metrics.registry.metrics();

/** Distinct values of `read()` seen while sampling every `everyMs` for `forMs`, in order. */
async function sample(
  read: () => Promise<string | undefined>,
  forMs: number,
  everyMs: number,
): Promise<string[]> {
  const seen: string[] = [];
  const end = Date.now() + forMs;
  while (Date.now() < end) {
    const v = await read();
    if (v !== undefined && v !== seen[seen.length - 1]) seen.push(v);
    await sleep(everyMs);
  }
  return seen;
}

function gaps(times: string[]): number[] {
  return times.slice(1).map((t, i) => ms(t) - ms(times[i]));
}

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  relay = new TestRelay();
  await relay.start();
  started = await startVk({
    kc,
    nodeName,
    relayUrl: relay.url,
    relayPort: relay.portString,
    cfg: {
      PingIntervalSeconds: 1,
      LeaseRenewIntervalSeconds: RENEW_S,
      LeaseDurationSeconds: 5,
      NodeStatusMaxIntervalSeconds: STATUS_MAX_S,
    },
  });
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

describe('node heartbeats against the real API server', () => {
  it('renews the Lease every LeaseRenewIntervalSeconds with the configured duration', async () => {
    const first = await lease();
    expect(first.spec).toMatchObject({ holderIdentity: nodeName, leaseDurationSeconds: 5 });
    const renewals = await sample(async () => String((await lease()).spec?.renewTime), 6_000, 200);
    // About six renewals in six seconds: each one a fresh micro-time, none skipped, none early.
    expect(renewals.length).toBeGreaterThanOrEqual(4);
    for (const g of gaps(renewals)) {
      expect(g).toBeGreaterThanOrEqual(RENEW_S * 1000 - 300);
      expect(g).toBeLessThanOrEqual(RENEW_S * 1000 + 1500);
    }
    expect(Date.now() - ms(renewals[renewals.length - 1])).toBeLessThan(5_000);
  });

  it('re-patches the node status at least every NodeStatusMaxIntervalSeconds when nothing changes, and not on every ping', async () => {
    const patchesBefore = metric(await metrics(), 'interlink_vk_api_requests_total', {
      verb: 'patch',
      resource: 'nodes/status',
    });
    const before = await node();
    const transition = before.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    const t0 = Date.now();
    const beats = await sample(
      async () => {
        const n = await node();
        const stamps = new Set(n.status?.conditions?.map((c) => String(c.lastHeartbeatTime)));
        // Every condition carries the same heartbeat: the status is written as a whole.
        expect(stamps.size).toBe(1);
        return [...stamps][0];
      },
      11_000,
      250,
    );
    const elapsed = Date.now() - t0;
    const patches =
      metric(await metrics(), 'interlink_vk_api_requests_total', {
        verb: 'patch',
        resource: 'nodes/status',
      }) - patchesBefore;
    // 11 s with a 3 s maximum interval and a 1 s ping: 3 or 4 heartbeats, never more than 1 + 1 s late.
    expect(beats.length).toBeGreaterThanOrEqual(3);
    for (const g of gaps(beats)) {
      expect(g).toBeLessThanOrEqual((STATUS_MAX_S + 2) * 1000);
      expect(g).toBeGreaterThanOrEqual((STATUS_MAX_S - 1) * 1000);
    }
    expect(patches).toBeGreaterThanOrEqual(Math.floor(elapsed / ((STATUS_MAX_S + 1) * 1000)));
    expect(patches).toBeLessThanOrEqual(Math.ceil(elapsed / (STATUS_MAX_S * 1000)) + 1);
    const after = await node();
    expect(after.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: transition,
    });
  }, 30_000);

  it('recovers from a 409 when another writer updated the Lease, keeping what the other writer set', async () => {
    const conflictsBefore = metric(await metrics(), 'interlink_vk_api_requests_total', {
      verb: 'update',
      resource: 'leases',
      code: '409',
    });
    const stolenAt = kubeMicroTime(Date.now() - 60_000);
    // The other writer is an ordinary client: it re-reads and retries when the controller wins a race.
    for (let attempt = 0; ; attempt++) {
      const current = await lease();
      try {
        await admin.request<V1Lease>({
          method: 'PUT',
          path: leasePath,
          body: {
            ...current,
            metadata: {
              ...current.metadata,
              labels: { ...current.metadata?.labels, 'other-writer': 'was-here' },
            },
            spec: { ...current.spec, holderIdentity: 'intruder', renewTime: stolenAt },
          },
        });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 10) throw err;
      }
    }
    // The controller's cached Lease is stale now: its next update is refused with 409.
    await expect
      .poll(
        async () =>
          metric(await metrics(), 'interlink_vk_api_requests_total', {
            verb: 'update',
            resource: 'leases',
            code: '409',
          }),
        { timeout: 5_000 },
      )
      .toBeGreaterThan(conflictsBefore);
    await expect.poll(async () => (await lease()).spec?.holderIdentity, { timeout: 5_000 }).toBe(nodeName);
    const recovered = await lease();
    expect(recovered.metadata?.labels?.['other-writer']).toBe('was-here');
    expect(Date.now() - ms(recovered.spec?.renewTime)).toBeLessThan(3_000);
    // The conflict was handled inside the renewal (re-read and retried), not logged as a failure.
    expect(started.logs.filter((l) => l.includes('node lease renewal failed'))).toEqual([]);
    // ... and renewing goes on.
    const renewals = await sample(async () => String((await lease()).spec?.renewTime), 3_500, 200);
    expect(renewals.length).toBeGreaterThanOrEqual(3);
  }, 20_000);

  it('creates the Lease again when someone deletes it', async () => {
    const uid = (await lease()).metadata?.uid;
    await admin.request({ method: 'DELETE', path: leasePath });
    await expect
      .poll(
        async () => {
          const u = (await lease().catch(() => undefined))?.metadata?.uid;
          return u !== undefined && u !== uid ? 'recreated' : 'not yet';
        },
        { timeout: 6_000 },
      )
      .toBe('recreated');
    const again = await lease();
    expect(again.metadata?.uid).toBeDefined();
    expect(again.spec).toMatchObject({ holderIdentity: nodeName, leaseDurationSeconds: 5 });
    expect(again.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: nodeName });
    const renewals = await sample(async () => String((await lease()).spec?.renewTime), 3_000, 200);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
  }, 20_000);
});
