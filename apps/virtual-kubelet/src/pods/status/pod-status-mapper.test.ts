import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { PodStatus } from '@interlink/api';
import { PodStatusMapper, type LocalPodState } from './pod-status-mapper';

const NOW = Date.parse('2026-03-02T10:20:00Z');
const EARLIER = '2026-03-02T10:00:00Z';

type Spec = NonNullable<V1Pod['spec']>;

function pod(spec: Partial<Spec> = {}, status: V1Pod['status'] = {}): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
    spec: { containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'Never', ...spec },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: EARLIER as unknown as Date }],
      ...status,
    },
  };
}

const running = (name: string, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name,
  state: { running: { startedAt: '2026-03-02T10:10:00Z' as unknown as Date } },
  ready: false,
  restartCount: 0,
  image: '',
  imageID: '',
  ...extra,
});
const terminated = (name: string, exitCode: number, reason?: string, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}) } },
  ready: false,
  restartCount: 0,
  image: '',
  imageID: '',
  ...extra,
});
const waiting = (name: string, reason: string, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name,
  state: { waiting: { reason } },
  ready: false,
  restartCount: 0,
  image: '',
  imageID: '',
  ...extra,
});
const remote = (containers: V1ContainerStatus[], initContainers: V1ContainerStatus[] = []): PodStatus => ({
  name: 'p',
  UID: 'u-1',
  namespace: 'ns',
  JID: 'j',
  containers,
  initContainers,
});

const submitted: LocalPodState = { kind: 'submitted' };
const mapper = new PodStatusMapper();
const cond = (conds: V1PodCondition[] | undefined, type: string) => conds?.find((c) => c.type === type);

interface PhaseCase {
  name: string;
  spec?: Partial<Spec>;
  local?: LocalPodState;
  remote?: PodStatus;
  phase: string;
  ready: 'True' | 'False';
  initialized: 'True' | 'False';
  podReason?: string;
  containerReasons?: Record<string, string | undefined>;
}

const twoContainers = { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] };
const twoInit = { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] };

