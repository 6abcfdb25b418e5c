import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { CreateStruct, PodCreateRequests } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import { RelayError, type Provider } from '@interlink/relay-client';
import type { EventRecorder } from '../events/event-recorder';
import type { PodCreateAssembler } from './pod-create-assembler';
import { PodCreator } from './pod-creator';
import { newTrackedPod } from './tracked-pod';

const log = createLogger({ service: 'test', level: 'error' });
const pod = (): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', resourceVersion: '3' },
  spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Always', nodeName: 'vk' },
  status: { phase: 'Pending' },
});

/** A relay whose create answers come from a script, one per attempt. */
function creatorWith(answers: Array<CreateStruct | RelayError>) {
  const events: string[] = [];
  const recorder = { event: (_o: unknown, type: string, reason: string, message: string) => events.push(`${type}/${reason}: ${message}`) } as unknown as EventRecorder;
  const provider = {
    create: async () => {
      const next = answers.shift();
      if (next instanceof RelayError) throw next;
      return next;
    },
  } as unknown as Provider;
  const assembler = { assemble: async (p: V1Pod) => ({ pod: p, configmaps: [], secrets: [], projectedvolumesmaps: [], jobscriptURL: '' }) as PodCreateRequests } as unknown as PodCreateAssembler;
  const creator = new PodCreator(provider, assembler, recorder, log, { hostIP: '10.0.0.1' }, () => undefined);
  return { creator, events };
}
const http = (status: number, body: string) => new RelayError('CreatePod', 'http', `HTTP ${status}`, 'CreatePod#1', status, body);

describe('PodCreator', () => {
  it('turns each create-answer Warning into a PluginWarning event on the pod', async () => {
    const { creator, events } = creatorWith([{ PodUID: 'u-1', PodJID: 'j-9', Warnings: ['cpu request rounded up to 1'] } as CreateStruct]);
    const t = newTrackedPod(pod(), { kind: 'creating' });
    expect(await creator.attempt(t, () => ({}))).toEqual({ next: 'poll' });
    expect(t.jobId).toBe('j-9');
    expect(events).toContain('Warning/PluginWarning: cpu request rounded up to 1');
  });

  it('retries a relay outage and a 5xx (Pending with the reason), whatever the restartPolicy', async () => {
    const down = new RelayError('CreatePod', 'unreachable', 'connect ECONNREFUSED', 'CreatePod#1');
    const { creator, events } = creatorWith([down, http(500, 'plugin crashed'), { PodUID: 'u-1', PodJID: 'j-1' }]);
    const p = pod();
    p.spec!.restartPolicy = 'Never';
    const t = newTrackedPod(p, { kind: 'creating' });
    expect(await creator.attempt(t, () => ({}))).toEqual({ next: 'retry', afterMs: 1_000 });
    expect(t.local).toMatchObject({ kind: 'create-failed', terminal: false });
    expect(await creator.attempt(t, () => ({}))).toEqual({ next: 'retry', afterMs: 2_000 });
    expect(t.local).toMatchObject({ kind: 'create-failed', terminal: false, message: 'error creating pod (HTTP 500): plugin crashed (retrying in 2s)' });
    expect(await creator.attempt(t, () => ({}))).toEqual({ next: 'poll' });
    expect(t.local.kind).toBe('submitted');
    expect(events.filter((e) => e.startsWith('Warning/Failed'))).toHaveLength(2);
  });

  it('fails the pod on a 4xx refusal with the plugin message and a Warning event', async () => {
    const { creator, events } = creatorWith([http(422, '{"error":"resources.limits.nvidia.com/gpu: no GPU partition"}')]);
    const t = newTrackedPod(pod(), { kind: 'creating' });
    expect(await creator.attempt(t, () => ({}))).toEqual({ next: 'none' });
    expect(t.local).toEqual({ kind: 'create-failed', terminal: true, message: 'error creating pod (HTTP 422): resources.limits.nvidia.com/gpu: no GPU partition' });
    expect(events).toContain('Warning/Failed: error creating pod (HTTP 422): resources.limits.nvidia.com/gpu: no GPU partition');
  });
});
