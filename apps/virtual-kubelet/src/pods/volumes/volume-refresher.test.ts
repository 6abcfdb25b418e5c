import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthenticationV1TokenRequest, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { PodCreateRequests } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import { RelayError, type Provider, type VolumeUpdateResult } from '@interlink/relay-client';
import { MapObjects } from '../../../test/support/map-objects';
import type { KubeClient } from '../../kube/kube-client';
import { EnvResolver } from '../env/env-resolver';
import { PodCreateAssembler } from '../pod-create-assembler';
import { newTrackedPod, type TrackedPod } from '../tracked-pod';
import { ProjectedVolumeResolver } from './projected-volume-resolver';
import { ServiceAccountTokenIssuer } from './token-issuer';
import { VolumeRefresher } from './volume-refresher';
import { volumeFingerprint } from './volume-fingerprint';

const lines: string[] = [];
const log = createLogger({
  service: 'test',
  level: 'info',
  destination: { write: (l: string) => lines.push(l) },
});
const MIN = 60_000;

function pod(name: string, volumes: V1Volume[]): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes },
    status: { phase: 'Running' },
  };
}
const tokenPod = (name: string, expirationSeconds = 600) =>
  pod(name, [
    { name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds } }] } },
  ]);
const configPod = (name: string) => pod(name, [{ name: 'cfg', configMap: { name: 'settings' } }]);

/**
 * The real assembler and token issuer over a TokenRequest API that numbers its tokens and a
 * provider that records what it was sent and answers from `answers` (then 'updated').
 */
