import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { PodStatus } from '@interlink/api';
import { INFERRED_INIT_MESSAGE } from './init-inference';
import { PodStatusMapper } from './pod-status-mapper';

const NOW = Date.parse('2026-03-02T10:20:00Z');
const STARTED = '2026-03-02T10:10:00Z' as unknown as Date;
const mapper = new PodStatusMapper();

function pod(spec: Partial<NonNullable<V1Pod['spec']>> = {}, status: V1Pod['status'] = { phase: 'Pending' }): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
    spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'Never', ...spec },
    status,
  };
}
const status = (name: string, state: V1ContainerStatus['state']): V1ContainerStatus => ({ name, state, ready: false, restartCount: 0, image: '', imageID: '' });
const running = (name: string) => status(name, { running: { startedAt: STARTED } });
const done = (name: string, exitCode = 0) => status(name, { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } });
/** Upstream's Slurm plugin answers `initContainers: null`; the codec turns null lists into []. */
const remote = (containers: V1ContainerStatus[], initContainers: V1ContainerStatus[] = []): PodStatus => ({ name: 'p', UID: 'u-1', namespace: 'ns', JID: '42', containers, initContainers });
const map = (p: V1Pod, r: PodStatus) => mapper.map({ pod: p, local: { kind: 'submitted' }, remote: r, now: NOW });

describe('init containers a plugin leaves out (issue 16)', () => {
  it('a running app container means the init containers completed: Running, Initialized', () => {
    const out = map(pod(), remote([running('app')]));
    expect(out.phase).toBe('Running');
    expect(out.initContainerStatuses?.[0]).toMatchObject({ name: 'setup', ready: true, state: { terminated: { exitCode: 0, reason: 'Completed', message: INFERRED_INIT_MESSAGE } } });
    expect(out.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    expect(out.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('finished app containers end the pod: Succeeded on exit 0, Failed otherwise', () => {
    expect(map(pod(), remote([done('app')])).phase).toBe('Succeeded');
    expect(map(pod(), remote([done('app', 2)])).phase).toBe('Failed');
  });

  it('stays Pending (PodInitializing) while no app container has run', () => {
    const out = map(pod(), remote([status('app', { waiting: { reason: 'ContainerCreating' } })]));
    expect(out.phase).toBe('Pending');
    expect(out.initContainerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
  });

  it('keeps the kubelet-exact mapping when the plugin reports init statuses', () => {
    const failedInit = map(pod(), remote([status('app', { waiting: { reason: 'PodInitializing' } })], [done('setup', 1)]));
    expect(failedInit.phase).toBe('Failed');
    expect(failedInit.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
    const reported = map(pod(), remote([running('app')], [done('setup')]));
    expect(reported.initContainerStatuses?.[0]?.state?.terminated?.message).toBeUndefined();
  });

  it('keeps an init status the plugin reported earlier when a later answer leaves it out', () => {
    const first = map(pod(), remote([running('app')], [{ ...done('setup'), containerID: 'docker://abc' }]));
    const second = map(pod({}, first), remote([running('app')]));
    expect(second.initContainerStatuses?.[0]?.containerID).toBe('docker://abc');
    expect(second.phase).toBe('Running');
  });

  it('a sidecar init container (restartPolicy Always) runs beside the app, then the pod completes', () => {
    const spec = { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] };
    const during = map(pod(spec), remote([running('app')]));
    expect(during.phase).toBe('Running');
    expect(during.initContainerStatuses?.[0]).toMatchObject({ state: { running: { startedAt: STARTED } }, started: true });
    // Stable: the same answer maps to the same status (no rewrite on every poll).
    expect(map(pod(spec, during), remote([running('app')]))).toEqual(during);
    expect(map(pod(spec, during), remote([done('app')])).phase).toBe('Succeeded');
  });
});

describe('addresses copied into the status', () => {
  it('leaves podIP and hostIP unset when they are not IP addresses', () => {
    const out = mapper.map({ pod: pod({ initContainers: [] }), local: { kind: 'submitted' }, hostIP: 'my-host', podIP: '10.0.0.1/24', now: NOW });
    expect(out.podIP).toBeUndefined();
    expect(out.podIPs).toBeUndefined();
    expect(out.hostIP).toBeUndefined();
  });
});
