import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodCreateRequests } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import type { Provider, VolumeUpdateResult } from '@interlink/relay-client';
import type { KubeClient } from '../../kube/kube-client';
import type { PodCreateAssembler } from '../pod-create-assembler';
import { newTrackedPod, type TrackedPod } from '../tracked-pod';
import { ServiceAccountTokenIssuer, tokenSpecsOf } from './token-issuer';
import { TokenRotator } from './token-rotator';

const lines: string[] = [];
const log = createLogger({ service: 'test', level: 'info', destination: { write: (l: string) => lines.push(l) } });

function pod(name: string, expirationSeconds = 600): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: [{ name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds } }] } }],
    },
    status: { phase: 'Running' },
  };
}

/** A TokenRequest API that numbers its tokens, and an assembler that asks the issuer as the real one does. */
function setup(answers: Array<VolumeUpdateResult | Error>) {
  let n = 0;
  const kube = {
    request: () => Promise.resolve({ status: { token: `token-${++n}`, expirationTimestamp: new Date(Date.now() + 600_000).toISOString() } }),
  } as unknown as KubeClient;
  const issuer = new ServiceAccountTokenIssuer(kube);
  const pushed: string[] = [];
  const assembler = {
    assemble: async (p: V1Pod): Promise<PodCreateRequests> => {
      const tokens = await Promise.all(tokenSpecsOf(p).map((s) => issuer.token(p, s)));
      return { pod: p, configmaps: [], secrets: [], projectedvolumesmaps: [{ metadata: { name: 'sa' }, data: { token: tokens[0] ?? '' } }], jobscriptURL: '' };
    },
  } as unknown as PodCreateAssembler;
  const provider = {
    updateVolumes: (req: PodCreateRequests) => {
      pushed.push(`${req.pod.metadata?.name}:${req.projectedvolumesmaps?.[0]?.data?.['token']}`);
      const next = answers.shift() ?? 'updated';
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  } as unknown as Provider;
  const tracked: TrackedPod[] = [];
  const rotator = new TokenRotator(provider, assembler, issuer, () => tracked, { checkIntervalMs: 1000, hostIP: '10.0.0.1' }, log);
  const add = async (p: V1Pod) => {
    const t = newTrackedPod(p, { kind: 'submitted' });
    tracked.push(t);
    await assembler.assemble(p, {}, { hostIP: '' }); // the token issued at create
    return t;
  };
  return { rotator, pushed, add, tracked };
}

describe('TokenRotator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    lines.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('pushes a fresh token once 80 % of the lifetime has passed, not before', async () => {
    const { rotator, pushed, add } = setup([]);
    await add(pod('a'));
    vi.setSystemTime(Date.now() + 479_000);
    expect(await rotator.check()).toBe(0);
    vi.setSystemTime(Date.now() + 2_000);
    expect(await rotator.check()).toBe(1);
    expect(pushed).toEqual(['a:token-2']);
    expect(await rotator.check()).toBe(0);
  });

  it('skips pods that are not running on the plugin', async () => {
    const { rotator, pushed, add } = setup([]);
    const t = await add(pod('done'));
    t.pod.status = { phase: 'Succeeded' };
    const d = await add(pod('leaving'));
    d.deleting = true;
    vi.setSystemTime(Date.now() + 600_000);
    expect(await rotator.check()).toBe(0);
    expect(pushed).toEqual([]);
  });

  it('issues again on the next check when a push failed', async () => {
    const { rotator, pushed, add } = setup([new Error('relay unreachable'), 'updated']);
    await add(pod('a'));
    vi.setSystemTime(Date.now() + 500_000);
    expect(await rotator.check()).toBe(0);
    expect(await rotator.check()).toBe(1);
    expect(pushed).toEqual(['a:token-2', 'a:token-3']);
    expect(lines.some((l) => l.includes('token rotation failed'))).toBe(true);
  });

  it('stops for good, with one warning, when the relay or plugin lacks the extension', async () => {
    const { rotator, pushed, add } = setup(['unsupported']);
    await add(pod('a'));
    await add(pod('b'));
    vi.setSystemTime(Date.now() + 500_000);
    expect(await rotator.check()).toBe(0);
    vi.setSystemTime(Date.now() + 500_000);
    expect(await rotator.check()).toBe(0);
    expect(pushed).toHaveLength(1);
    expect(lines.filter((l) => l.includes('no /updateVolumes'))).toHaveLength(1);
  });
});