const phaseCases: PhaseCase[] = [
  { name: 'not yet accepted', local: { kind: 'creating' }, phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { app: 'ContainerCreating' } },
  { name: 'accepted, nothing reported yet', phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { app: 'ContainerCreating' } },
  { name: 'running', remote: remote([running('app')]), phase: 'Running', ready: 'True', initialized: 'True' },
  { name: 'queued (waiting with plugin reason)', remote: remote([waiting('app', 'Waiting for probes to be ready.')]), phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { app: 'Waiting for probes to be ready.' } },
  { name: 'exit 0, Never', remote: remote([terminated('app', 0)]), phase: 'Succeeded', ready: 'False', initialized: 'True', containerReasons: { app: 'Completed' } },
  { name: 'exit 1, Never', remote: remote([terminated('app', 1)]), phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'Error', containerReasons: { app: 'Error' } },
  { name: 'OOMKilled keeps its reason', remote: remote([terminated('app', 137, 'OOMKilled')]), phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'OOMKilled', containerReasons: { app: 'OOMKilled' } },
  { name: 'Slurm timeout reason kept', remote: remote([terminated('app', 143, 'SlurmJobTimeout')]), phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'SlurmJobTimeout' },
  { name: 'exit 0, Always stays Running', spec: { restartPolicy: 'Always' }, remote: remote([terminated('app', 0)]), phase: 'Running', ready: 'False', initialized: 'True' },
  { name: 'exit 1, Always stays Running', spec: { restartPolicy: 'Always' }, remote: remote([terminated('app', 1)]), phase: 'Running', ready: 'False', initialized: 'True' },
  { name: 'exit 0, OnFailure succeeds', spec: { restartPolicy: 'OnFailure' }, remote: remote([terminated('app', 0)]), phase: 'Succeeded', ready: 'False', initialized: 'True' },
  { name: 'exit 1, OnFailure is restarted', spec: { restartPolicy: 'OnFailure' }, remote: remote([terminated('app', 1)]), phase: 'Running', ready: 'False', initialized: 'True' },
  { name: 'restarting container (waiting + lastState) under OnFailure', spec: { restartPolicy: 'OnFailure' }, remote: remote([waiting('app', 'CrashLoopBackOff', { lastState: { terminated: { exitCode: 2 } }, restartCount: 3 })]), phase: 'Running', ready: 'False', initialized: 'True', containerReasons: { app: 'CrashLoopBackOff' } },
  { name: 'two containers: one running, one done', spec: twoContainers, remote: remote([running('a'), terminated('b', 0)]), phase: 'Running', ready: 'False', initialized: 'True' },
  { name: 'two containers: both done, one failed', spec: twoContainers, remote: remote([terminated('a', 0), terminated('b', 3)]), phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'Error', containerReasons: { a: 'Completed', b: 'Error' } },
  { name: 'two containers: only one reported', spec: twoContainers, remote: remote([terminated('a', 0)]), phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { b: 'ContainerCreating' } },
  { name: 'empty report never means Succeeded', remote: remote([]), phase: 'Pending', ready: 'False', initialized: 'True' },
  { name: 'init running', spec: twoInit, remote: remote([], [running('i1')]), phase: 'Pending', ready: 'False', initialized: 'False', containerReasons: { app: 'PodInitializing', i2: 'PodInitializing' } },
  { name: 'second init running, first done', spec: twoInit, remote: remote([waiting('app', 'PodInitializing')], [terminated('i1', 0), running('i2')]), phase: 'Pending', ready: 'False', initialized: 'False', containerReasons: { i1: 'Completed', app: 'PodInitializing' } },
  { name: 'init done, app running', spec: twoInit, remote: remote([running('app')], [terminated('i1', 0), terminated('i2', 0)]), phase: 'Running', ready: 'True', initialized: 'True' },
  { name: 'init done, app not reported yet', spec: twoInit, remote: remote([], [terminated('i1', 0), terminated('i2', 0)]), phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { app: 'ContainerCreating' } },
  { name: 'init failed, Never', spec: twoInit, remote: remote([], [terminated('i1', 0), terminated('i2', 4)]), phase: 'Failed', ready: 'False', initialized: 'False', podReason: 'Error', containerReasons: { i2: 'Error' } },
  { name: 'init failed, OnFailure retries', spec: { ...twoInit, restartPolicy: 'OnFailure' }, remote: remote([], [terminated('i1', 5)]), phase: 'Pending', ready: 'False', initialized: 'False' },
  { name: 'init restarting after failure, Never', spec: twoInit, remote: remote([], [waiting('i1', 'CrashLoopBackOff', { lastState: { terminated: { exitCode: 1 } } })]), phase: 'Failed', ready: 'False', initialized: 'False' },
  { name: 'sidecar running and started, app running', spec: { initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }] }, remote: remote([running('app')], [running('side', { started: true })]), phase: 'Running', ready: 'True', initialized: 'True' },
  { name: 'config error', local: { kind: 'config-error', message: 'configmap "cfg" not found' }, phase: 'Pending', ready: 'False', initialized: 'True', containerReasons: { app: 'CreateContainerConfigError' } },
  { name: 'create failed, Never', local: { kind: 'create-failed', message: 'error creating pod (HTTP 504): boom', terminal: true }, phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'ProviderFailed', containerReasons: { app: 'ProviderFailed' } },
  { name: 'create failed, retried', spec: { restartPolicy: 'Always' }, local: { kind: 'create-failed', message: 'x', terminal: false }, phase: 'Pending', ready: 'False', initialized: 'True', podReason: 'ProviderFailed', containerReasons: { app: 'ProviderFailed' } },
  { name: 'held (not offloaded)', local: { kind: 'held', reason: 'DaemonSetPodNotOffloaded', message: 'DaemonSet pods are not offloaded' }, phase: 'Pending', ready: 'False', initialized: 'True', podReason: 'DaemonSetPodNotOffloaded', containerReasons: { app: 'DaemonSetPodNotOffloaded' } },
  { name: 'remote job lost', local: { kind: 'lost', message: 'gone' }, phase: 'Failed', ready: 'False', initialized: 'True', podReason: 'RemoteJobLost', containerReasons: { app: 'RemoteJobLost' } },
];

function reasonOf(s: V1ContainerStatus | undefined): string | undefined {
  return s?.state?.waiting?.reason ?? s?.state?.terminated?.reason;
}

describe('PodStatusMapper phase and conditions', () => {
  it.each(phaseCases)('$name', (tc) => {
    const out = mapper.map({ pod: pod(tc.spec), local: tc.local ?? submitted, remote: tc.remote, now: NOW });
    expect(out.phase).toBe(tc.phase);
    expect(cond(out.conditions, 'Ready')?.status).toBe(tc.ready);
    expect(cond(out.conditions, 'ContainersReady')?.status).toBe(tc.ready);
    expect(cond(out.conditions, 'Initialized')?.status).toBe(tc.initialized);
    expect(out.reason).toBe(tc.podReason);
    const all = [...(out.initContainerStatuses ?? []), ...(out.containerStatuses ?? [])];
    for (const [name, reason] of Object.entries(tc.containerReasons ?? {})) {
      expect(reasonOf(all.find((s) => s.name === name)), name).toBe(reason);
    }
    for (const s of all) {
      const states = Object.values(s.state ?? {}).filter(Boolean).length;
      expect(states, `${s.name} has exactly one state`).toBe(1);
    }
    expect(cond(out.conditions, 'PodScheduled')?.status).toBe('True');
  });
});

