import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodStatus as RemotePodStatus } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import type { EventRecorder } from '../events/event-recorder';
import { KubeApiError, type KubeClient, type KubeRequest } from '../kube/kube-client';
import { PodStatusWriter } from './pod-status-writer';
import { newTrackedPod, type TrackedPod } from './tracked-pod';

const log = createLogger({ service: 'test', level: 'error' });

function runningPod(): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1', resourceVersion: '10' },
    spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never', nodeName: 'vk' },
    status: { phase: 'Running' },
  };
}

function remote(state: 'running' | 'done'): RemotePodStatus {
  const now = new Date();
  return {
    name: 'p',
    UID: 'u-1',
    namespace: 'ns',
    JID: 'j-1',
    containers: [
      {
        name: 'main',
        image: 'busybox',
        imageID: '',
        ready: state === 'running',
        restartCount: 0,
        state:
          state === 'running'
            ? { running: { startedAt: now } }
            : { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      },
    ],
    initContainers: [],
  } as RemotePodStatus;
}

/**
 * An API server whose watch is faster than its PUT answer: the tracked pod already holds the
 * written version (as the pod watcher would set it) when the PUT resolves.
 */
function apiWithFastWatch(t: () => TrackedPod) {
  let rv = 10;
  const kube = {
    request: (req: KubeRequest) => {
      if (req.method !== 'PUT') return Promise.reject(new Error(`unexpected ${req.method}`));
      rv++;
      const written = { ...(req.body as V1Pod), metadata: { ...(req.body as V1Pod).metadata, resourceVersion: String(rv) } };
      t().pod = structuredClone(written);
      return Promise.resolve(written);
    },
  } as unknown as KubeClient;
  return kube;
}

describe('PodStatusWriter', () => {
  it('records Completed even when the watch delivers the written status before the PUT answers', async () => {
    const events: string[] = [];
    const recorder = { event: (_o: unknown, type: string, reason: string) => events.push(`${type}/${reason}`) } as unknown as EventRecorder;
    const t = newTrackedPod(runningPod(), { kind: 'submitted' });
    const writer = new PodStatusWriter(apiWithFastWatch(() => t), recorder, log, { hostIP: '127.0.0.1' });
    t.remote = remote('running');
    expect(await writer.sync(t)).toBe(true);
    expect(events).toEqual(['Normal/Started']);
    t.remote = remote('done');
    expect(await writer.sync(t)).toBe(true);
    expect(t.pod.status?.phase).toBe('Succeeded');
    expect(events).toEqual(['Normal/Started', 'Normal/Completed']);
    expect(await writer.sync(t)).toBe(false);
    expect(events).toHaveLength(2);
  });

  it('leaves an invalid interlink.eu/pod-ip out of the status and warns once, naming annotation and value', async () => {
    const events: string[] = [];
    const recorder = { event: (_o: unknown, type: string, reason: string, message: string) => events.push(`${type}/${reason}: ${message}`) } as unknown as EventRecorder;
    const p = runningPod();
    p.metadata!.annotations = { 'interlink.eu/pod-ip': 'not-an-ip' };
    const t = newTrackedPod(p, { kind: 'submitted' });
    const writer = new PodStatusWriter(apiWithFastWatch(() => t), recorder, log, { hostIP: '127.0.0.1' });
    t.remote = remote('running');
    expect(await writer.sync(t)).toBe(true);
    expect(t.pod.status?.podIP).toBeUndefined();
    expect(t.pod.status?.podIPs).toBeUndefined();
    expect(events.filter((e) => e.startsWith('Warning/InvalidPodIP'))).toEqual([
      'Warning/InvalidPodIP: annotation interlink.eu/pod-ip is "not-an-ip", which is not an IPv4 or IPv6 address; status.podIP is left unset',
    ]);
    await writer.sync(t);
    expect(events.filter((e) => e.startsWith('Warning/InvalidPodIP'))).toHaveLength(1);
    // A corrected annotation is used at once.
    t.pod = { ...t.pod, metadata: { ...t.pod.metadata, annotations: { 'interlink.eu/pod-ip': '10.4.0.7' } } };
    expect(await writer.sync(t)).toBe(true);
    expect(t.pod.status?.podIPs).toEqual([{ ip: '10.4.0.7' }]);
  });

  it('turns a status the API server refuses as invalid (422) into one Warning event, and still fails the write', async () => {
    const events: string[] = [];
    const recorder = { event: (_o: unknown, type: string, reason: string, message: string) => events.push(`${type}/${reason}: ${message}`) } as unknown as EventRecorder;
    const message = 'Pod "p" is invalid: status.containerStatuses[0].restartCount: Invalid value: -1';
    const kube = { request: () => Promise.reject(new KubeApiError(422, 'Invalid', message)) } as unknown as KubeClient;
    const t = newTrackedPod(runningPod(), { kind: 'submitted' });
    t.remote = remote('running');
    const writer = new PodStatusWriter(kube, recorder, log, { hostIP: '127.0.0.1' });
    await expect(writer.sync(t)).rejects.toThrow(message);
    await expect(writer.sync(t)).rejects.toThrow(message);
    expect(events).toEqual([`Warning/StatusRejected: The API server refused the pod status written by the virtual node: ${message}`]);
  });
});
