import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Lease, V1Node } from '@kubernetes/client-node';
import { isNotFound, type KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, startVk, suffix, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const nodeName = `vk-recreate-${suffix()}`;
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function maybe<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
const node = () => maybe(admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` }));
const lease = () => maybe(admin.request<V1Lease>({ method: 'GET', path: leasePath }));

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  relay = new TestRelay();
  await relay.start();
  started = await startVk({
    kc,
    nodeName,
    relayUrl: relay.url,
    relayPort: relay.portString,
    cfg: { LeaseRenewIntervalSeconds: 2, LeaseDurationSeconds: 10, NodeStatusMaxIntervalSeconds: 60 },
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

describe('a Node object deleted by someone else', () => {
  it('is registered again well before the pod garbage collector (40 s) acts, even with a 60 s status interval, and its Lease is owned by the new Node', async () => {
    const oldUid = (await node())!.metadata!.uid!;
    expect((await lease())?.metadata?.ownerReferences?.[0]?.uid).toBe(oldUid);
    await admin.request({ method: 'DELETE', path: `/api/v1/nodes/${nodeName}` });
    const deletedAt = Date.now();
    // The garbage collector deletes the Lease of the deleted Node; the next renewal finds it gone.
    await expect
      .poll(
        async () => {
          const uid = (await node())?.metadata?.uid;
          return uid !== undefined && uid !== oldUid;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(Date.now() - deletedAt).toBeLessThan(20_000);
    const newUid = (await node())!.metadata!.uid!;
    expect((await node())?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    // The kubelet points its Lease at the current Node; a Lease owned by the deleted one is
    // garbage-collected again and again.
    await expect
      .poll(async () => (await lease())?.metadata?.ownerReferences?.[0]?.uid, { timeout: 20_000 })
      .toBe(newUid);
    const leaseUid = (await lease())?.metadata?.uid;
    await sleep(5_000);
    const later = await lease();
    expect(later?.metadata?.uid).toBe(leaseUid);
    expect(later?.metadata?.ownerReferences?.[0]?.uid).toBe(newUid);
  }, 60_000);
});