describe('PodStatusMapper container details', () => {
  it('keeps plugin fields and falls back to the spec image', () => {
    const out = mapper.map({
      pod: pod(),
      local: submitted,
      remote: remote([running('app', { restartCount: 2, containerID: 'docker://abc', imageID: 'sha256:1', lastState: { terminated: { exitCode: 1, reason: 'Error' } } })]),
      now: NOW,
    });
    const s = out.containerStatuses![0]!;
    expect(s).toMatchObject({ name: 'app', image: 'busybox', imageID: 'sha256:1', containerID: 'docker://abc', restartCount: 2, ready: true, started: true });
    expect(s.lastState?.terminated?.exitCode).toBe(1);
  });

  it('honours readiness probes: running but not ready', () => {
    const spec = { containers: [{ name: 'app', image: 'x', readinessProbe: { exec: { command: ['true'] } } }] };
    const notReady = mapper.map({ pod: pod(spec), local: submitted, remote: remote([running('app', { ready: false })]), now: NOW });
    expect(notReady.phase).toBe('Running');
    expect(notReady.containerStatuses![0]!.ready).toBe(false);
    expect(cond(notReady.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    const ready = mapper.map({ pod: pod(spec), local: submitted, remote: remote([running('app', { ready: true })]), now: NOW });
    expect(cond(ready.conditions, 'Ready')?.status).toBe('True');
  });

  it('forces a single state when the plugin sends two', () => {
    const both: V1ContainerStatus = { name: 'app', state: { waiting: { reason: 'x' }, terminated: { exitCode: 0 } }, image: '', imageID: '', ready: false, restartCount: 0 };
    const out = mapper.map({ pod: pod(), local: submitted, remote: remote([both]), now: NOW });
    expect(out.containerStatuses![0]!.state).toEqual({ terminated: { exitCode: 0, reason: 'Completed' } });
  });

  it('never lowers restartCount', () => {
    const before = pod({ restartPolicy: 'Always' }, { phase: 'Running', containerStatuses: [running('app', { restartCount: 5 })] });
    const out = mapper.map({ pod: before, local: submitted, remote: remote([running('app', { restartCount: 1 })]), now: NOW });
    expect(out.containerStatuses![0]!.restartCount).toBe(5);
  });

  it('keeps the last reported state of a container the plugin stops reporting', () => {
    const before = pod(twoContainers, { phase: 'Running', containerStatuses: [running('a'), running('b')] });
    const out = mapper.map({ pod: before, local: submitted, remote: remote([running('a')]), now: NOW });
    expect(out.containerStatuses!.map((s) => Object.keys(s.state!)[0])).toEqual(['running', 'running']);
    expect(out.phase).toBe('Running');
  });

  it('sorts regular container statuses by name like the kubelet', () => {
    const spec = { containers: [{ name: 'zeta', image: 'x' }, { name: 'alpha', image: 'x' }] };
    const out = mapper.map({ pod: pod(spec), local: submitted, remote: remote([running('zeta'), running('alpha')]), now: NOW });
    expect(out.containerStatuses!.map((s) => s.name)).toEqual(['alpha', 'zeta']);
  });

  it('puts each init status on its own entry, in spec order', () => {
    const out = mapper.map({ pod: pod(twoInit), local: submitted, remote: remote([], [running('i2'), terminated('i1', 0)]), now: NOW });
    expect(out.initContainerStatuses!.map((s) => s.name)).toEqual(['i1', 'i2']);
    expect(out.initContainerStatuses![0]!.state?.terminated?.exitCode).toBe(0);
    expect(out.initContainerStatuses![0]!.ready).toBe(true);
    expect(out.initContainerStatuses![1]!.state?.running).toBeDefined();
    expect(cond(out.conditions, 'Initialized')?.message).toBe('containers with incomplete status: [i2]');
  });

  it('a lost job keeps containers that had already terminated', () => {
    const before = pod(twoContainers, { phase: 'Running', containerStatuses: [terminated('a', 0, 'Completed'), running('b')] });
    const out = mapper.map({ pod: before, local: { kind: 'lost', message: 'job vanished' }, now: NOW });
    expect(out.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(out.containerStatuses![1]!.state?.terminated).toMatchObject({ exitCode: 137, reason: 'RemoteJobLost', message: 'job vanished' });
    expect(out.containerStatuses![1]!.state?.terminated?.startedAt).toBe('2026-03-02T10:10:00Z');
  });

  it('config error carries the message naming the object', () => {
    const out = mapper.map({ pod: pod(), local: { kind: 'config-error', message: 'configmap "cfg" not found' }, now: NOW });
    expect(out.containerStatuses![0]!.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found' });
  });

  it('failed pod message names the container and exit code', () => {
    const out = mapper.map({ pod: pod(), local: submitted, remote: remote([terminated('app', 137, 'OOMKilled', { state: { terminated: { exitCode: 137, reason: 'OOMKilled', message: 'killed' } } })]), now: NOW });
    expect(out.message).toBe('container "app" exited with code 137: killed');
  });
});

describe('PodStatusMapper pod-level fields', () => {
  it('never leaves a terminal phase', () => {
    const done = pod({}, { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] });
    const out = mapper.map({ pod: done, local: submitted, remote: remote([running('app')]), now: NOW });
    expect(out).toBe(done.status);
  });

  it('keeps lastTransitionTime while a condition does not change', () => {
    const first = mapper.map({ pod: pod(), local: submitted, remote: remote([running('app')]), now: NOW });
    const later = NOW + 60_000;
    const second = mapper.map({ pod: pod({}, first), local: submitted, remote: remote([running('app')]), now: later });
    expect(cond(second.conditions, 'Ready')?.lastTransitionTime).toBe('2026-03-02T10:20:00Z');
    const third = mapper.map({ pod: pod({}, second), local: submitted, remote: remote([terminated('app', 0)]), now: later });
    expect(cond(third.conditions, 'Ready')?.lastTransitionTime).toBe('2026-03-02T10:21:00Z');
    expect(cond(third.conditions, 'PodScheduled')?.lastTransitionTime).toBe(EARLIER);
    expect(second).toEqual(mapper.map({ pod: pod({}, second), local: submitted, remote: remote([running('app')]), now: later + 5000 }));
  });

  it('uses kubelet reasons once the pod completes', () => {
    const out = mapper.map({ pod: pod(), local: submitted, remote: remote([terminated('app', 0)]), now: NOW });
    expect(cond(out.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(out.conditions, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(cond(out.conditions, 'PodReadyToStartContainers')?.status).toBe('False');
    const failed = mapper.map({ pod: pod(), local: submitted, remote: remote([terminated('app', 2)]), now: NOW });
    expect(cond(failed.conditions, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodFailed' });
  });

  it('PodReadyToStartContainers follows acceptance by the plugin', () => {
    const creating = mapper.map({ pod: pod(), local: { kind: 'creating' }, now: NOW });
    expect(cond(creating.conditions, 'PodReadyToStartContainers')?.status).toBe('False');
    const accepted = mapper.map({ pod: pod(), local: submitted, now: NOW });
    expect(cond(accepted.conditions, 'PodReadyToStartContainers')?.status).toBe('True');
  });

  it('respects readiness gates set by others', () => {
    const spec = { readinessGates: [{ conditionType: 'example.com/lb' }] };
    const missing = mapper.map({ pod: pod(spec), local: submitted, remote: remote([running('app')]), now: NOW });
    expect(cond(missing.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
    expect(cond(missing.conditions, 'ContainersReady')?.status).toBe('True');
    const gated = pod(spec, { conditions: [{ type: 'example.com/lb', status: 'True' }] });
    const ok = mapper.map({ pod: gated, local: submitted, remote: remote([running('app')]), now: NOW });
    expect(cond(ok.conditions, 'Ready')?.status).toBe('True');
    expect(cond(ok.conditions, 'example.com/lb')?.status).toBe('True');
  });

  it('orders conditions like the kubelet and never duplicates them', () => {
    let current = pod();
    for (let i = 0; i < 3; i++) {
      current = pod({}, mapper.map({ pod: current, local: submitted, remote: remote([running('app')]), now: NOW + i }));
    }
    expect(current.status!.conditions!.map((c) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  });

  it('sets start time once, and host and pod addresses', () => {
    const out = mapper.map({ pod: pod(), local: submitted, hostIP: '10.0.0.5', podIP: '10.1.0.9', now: NOW });
    expect(out).toMatchObject({ startTime: '2026-03-02T10:20:00Z', hostIP: '10.0.0.5', hostIPs: [{ ip: '10.0.0.5' }], podIP: '10.1.0.9', podIPs: [{ ip: '10.1.0.9' }] });
    const again = mapper.map({ pod: pod({}, out), local: submitted, now: NOW + 1000 });
    expect(again.startTime).toBe('2026-03-02T10:20:00Z');
  });

  it('keeps fields it does not own (qosClass) and clears stale reasons', () => {
    const before = pod({}, { qosClass: 'BestEffort', reason: 'ProviderFailed', message: 'old' });
    const out = mapper.map({ pod: before, local: submitted, remote: remote([running('app')]), now: NOW });
    expect(out.qosClass).toBe('BestEffort');
    expect(out.reason).toBeUndefined();
    expect(out.message).toBeUndefined();
  });
});
