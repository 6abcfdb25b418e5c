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
import { TestRelay } from './support/test-relay';

// Against a relay that speaks only the upstream paths (no /updateVolumes): token rotation is
// attempted once, answered 404, logged once for the node, and never tried again.
let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-upd-${id}`;
const ns = `vk-upd-${id}`;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  // Rotation due 6 s after create (1 % of 600 s), checked every second.
  started = await startVk({
    kc,
    nodeName,
    relayUrl: relay.url,
    relayPort: relay.portString,
    level: 'info',
    cfg: { TokenRefreshFraction: 0.01, TokenRotationCheckSeconds: 1, VolumeRefreshSeconds: 1 },
  });
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

async function phase(name: string): Promise<string | undefined> {
  return (await getPod(admin, ns, name))?.status?.phase;
}

function tokenPod(name: string): V1Pod {
  return virtualPod(nodeName, name, {
    containers: [
      {
        name: 'main',
        image: 'busybox:latest',
        command: ['sleep', '3600'],
        volumeMounts: [{ name: 'sa', mountPath: '/sa' }],
      },
    ],
    volumes: [
      {
        name: 'sa',
        projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600 } }] },
      },
    ],
  });
}

describe('volume refresh against an upstream relay (no /updateVolumes, no /listPods)', () => {
  it('tries once, warns once for the node, stops trying; pods keep running', async () => {
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [tokenPod('first'), tokenPod('second')] }),
    );
    await expect
      .poll(async () => [await phase('first'), await phase('second')], { timeout: 30_000 })
      .toEqual(['Running', 'Running']);
    const warned = () => started.logs.filter((l) => l.includes('no /updateVolumes'));
    await expect.poll(() => warned().length, { timeout: 30_000, interval: 500 }).toBe(1);
    // Several more checks pass with both pods' tokens due: no further attempt, no second warning.
    const statusCalls = relay.calls.status;
    await expect
      .poll(() => relay.calls.status - statusCalls, { timeout: 20_000, interval: 500 })
      .toBeGreaterThanOrEqual(8);
    // Each extension is tried once: /updateVolumes by the refresher, /listPods by the orphan sweep at start.
    expect([...relay.unknownPaths].sort()).toEqual(['/listPods', '/updateVolumes']);
    expect(warned()).toHaveLength(1);
    expect(relay.calls.create).toBe(2);
    expect([await phase('first'), await phase('second')]).toEqual(['Running', 'Running']);
  }, 90_000);
});
