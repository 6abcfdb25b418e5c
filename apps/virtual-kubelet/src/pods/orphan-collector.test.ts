import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { RemotePod } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import { RelayError, type Provider } from '@interlink/relay-client';
import { OrphanCollector } from './orphan-collector';

const log = createLogger({ service: 'test', level: 'error' });
const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const remote = (i: number, nodeName: string | null = 'vk'): RemotePod => ({
  name: `p${i}`,
  namespace: 'ns',
  UID: uid(i),
  ...(nodeName ? { nodeName } : {}),
  JID: `job-${i}`,
});

function fakeProvider(listed: RemotePod[] | 'unsupported', failDelete: Map<string, Error> = new Map()) {
  const deleted: V1Pod[] = [];
  let lists = 0;
  const provider = {
    async listPods() {
      lists++;
      return listed;
    },
    async delete(pod: V1Pod) {
      const err = failDelete.get(pod.metadata?.uid ?? '');
      if (err) throw err;
      deleted.push(pod);
    },
  } as unknown as Provider;
  return { provider, deleted, lists: () => lists };
}

describe('OrphanCollector', () => {
  it('deletes only remote pods of this node whose API pod is gone or was re-created with another UID', async () => {
    const { provider, deleted } = fakeProvider([
      remote(1), // tracked by the controller: kept
      remote(2), // API has it with the same UID (watch lagging): kept
      remote(3), // no API pod: orphan
      remote(4), // API pod of that name is a newer one: orphan
      remote(5, 'other-node'), // another node's pod: not ours to judge
      remote(6, null), // node unknown (recovered without its request): kept
    ]);
    const api = new Map([
      ['p1', uid(1)],
      ['p2', uid(2)],
      ['p4', uid(40)],
    ]);
    const asked: string[] = [];
    const collected: string[] = [];
    const c = new OrphanCollector(
      {
        provider,
        isTracked: (u) => u === uid(1),
        apiUid: async (ns, name) => {
          asked.push(`${ns}/${name}`);
          return api.get(name);
        },
        log,
        onCollected: (o) => collected.push(o),
      },
      { nodeName: 'vk', intervalMs: 0 },
    );
    const out = await c.sweep();
    expect(out.map((p) => p.name)).toEqual(['p3', 'p4']);
    expect(deleted).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p3', namespace: 'ns', uid: uid(3) },
        spec: { nodeName: 'vk', containers: [] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p4', namespace: 'ns', uid: uid(4) },
        spec: { nodeName: 'vk', containers: [] },
      },
    ]);
    expect(asked).toEqual(['ns/p2', 'ns/p3', 'ns/p4']);
    expect(collected).toEqual(['deleted', 'deleted']);
  });

  it('counts a 404 from the plugin as collected, keeps going after another failure', async () => {
    const failures = new Map<string, Error>([
      [uid(1), new RelayError('DeletePod', 'http', 'gone', 's', 404, 'not found')],
      [uid(2), new RelayError('DeletePod', 'http', 'boom', 's', 500, 'boom')],
    ]);
    const { provider, deleted } = fakeProvider([remote(1), remote(2), remote(3)], failures);
    const collected: string[] = [];
    const c = new OrphanCollector(
      {
        provider,
        isTracked: () => false,
        apiUid: async () => undefined,
        log,
        onCollected: (o) => collected.push(o),
      },
      { nodeName: 'vk', intervalMs: 0 },
    );
    expect((await c.sweep()).map((p) => p.name)).toEqual(['p1', 'p3']);
    expect(deleted.map((p) => p.metadata?.name)).toEqual(['p3']);
    expect(collected).toEqual(['deleted', 'failed', 'deleted']);
  });

  it('stops asking a relay without /listPods', async () => {
    const { provider, lists } = fakeProvider('unsupported');
    const c = new OrphanCollector(
      { provider, isTracked: () => false, apiUid: async () => undefined, log },
      { nodeName: 'vk', intervalMs: 0 },
    );
    expect(await c.sweep()).toEqual([]);
    expect(await c.sweep()).toEqual([]);
    expect(lists()).toBe(1);
  });

  it('a pod that becomes tracked while its API lookup runs is kept', async () => {
    const { provider, deleted } = fakeProvider([remote(1)]);
    let tracked = false;
    const c = new OrphanCollector(
      {
        provider,
        isTracked: () => tracked,
        apiUid: async () => {
          tracked = true; // the watch delivered the pod meanwhile
          return undefined;
        },
        log,
      },
      { nodeName: 'vk', intervalMs: 0 },
    );
    expect(await c.sweep()).toEqual([]);
    expect(deleted).toEqual([]);
  });

  it('a failed listing is logged, not thrown, by the periodic kick', async () => {
    const provider = {
      listPods: async () => {
        throw new Error('relay down');
      },
    } as unknown as Provider;
    const c = new OrphanCollector(
      { provider, isTracked: () => false, apiUid: async () => undefined, log },
      { nodeName: 'vk', intervalMs: 0 },
    );
    await expect(c.kick()).resolves.toBeUndefined();
    await expect(c.sweep()).rejects.toThrow('relay down');
  });
});