function setup(
  answers: Array<VolumeUpdateResult | Error> = [],
  contentIntervalMs = MIN,
  grantedSeconds?: number,
) {
  let issued = 0;
  const kube = {
    request: (req: { body: AuthenticationV1TokenRequest }) => {
      const exp = grantedSeconds ?? req.body.spec.expirationSeconds ?? 3600;
      return Promise.resolve({
        status: {
          token: `token-${++issued}`,
          expirationTimestamp: new Date(Date.now() + exp * 1000).toISOString(),
        },
      });
    },
  } as unknown as KubeClient;
  const objects = new MapObjects();
  objects.configMaps.set('ns/settings', { metadata: { name: 'settings' }, data: { mode: 'fast' } });
  const issuer = new ServiceAccountTokenIssuer(kube);
  const allocatable = () => ({ cpu: '8', memory: '16Gi' });
  const projected = new ProjectedVolumeResolver(objects, issuer, { nodeAllocatable: allocatable });
  const assembler = new PodCreateAssembler(
    objects,
    new EnvResolver(objects, { nodeAllocatable: allocatable }),
    projected,
    { disableProjectedVolumes: false, jobScriptBuilderURL: '' },
  );
  const pushed: string[] = [];
  const provider = {
    updateVolumes: (req: PodCreateRequests) => {
      const token = req.projectedvolumesmaps?.[0]?.data?.['token'];
      const mode = req.configmaps?.[0]?.data?.['mode'];
      pushed.push(`${req.pod.metadata?.name}:${token ?? mode}`);
      const next = answers.shift() ?? 'updated';
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  } as unknown as Provider;
  const tracked: TrackedPod[] = [];
  const refresher = new VolumeRefresher(
    provider,
    assembler,
    issuer,
    () => tracked,
    { checkIntervalMs: 1000, contentIntervalMs, rotateTokens: true, hostIP: '10.0.0.1' },
    log,
  );
  /** A pod as the creator leaves it: submitted with the content it was created with. */
  const add = async (p: V1Pod) => {
    const t = newTrackedPod(p, { kind: 'submitted' });
    t.submittedAt = Date.now();
    t.volumeFingerprint = volumeFingerprint(await assembler.assemble(p, {}, { hostIP: '' }));
    tracked.push(t);
    return t;
  };
  return { refresher, pushed, add, tracked, objects, tokensIssued: () => issued };
}
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('VolumeRefresher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    lines.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('rotates a projected token once 80 % of its lifetime has passed, not before', async () => {
    const { refresher, pushed, add } = setup([], 0);
    await add(tokenPod('a'));
    advance(479_000);
    expect(await refresher.check()).toBe(0);
    advance(2_000);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['a:token-2']);
    expect(await refresher.check()).toBe(0);
    // The new token is itself rotated at 80 % of its own lifetime.
    advance(479_000);
    expect(await refresher.check()).toBe(0);
    advance(2_000);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['a:token-2', 'a:token-3']);
  });

  it('rotates a long-lived token after 24 h rather than at 80 % of 48 h', async () => {
    const { refresher, pushed, add } = setup([], 0);
    await add(tokenPod('long', 48 * 3600));
    advance(24 * 3600_000 - 1_000);
    expect(await refresher.check()).toBe(0);
    advance(1_000);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['long:token-2']);
  });

  it('rotates at 80 % of the requested lifetime when the API server granted a longer one', async () => {
    // kube-apiserver extends 3607 s tokens to a year (--service-account-extend-token-expiration).
    const { refresher, pushed, add } = setup([], 0, 365 * 24 * 3600);
    await add(tokenPod('extended', 3607));
    advance(2_885_000);
    expect(await refresher.check()).toBe(0);
    advance(1_000);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['extended:token-2']);
  });

  it('pushes a changed ConfigMap at the next content comparison; unchanged content is not pushed', async () => {
    const { refresher, pushed, add, objects } = setup();
    await add(configPod('cfg'));
    advance(MIN);
    expect(await refresher.check()).toBe(0);
    objects.configMaps.set('ns/settings', {
      metadata: { name: 'settings', resourceVersion: '2' },
      data: { mode: 'slow' },
    });
    advance(MIN / 2);
    expect(await refresher.check()).toBe(0);
    advance(MIN / 2);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['cfg:slow']);
    advance(MIN);
    expect(await refresher.check()).toBe(0);
  });

  it('keeps the files of a pod whose ConfigMap was deleted, as the kubelet does', async () => {
    const { refresher, pushed, add, objects } = setup();
    await add(configPod('orphan'));
    objects.configMaps.delete('ns/settings');
    advance(MIN);
    expect(await refresher.check()).toBe(0);
    expect(pushed).toEqual([]);
  });

  it('skips pods that are finished, being deleted or not yet submitted', async () => {
    const { refresher, pushed, add } = setup();
    (await add(tokenPod('done'))).pod.status = { phase: 'Succeeded' };
    (await add(tokenPod('leaving'))).deleting = true;
    (await add(tokenPod('waiting'))).local = { kind: 'config-error', message: 'configmap "x" not found' };
    advance(600_000);
    expect(await refresher.check()).toBe(0);
    expect(pushed).toEqual([]);
  });

  it('retries a failed push on the next check with the token already issued (no new TokenRequest)', async () => {
    const { refresher, pushed, add, tokensIssued } = setup([new Error('plugin answered 500')]);
    await add(tokenPod('a'));
    advance(500_000);
    expect(await refresher.check()).toBe(0);
    expect(lines.some((l) => l.includes('pod volume refresh failed'))).toBe(true);
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['a:token-2', 'a:token-2']);
    expect(tokensIssued()).toBe(2);
  });

  it('ends the pass at the first pod when the relay is unreachable', async () => {
    const down = new RelayError('UpdateVolumes', 'unreachable', 'connect ECONNREFUSED', 'UpdateVolumes#1');
    const { refresher, pushed, add } = setup([down]);
    await add(tokenPod('a'));
    await add(tokenPod('b'));
    advance(500_000);
    expect(await refresher.check()).toBe(0);
    // Tokens 1 and 2 were issued at create; b was not even assembled.
    expect(pushed).toEqual(['a:token-3']);
    expect(await refresher.check()).toBe(2);
    expect(pushed).toEqual(['a:token-3', 'a:token-3', 'b:token-4']);
  });

  it('stops for good, with one warning, when the relay or plugin lacks the extension', async () => {
    const { refresher, pushed, add } = setup(['unsupported']);
    await add(tokenPod('a'));
    await add(tokenPod('b'));
    advance(500_000);
    expect(await refresher.check()).toBe(0);
    advance(500_000);
    expect(await refresher.check()).toBe(0);
    expect(pushed).toHaveLength(1);
    expect(refresher.disabled).toBe(true);
    expect(lines.filter((l) => l.includes('no /updateVolumes'))).toHaveLength(1);
  });

  it('pushes once after a controller restart (the content sent at create is unknown), then only changes', async () => {
    const { refresher, pushed, add } = setup([], 0);
    const t = await add(configPod('adopted'));
    const atCreate = t.volumeFingerprint;
    delete t.volumeFingerprint;
    expect(await refresher.check()).toBe(1);
    expect(pushed).toEqual(['adopted:fast']);
    expect(t.volumeFingerprint).toBe(atCreate);
    expect(await refresher.check()).toBe(0);
  });
});
