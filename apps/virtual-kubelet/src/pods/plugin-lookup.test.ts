import { afterEach, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { buildRetrievedPodData } from '@interlink/api';
import { RelayError, RelayProvider } from '@interlink/relay-client';
import { TestRelay } from '../../test/support/test-relay';
import { PluginLookup } from './plugin-lookup';

let relay: TestRelay;
let provider: RelayProvider;

afterEach(async () => {
  provider?.close();
  await relay?.stop();
});

const pod = (i: number): V1Pod => ({
  metadata: { name: `p${i}`, namespace: 'ns', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'vk' },
});

async function setup(created: number[]): Promise<PluginLookup> {
  relay = new TestRelay();
  await relay.start();
  provider = new RelayProvider({ interlinkUrl: relay.url, interlinkPort: relay.portString });
  for (const i of created) {
    await relay.backend.create(buildRetrievedPodData({ pod: pod(i), configmaps: [], secrets: [], projectedvolumesmaps: [], jobscriptURL: '' }), { sessionId: 's', signal: new AbortController().signal });
  }
  return new PluginLookup(provider);
}

describe('PluginLookup', () => {
  it('asks about many pods in one /status call and tells listed from absent', async () => {
    const lookup = await setup([0, 2]);
    const answers = await Promise.all([0, 1, 2, 3].map((i) => lookup.find(pod(i))));
    expect(relay.calls.status).toBe(1);
    expect(relay.statusBatchSizes).toEqual([4]);
    expect(answers.map((a) => a?.UID)).toEqual([pod(0).metadata!.uid, undefined, pod(2).metadata!.uid, undefined]);
    expect(answers[0]?.JID).toMatch(/^mem-/);
  });

  it('rejects every question of a batch when the relay cannot answer, and asks again later', async () => {
    const lookup = await setup([0]);
    relay.fail('status', 502, 'plugin unreachable', 1);
    const failed = await Promise.allSettled([lookup.find(pod(0)), lookup.find(pod(1))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(RelayError);
    expect((await lookup.find(pod(0)))?.UID).toBe(pod(0).metadata!.uid);
  });
});
